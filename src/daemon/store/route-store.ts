// Run-time route changes (routes.json).

import { join } from 'node:path';
import type { RouteStore } from '../core/ports.js';
import type { Route } from '../core/routes.js';
import { openOverlayStore } from './overlay-store.js';

const isRoute = (r: unknown): boolean => typeof (r as Partial<Route> | null)?.prefix === 'string' && typeof (r as Partial<Route>).office === 'string';

export function openRouteStore(dir: string): Promise<RouteStore> {
  return openOverlayStore<Route>(join(dir, 'routes.json'), isRoute, 'ctid route changes');
}
