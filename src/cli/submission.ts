// A Submit message from the fields a command or a form gave: proto3 zero
// values for the rest, which ctid reads as "not given, use the default".

import type { SubmitRequest } from '../gen/cti/v1/cti.js';

const DEFAULTS: SubmitRequest = {
  kind: '',
  destination: '',
  source: '',
  campOn: false,
  windowMs: 0,
  strategy: '',
  retryEveryMs: 0,
  recallFirst: false,
  network: '',
  idempotencyKey: '',
  place: '',
  display: '',
};

export function submission(fields: Partial<SubmitRequest>): SubmitRequest {
  const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { ...DEFAULTS, ...given };
}
