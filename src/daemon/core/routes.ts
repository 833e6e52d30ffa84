// The route table (the source text's CTIDB, FIG. 20): prefixes of normalized
// national numbers -> the office that owns them, the network type, and which
// office places the call across offices. Longest prefix wins. The config's
// routes are the base; admins add and remove routes at run time, and those
// changes are stored, so a restart keeps them and a config edit still shows.

import { OverlayTable } from '../../common/overlay-table.js';
import { CtiError } from './errors.js';
import type { RouteStore } from './ports.js';
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
  private readonly table: OverlayTable<Route>;

  constructor(
    base: readonly Route[],
    store: RouteStore,
    /** Offices we have a peer entry for (routes to others are refused). */
    private readonly knownOffice: (office: string) => boolean,
  ) {
    this.table = new OverlayTable(base, store, (r) => r.prefix);
  }

  /** The route of a national number, longest prefix first. */
  lookup(digits: string): Route | undefined {
    let best: Route | undefined;
    for (const { entry: route } of this.table.entries()) if (digits.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
    return best;
  }

  list(): ListedRoute[] {
    return this.table
      .entries()
      .map(({ entry, origin }) => ({ ...entry, origin }))
      .sort((a, b) => b.prefix.length - a.prefix.length || a.prefix.localeCompare(b.prefix));
  }

  async add(route: Route): Promise<ListedRoute> {
    if (!this.knownOffice(route.office)) throw new CtiError('invalid-argument', `no peer office "${route.office}" in the config (peers): add it there first`);
    await this.table.put(route);
    return { ...route, origin: 'runtime' };
  }

  async remove(prefix: string): Promise<void> {
    if (!(await this.table.remove(prefix))) throw new CtiError('not-found', `no route for prefix ${prefix}`);
  }
}
