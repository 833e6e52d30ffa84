// Whose failure a failed call is, in the services' terms (ports.ts
// CallFailure), for every switch adapter: the same switch answer means busy
// for the destination and requester-busy for the requester.

import type { CallFailure } from '../core/ports.js';

/** Whether the party a failure concerns is the request's destination or its requester. */
export type Role = 'destination' | 'requester';

export const busyFor = (role: Role): CallFailure => (role === 'destination' ? 'busy' : 'requester-busy');
export const noAnswerFor = (role: Role): CallFailure => (role === 'destination' ? 'no-answer' : 'requester-no-answer');
