// Submitting a request (call, camp-on) and, unless --no-wait, following it
// to its result. With --no-wait the id alone is the answer, printed once
// ctid has stored the request (Submit returns only then).

import { Option } from 'commander';
import type { SubmitRequest } from '../gen/cti/v1/cti.js';
import { submission } from './submission.js';
import { followRequest } from './follow.js';
import { printResult } from './result.js';
import type { Session } from './session.js';

/** `--place remote|local` of call and camp-on: who places the call across offices (FIG. 13-16). */
export function placeOption(): Option {
  return new Option('--place <where>', 'across offices: remote = the owning office places the call, local = this one (default: from the route)').choices([
    'remote',
    'local',
  ]);
}

export async function submitRequest({ api, out }: Session, fields: Partial<SubmitRequest>, wait: boolean): Promise<void> {
  const request = await api.submit(submission(fields));
  if (!wait) {
    out.line(request.id);
    return;
  }
  printResult(out, await followRequest(api, request.id, out));
}
