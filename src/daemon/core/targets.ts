// Where a number leads (FIG. 8, 18, 20): an extension of this office, an
// outside number this office's switch dials, or a number another office
// owns (the route table), with the network type and who places the call.

import type { NumberResolver } from './numbers.js';
import type { NetworkType } from './request.js';
import type { Place, RouteTable } from './routes.js';

export interface Target {
  /** What this office's switch dials, or (for another office's number) its national digits. */
  dial: string;
  own: boolean;
  network: NetworkType;
  /** The owning office, when it is not this one. */
  office?: string;
  place?: Place;
}

export function targetOf(numbers: NumberResolver, routes: RouteTable, self: string, number: string, place?: Place): Target {
  const resolved = numbers.resolve(number);
  if (resolved.own) return resolved;
  const route = routes.lookup(resolved.dial);
  if (!route || route.office === self) return { ...resolved, network: route?.network ?? resolved.network };
  return { dial: resolved.dial, own: false, network: route.network, office: route.office, place: place ?? route.place };
}
