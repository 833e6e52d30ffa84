// The mail relay table (FIG. 38): which office's ctid takes mail for a
// domain, and where its SMTP listens. The config's `relay` is the base;
// admins add and remove entries at run time (`cti relay`), kept in
// DATA/relay.json. An entry names a peer office: the pair's secret
// authenticates the relay (smtp-in.ts, relay-out.ts).

import { OverlayTable, type OverlayStore } from '../../common/overlay-table.js';
import { CtiError } from '../core/errors.js';

export interface RelayRoute {
  /** Lower-case. */
  domain: string;
  office: string;
  /** HOST:PORT. */
  smtp: string;
}

export interface ListedRelay extends RelayRoute {
  origin: 'config' | 'runtime';
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export class RelayTable {
  private readonly table: OverlayTable<RelayRoute>;

  constructor(
    base: readonly RelayRoute[],
    store: OverlayStore<RelayRoute>,
    /** This office's own mail domain (never relayed). */
    private readonly ownDomain: string,
    /** Offices we share a secret with (config `peers`). */
    private readonly knownOffice: (office: string) => boolean,
  ) {
    this.table = new OverlayTable(
      base.map((r) => ({ ...r, domain: r.domain.toLowerCase() })),
      store,
      (r) => r.domain,
    );
  }

  lookup(domain: string): RelayRoute | undefined {
    const d = domain.toLowerCase();
    return this.table.entries().find(({ entry }) => entry.domain === d)?.entry;
  }

  /** A mail domain of `office` (where mail for its users goes), if the table has one. */
  domainOf(office: string): string | undefined {
    return this.table.entries().find(({ entry }) => entry.office === office)?.entry.domain;
  }

  list(): ListedRelay[] {
    return this.table
      .entries()
      .map(({ entry, origin }) => ({ ...entry, origin }))
      .sort((a, b) => a.domain.localeCompare(b.domain));
  }

  async add(route: RelayRoute): Promise<ListedRelay> {
    const domain = route.domain.toLowerCase();
    if (!DOMAIN.test(domain)) throw new CtiError('invalid-argument', `"${route.domain}" is not a mail domain, e.g. b.example`);
    if (domain === this.ownDomain.toLowerCase()) throw new CtiError('invalid-argument', `${domain} is this office's own mail domain`);
    if (!this.knownOffice(route.office)) throw new CtiError('invalid-argument', `no peer office "${route.office}" in the config (peers): its secret authenticates the relay; add it there first`);
    if (!/^[^\s:]+:\d{1,5}$/.test(route.smtp)) throw new CtiError('invalid-argument', `--smtp must be HOST:PORT, got "${route.smtp}"`);
    const entry = { domain, office: route.office, smtp: route.smtp };
    await this.table.put(entry);
    return { ...entry, origin: 'runtime' };
  }

  async remove(domain: string): Promise<void> {
    if (!(await this.table.remove(domain.toLowerCase()))) throw new CtiError('not-found', `no relay for ${domain}`);
  }
}
