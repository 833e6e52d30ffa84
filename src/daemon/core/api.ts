// What the core offers its edges (the gRPC adapter, tests): the client API
// in the core's own terms. Every method throws CtiError; who may do what is
// decided here, never in an adapter.

import type { LineState, LinkState } from './ports.js';
import type { PeerHealth } from './peering.js';
import type { Prompt, PromptReply } from './prompts.js';
import type { TransferEntry, TransferInput } from './transfers.js';
import type { NetworkType, RequestKind, RequestRecord, ScenarioAction, Strategy } from './request.js';
import type { ListedRoute, Place, Route } from './routes.js';

/** An authenticated user (config `users`). Admins own every extension of their office. */
export interface Principal {
  name: string;
  admin: boolean;
  extensions: string[];
  /**
   * The user of the local admin token (DATA/admin.token): whoever can read
   * that file on this machine, not a person another office knows. It acts
   * in this office only.
   */
  local?: boolean;
}

export interface SubmitInput {
  /** Transfer records are the office's own (one per routed call), never submitted. */
  kind: Exclude<RequestKind, 'transfer'>;
  destination: string;
  /** The requester's extension; default the user's first. */
  source?: string;
  campOn?: boolean;
  /** Window length; default the daemon's (config `limits.defaultWindow`). */
  windowMs?: number;
  strategy?: Strategy;
  retryEveryMs?: number;
  recallFirst?: boolean;
  network?: NetworkType;
  idempotencyKey?: string;
  /** Across offices: who places the call; default the route's. */
  place?: Place;
  /** join / barge-in: the name the target's prompt shows (`--as`); default the user's. */
  display?: string;
  /** call (by mail): the scenario to run (FIG. 41-43); a `connect` step comes last and alone. */
  scenario?: ScenarioAction[][];
}

export interface CoreStatus {
  office: string;
  version: string;
  switchLink: LinkState;
  switchUrl: string;
  pendingRequests: number;
  peers: PeerHealth[];
  /** Every extension a user of the office owns (what an admin's dashboard shows as its lines), sorted. */
  officeExtensions: string[];
}

export interface LineUpdate {
  device: string;
  state: LineState;
  /** Epoch ms. */
  at: number;
}

/** Ends a subscription; idempotent. */
export type Unsubscribe = () => void;

export interface CoreApi {
  /** The user a token belongs to (compared in constant time), or undefined. */
  authenticate(token: string): Principal | undefined;
  status(principal: Principal): CoreStatus;
  /**
   * What this office vouches for when a user's request leaves it by mail
   * (the relay, FIG. 38): the user's extension (default the first; it must
   * be theirs) and the external number another office calls it at.
   */
  vouch(principal: Principal, source?: string): { source: string; external: string };
  /** Throws what submit would refuse the request for now (input, ownership, routing, what the switch serves), storing nothing; caps are not checked. */
  check(principal: Principal, input: SubmitInput): void;
  /** Stores the request durably, starts it, and returns it. */
  submit(principal: Principal, input: SubmitInput): Promise<RequestRecord>;
  get(principal: Principal, id: string): RequestRecord;
  /** Newest first. `all`: every user's (admins only). */
  list(principal: Principal, options: { all?: boolean }): RequestRecord[];
  cancel(principal: Principal, id: string): Promise<RequestRecord>;
  /**
   * The current state of the matching requests first (initial = true), then
   * every change. With an id, `onEnd` follows that request's final state.
   */
  watch(
    principal: Principal,
    filter: { id?: string; all?: boolean },
    onUpdate: (record: RequestRecord, initial: boolean) => void,
    onEnd: () => void,
  ): Unsubscribe;
  /** A line's state now, then each change, until the window ends (then onEnd). */
  monitorLine(principal: Principal, number: string, windowMs: number, onUpdate: (update: LineUpdate) => void, onEnd: (err?: Error) => void): Unsubscribe;
  /** The route table, longest prefix first (any user may read it). */
  listRoutes(principal: Principal): ListedRoute[];
  /** Admins only; persisted. The prefix is digits (formatting stripped). */
  addRoute(principal: Principal, route: Route): Promise<ListedRoute>;
  removeRoute(principal: Principal, prefix: string): Promise<void>;
  listPeers(principal: Principal): PeerHealth[];
  /** Transfer entries (FIG. 58) of the user's extensions (all, for an admin). */
  listTransfers(principal: Principal, office?: string): Promise<TransferEntry[]>;
  /** Sets (replaces) the transfer of an extension the user owns; destinations obey the dial policy. Persisted. Another office's number is set at that office (route table). */
  setTransfer(principal: Principal, input: TransferInput): Promise<TransferEntry>;
  /** Releases a transfer (FIG. 57); returns the entry removed. */
  clearTransfer(principal: Principal, extension: string): Promise<TransferEntry>;
  /** Open consent prompts for the user's extensions (all of the office's for an admin). */
  listPrompts(principal: Principal): Prompt[];
  /** The open prompts first (initial = true), then each prompt that opens or closes. */
  watchPrompts(principal: Principal, onUpdate: (prompt: Prompt, initial: boolean) => void): Unsubscribe;
  /** Accepts or rejects an open prompt for one of the user's extensions (a transfer prompt's accept may pick where the call goes). */
  answerPrompt(principal: Principal, id: string, reply: PromptReply): Promise<Prompt>;
}
