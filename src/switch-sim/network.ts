// What an exchange needs from the world around it: the shared clock and
// timings, and the public network that carries calls between exchanges.
// The World implements it; an Exchange never reaches another exchange directly.

import type { Clock } from '../common/clock.js';
import type { EventCause } from '../csta/messages.js';
import type { Call, Connection } from './call.js';
import type { Exchange } from './exchange.js';

export interface PublicNetwork {
  readonly clock: Clock;
  /** One ring period, ms of world time. */
  readonly ringMs: number;
  /** Rings before an auto-answer device picks up. */
  readonly autoAnswerRings: number;
  /** How long a routing device waits for RouteSelect. */
  readonly routeTimeoutMs: number;

  /** The call dials an external number: seize a trunk and reach the exchange that owns the number. */
  placeOutgoing(origin: Exchange, call: Call, digits: string): void;
  /** This leg's called device rings: the far caller's trunk connection is alerting. */
  farEndAlerting(call: Call): void;
  /** This leg's called device answered: the far caller's trunk connection is established. */
  farEndAnswered(call: Call): void;
  /** This leg could not reach its called device: the far caller sees the failure; this leg is released. */
  legFailed(call: Call, cause: EventCause): void;
  /** A connection was cleared: a trunk takes its far end with it. */
  connectionCleared(c: Connection): void;
  /** A call has no connections left. */
  callEnded(call: Call): void;
}
