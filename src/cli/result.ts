// A request's final line, and the exit status it implies: the result is the
// answer (stdout) whether the request succeeded or not; a request that ended
// failed or cancelled then makes the command fail (exit 1, or 4 for
// `barred`), with nothing more printed.

import type { Request } from '../gen/cti/v1/cti.js';
import { CliError } from './errors.js';
import { resultObject, resultText } from './format.js';
import type { Output } from './output.js';

export function printResult(out: Output, request: Request): void {
  if (out.json) out.object(resultObject(request));
  else out.line(resultText(request, out.style.out));
  if (request.state !== 'succeeded') throw new CliError('request-ended', `${request.id} ${request.state}`, { reason: request.reason });
}
