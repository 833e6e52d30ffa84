// The dashboard's state, without Ink: what the screen shows is a function of
// this model. ctid's streams (feed.ts) and the keys (app.tsx) change it;
// views read it. It is mutable on purpose: 10k requests and 1,000 updates a
// second must not copy maps per update. Every change bumps `version`, and
// the screen redraws at most once per frame (store.ts).

import type { Peer, Prompt, Request, Transfer } from '../../gen/cti/v1/cti.js';

export type Pane = 'lines' | 'requests' | 'prompts' | 'transfers';
export const PANES: readonly Pane[] = ['lines', 'requests', 'prompts', 'transfers'];

/** The dashboard's link to ctid (not the switch link, which `switchLink` holds). */
export type Connection = 'connecting' | 'up' | 'down';

export interface LineView {
  device: string;
  state: string;
  /** Epoch ms of the last change. */
  since: number;
}

export type FormKind = 'camp-on' | 'call' | 'join' | 'barge-in' | 'transfer';

export interface FormField {
  name: 'number' | 'from' | 'window' | 'extension' | 'to' | 'as' | 'confirm';
  label: string;
  value: string;
  /** Why the value is not acceptable, in words; undefined when it is. */
  error?: string;
}

export interface FormState {
  kind: FormKind;
  fields: FormField[];
  /** Index of the field being typed in. */
  field: number;
  /** Set while the request is on its way to ctid. */
  sending: boolean;
}

export interface Notice {
  text: string;
  error: boolean;
}

export class DashboardModel {
  version = 0;
  connection: Connection = 'connecting';
  /** Why the connection is not up, in words. */
  connectionDetail = '';
  office = '';
  user = '';
  admin = false;
  switchLink = '';
  extensions: string[] = [];
  readonly lines = new Map<string, LineView>();
  readonly requests = new Map<string, Request>();
  /** Open prompts by id. */
  readonly prompts = new Map<string, Prompt>();
  transfers: Transfer[] = [];
  peers: Peer[] = [];
  focus: Pane = 'requests';
  readonly selected: Record<Pane, number> = { lines: 0, requests: 0, prompts: 0, transfers: 0 };
  filter = '';
  /** The filter is being typed. */
  filtering = false;
  form: FormState | undefined;
  help = false;
  notice: Notice | undefined;
  /** Bumped when a prompt opens: the screen rings the terminal bell once per bump. */
  bells = 0;

  private sortedIds: string[] | undefined;
  private filteredFor: { version: number; filter: string; ids: string[] } | undefined;

  changed(): void {
    this.version++;
  }

  // ------------------------------------------------------------ from ctid

  status(s: { office: string; user: string; admin: boolean; switchLink: string; extensions: string[] }): void {
    this.office = s.office;
    this.user = s.user;
    this.admin = s.admin;
    this.switchLink = s.switchLink;
    this.extensions = s.extensions;
    this.changed();
  }

  connectionIs(connection: Connection, detail = ''): void {
    this.connection = connection;
    this.connectionDetail = detail;
    if (connection !== 'up') this.switchLink = '';
    this.changed();
  }

  line(device: string, state: string, at: number): void {
    this.lines.set(device, { device, state, since: at });
    this.changed();
  }

  request(r: Request): void {
    const known = this.requests.has(r.id);
    this.requests.set(r.id, r);
    if (!known) this.sortedIds = undefined;
    this.changed();
  }

  /** A prompt opened (kept) or closed (dropped). */
  prompt(p: Prompt, initial: boolean): void {
    if (p.state === 'open') {
      if (!this.prompts.has(p.id) && !initial) this.bells++;
      this.prompts.set(p.id, p);
    } else {
      this.prompts.delete(p.id);
    }
    this.clampSelection('prompts');
    this.changed();
  }

  lists(transfers: Transfer[], peers: Peer[]): void {
    this.transfers = transfers;
    this.peers = peers;
    this.changed();
  }

  // ------------------------------------------------------------ views

  /** Request ids newest first, through the filter (by number, kind or state). */
  visibleRequests(): string[] {
    if (!this.sortedIds) {
      this.sortedIds = [...this.requests.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)).map((r) => r.id);
      this.filteredFor = undefined;
    }
    const filter = this.filter.trim().toLowerCase();
    if (!filter) return this.sortedIds;
    if (this.filteredFor?.version === this.version && this.filteredFor.filter === filter) return this.filteredFor.ids;
    const ids = this.sortedIds.filter((id) => matches(this.requests.get(id)!, filter));
    this.filteredFor = { version: this.version, filter, ids };
    return ids;
  }

  openPrompts(): Prompt[] {
    return [...this.prompts.values()].sort((a, b) => (a.expires < b.expires ? -1 : 1));
  }

  lineList(): LineView[] {
    const devices = new Set([...this.extensions, ...this.lines.keys()]);
    return [...devices].sort().map((device) => this.lines.get(device) ?? { device, state: 'unknown', since: 0 });
  }

  selectedRequest(): Request | undefined {
    const id = this.visibleRequests()[this.selected.requests];
    return id === undefined ? undefined : this.requests.get(id);
  }

  selectedPrompt(): Prompt | undefined {
    return this.openPrompts()[this.selected.prompts];
  }

  // ------------------------------------------------------------ from the keys

  move(by: number): void {
    const pane = this.focus;
    const count = this.count(pane);
    this.selected[pane] = Math.max(0, Math.min(count - 1, this.selected[pane] + by));
    this.changed();
  }

  cycleFocus(by: 1 | -1): void {
    const i = PANES.indexOf(this.focus);
    this.focus = PANES[(i + by + PANES.length) % PANES.length]!;
    this.changed();
  }

  setFilter(filter: string): void {
    this.filter = filter;
    this.selected.requests = 0;
    this.changed();
  }

  say(text: string, error = false): void {
    this.notice = { text, error };
    this.changed();
  }

  private count(pane: Pane): number {
    switch (pane) {
      case 'lines':
        return this.lineList().length;
      case 'requests':
        return this.visibleRequests().length;
      case 'prompts':
        return this.prompts.size;
      case 'transfers':
        return this.transfers.length;
    }
  }

  private clampSelection(pane: Pane): void {
    this.selected[pane] = Math.max(0, Math.min(this.selected[pane], this.count(pane) - 1));
  }
}

function matches(r: Request, filter: string): boolean {
  return [r.destination, r.dial, r.source, r.kind, r.state, r.reason].some((field) => field.toLowerCase().includes(filter));
}
