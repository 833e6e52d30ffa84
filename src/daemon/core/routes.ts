// The route table (the source text's CTIDB, FIG. 20): prefixes of normalized
// national numbers -> the office that owns them, the network type, and which
// office places the call across offices. Longest prefix wins. The config's
// routes are the base; admins add and remove routes at run time, and those
// changes are stored, so a restart keeps them and a config edit still shows.

import { OneAtATime } from '../../common/one-at-a-time.js';
import { CtiError } from './errors.js';
import type { RouteChanges, RouteStore } from './ports.js';
import type { NetworkType } from './request.js';

export type Place = 'remote' | 'local';

export interface Route {
  /** Digits only, e.g. `044222`. */
  prefix: string;
  office: string;
  network: NetworkType;
  place: Place;
}

export interface ListedRoute extends Route {
  origin: 'config' | 'runtime';
}

export function routePrefix(text: string): string {
  const digits = text.replace(/[\s\-().]/g, '');
  if (!/^\d{1,20}$/.test(digits)) throw new CtiError('invalid-argument', `route prefix "${text}" must be digits (formatting allowed), e.g. 044-222`);
  return digits;
}

export class RouteTable {
  private changes: RouteChanges;
  /** add and remove, one at a time (each saves the whole change set). */
  private readonly serial = new OneAtATime();

  constructor(
    private readonly base: readonly Route[],
    private readonly store: RouteStore,
    /** Offices we have a peer entry for (routes to others are refused). */
    private readonly knownOffice: (office: string) => boolean,
  ) {
    this.changes = store.load();
  }

  /** The route of a national number, longest prefix first. */
  lookup(digits: string): Route | undefined {
    let best: Route | undefined;
    for (const route of this.effective()) if (digits.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
    return best;
  }

  list(): ListedRoute[] {
    const added = new Set(this.changes.added.map((r) => r.prefix));
    return this.effective()
      .map((r) => ({ ...r, origin: added.has(r.prefix) ? ('runtime' as const) : ('config' as const) }))
      .sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
  }

  add(route: Route): Promise<ListedRoute> {
    return this.serial.run(() => this.addNow(route));
  }

  remove(prefix: string): Promise<void> {
    return this.serial.run(() => this.removeNow(prefix));
  }

  private async addNow(route: Route): Promise<ListedRoute> {
    if (!this.knownOffice(route.office)) throw new CtiError('invalid-argument', `no peer office "${route.office}" in the config (peers): add it there first`);
    const next: RouteChanges = {
      added: [...this.changes.added.filter((r) => r.prefix !== route.prefix), route],
      removed: this.changes.removed.filter((p) => p !== route.prefix),
    };
    await this.store.save(next);
    this.changes = next;
    return { ...route, origin: 'runtime' };
  }

  private async removeNow(prefix: string): Promise<void> {
    if (!this.effective().some((r) => r.prefix === prefix)) throw new CtiError('not-found', `no route for prefix ${prefix}`);
    const fromBase = this.base.some((r) => r.prefix === prefix);
    const next: RouteChanges = {
      added: this.changes.added.filter((r) => r.prefix !== prefix),
      removed: fromBase ? [...new Set([...this.changes.removed, prefix])] : this.changes.removed,
    };
    await this.store.save(next);
    this.changes = next;
  }

  private effective(): Route[] {
    const removed = new Set(this.changes.removed);
    const added = new Map(this.changes.added.map((r) => [r.prefix, r]));
    const base = this.base.filter((r) => !removed.has(r.prefix) && !added.has(r.prefix));
    return [...base, ...added.values()];
  }
}
