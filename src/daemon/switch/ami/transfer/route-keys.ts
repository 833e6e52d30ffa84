// Which extensions the dialplan sends to ctid's FastAGI server: one AstDB key
// per routed extension, family `ctid-route`, key the extension, value 1
// (contrib/asterisk/extensions_ctid.conf checks DB_EXISTS(ctid-route/EXT)).
// AstDB outlives ctid and the AMI connection, so after every (re)login the
// family is rebuilt from what ctid routes now (DBDelTree, then a DBPut per
// extension): a key left behind by an entry cleared while the link was down
// goes. A key that stays while ctid is down costs nothing: AGI() fails and
// the dialplan rings the extension itself.

import { ROUTE_FAMILY } from '../../../../agi/ctid-dialplan.js';
import { AmiActionError, type AmiLink, type LinkLogger } from '../ami-link.js';


export class RouteKeys {
  private readonly extensions = new Set<string>();

  constructor(
    private readonly link: AmiLink,
    private readonly log: LinkLogger,
  ) {
    link.on('up', () => void this.rebuild());
  }

  add(ext: string): void {
    if (this.extensions.has(ext)) return;
    this.extensions.add(ext);
    if (this.link.state === 'up') void this.put(ext);
  }

  remove(ext: string): void {
    if (!this.extensions.delete(ext) || this.link.state !== 'up') return; // down: the next login's rebuild drops it
    this.link.action({ Action: 'DBDel', Family: ROUTE_FAMILY, Key: ext }).catch((err: Error) => this.log('route key not deleted', { ext, err: err.message }));
  }

  private async rebuild(): Promise<void> {
    try {
      await this.link.action({ Action: 'DBDelTree', Family: ROUTE_FAMILY });
    } catch (err) {
      // `Database entry not found`: the family was empty already.
      if (!(err instanceof AmiActionError)) return this.log('route keys not rebuilt', { err: (err as Error).message });
    }
    for (const ext of this.extensions) await this.put(ext);
  }

  private async put(ext: string): Promise<void> {
    try {
      await this.link.action({ Action: 'DBPut', Family: ROUTE_FAMILY, Key: ext, Val: '1' });
    } catch (err) {
      this.log('route key not put', { ext, err: (err as Error).message, hint: 'DBPut needs the manager user to have write = system' });
    }
  }
}
