// grpc.health.v1 (the standard health checking protocol): SERVING while the
// daemon says so (interfaces.md: while the switch link is up), for the
// server as a whole ("") and for cti.v1.CtiService by name.

import type { Server } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { CtiServiceDefinition } from '../../gen/cti/v1/cti.js';

export interface Health {
  setServing(serving: boolean): void;
}

export function addHealth(server: Server): Health {
  const names = ['', CtiServiceDefinition.fullName];
  const health = new HealthImplementation(Object.fromEntries(names.map((name) => [name, 'NOT_SERVING' as ServingStatus])));
  health.addToServer(server);
  return {
    setServing: (serving) => names.forEach((name) => health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING')),
  };
}
