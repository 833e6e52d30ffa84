// Asterisk's AstDB, one per simulated PBX: family/key -> value, as the
// dialplan's DB_EXISTS() and the manager's DB* actions see it. The actions
// answer in Asterisk 22's words (manager.c): DBPut, DBGet (an event list:
// DBGetResponse, then DBGetComplete), DBDel and DBDelTree (`Database entry
// not found` when nothing matched).

import type { ActionResult, Fields, SessionControl } from './ami-actions.js';
import type { AmiMessage } from '../../ami/codec.js';

export class AstDb {
  /** `family/key` -> value. */
  private readonly entries = new Map<string, string>();

  put(family: string, key: string, value: string): void {
    this.entries.set(`${family}/${key}`, value);
  }

  get(family: string, key: string): string | undefined {
    return this.entries.get(`${family}/${key}`);
  }

  del(family: string, key: string): boolean {
    return this.entries.delete(`${family}/${key}`);
  }

  /** Deletes the family (or the key tree under it); returns how many entries went. */
  delTree(family: string, key?: string): number {
    const prefix = key ? `${family}/${key}` : family;
    let n = 0;
    for (const name of [...this.entries.keys()]) {
      if (name === prefix || name.startsWith(`${prefix}/`)) n += this.entries.delete(name) ? 1 : 0;
    }
    return n;
  }
}

const success = (message: string, fields: Fields = {}): ActionResult => ({ response: { Response: 'Success', ...fields, Message: message } });
const error = (message: string): ActionResult => ({ response: { Response: 'Error', Message: message } });

/** Family and Key of a DB* action, or the error Asterisk gives for the one missing. */
function familyKey(a: AmiMessage, keyRequired: boolean): { family: string; key: string } | ActionResult {
  const family = a.get('Family') ?? '';
  const key = a.get('Key') ?? '';
  if (!family) return error('No family specified');
  if (keyRequired && !key) return error('No key specified');
  return { family, key };
}

export const DB_ACTIONS: Record<string, (session: SessionControl, action: AmiMessage) => ActionResult> = {
  dbput({ pbx }, a) {
    const fk = familyKey(a, true);
    if ('response' in fk) return fk;
    pbx.db.put(fk.family, fk.key, a.get('Val') ?? '');
    return success('Updated database successfully');
  },

  dbget({ pbx }, a) {
    const fk = familyKey(a, true);
    if ('response' in fk) return fk;
    const val = pbx.db.get(fk.family, fk.key);
    if (val === undefined) return error('Database entry not found');
    return {
      ...success('Result will follow', { EventList: 'start' }),
      list: [
        { Event: 'DBGetResponse', Family: fk.family, Key: fk.key, Val: val },
        { Event: 'DBGetComplete', EventList: 'Complete', ListItems: 1 },
      ],
    };
  },

  dbdel({ pbx }, a) {
    const fk = familyKey(a, true);
    if ('response' in fk) return fk;
    return pbx.db.del(fk.family, fk.key) ? success('Key deleted successfully') : error('Database entry not found');
  },

  dbdeltree({ pbx }, a) {
    const fk = familyKey(a, false);
    if ('response' in fk) return fk;
    return pbx.db.delTree(fk.family, fk.key || undefined) > 0 ? success('Key tree deleted successfully') : error('Database entry not found');
  },
};
