// The simulator's control API: SimulatorControl (control.ts) as JSON over
// HTTP, for the `switch-sim` CLI, tests, and a `ctid` running its embedded
// simulator. Answers are JSON; errors are {"error":{"code","message"}}.
//
//   GET  /status                                   -> WorldStatus
//   GET  /paths                                    -> TalkPaths
//   GET  /log[?office=O]                           -> {"entries":[LogEntry]}
//   POST /phones/O/EXT/dial       {"number":N}     -> {"ok":true}
//   POST /phones/O/EXT/answer|hangup|hold|retrieve -> {"ok":true}
//   POST /phones/O/EXT/settings   DeviceSettings   -> {"ok":true}
//   POST /links/O                 {"state":"up"|"down"} -> {"ok":true}
//
// Bad input never crashes it: every input is validated, bodies are capped,
// slow clients time out. /status carries the CSTA link passwords, so web
// pages must not reach it: POSTs must be application/json (a browser cannot
// send that cross-site without a CORS preflight, which is never granted) and
// the Host header must name an IP address or localhost (DNS rebinding).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { z } from 'zod';
import type { SimulatorControl } from './control.js';
import { formatHostPort } from '../common/listen.js';
import { parseControlAddress } from './control-client.js';
import { isSimulatorError, SimulatorError, type SimulatorErrorCode } from './errors.js';

export interface ControlServer {
  /** `HOST:PORT` actually bound (port 0 resolved). */
  address: string;
  /** Stops accepting, lets requests in flight finish, forces the rest after a deadline. Idempotent. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const SHUTDOWN_GRACE_MS = 2000;

/** The one place SimulatorError codes become HTTP statuses (the client reads the code back from the body). */
const STATUS_FOR: Record<SimulatorErrorCode, number> = { invalid: 400, 'not-found': 404, conflict: 409 };

/** Why listen() failed, in words for the one sentence `switch-sim serve` prints. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such local address',
};

/** A refusal of the HTTP layer itself (route, method, media type, size, Host), with its own status. */
class HttpRefusal extends SimulatorError {
  constructor(
    readonly status: number,
    code: SimulatorErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

const officeId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'an office is lower-case letters, digits and dashes, e.g. a');
const extension = z.string().regex(/^[0-9*#+-]{1,32}$/, 'an extension is digits, e.g. 2001 (a public phone: its number)');
const phoneParams = z.strictObject({ office: officeId, ext: extension });
const noBody = z.strictObject({});
const dialBody = z.strictObject({
  number: z.string().regex(/^[0-9+*#() .-]{1,64}$/, 'a number is digits, optionally with + ( ) - . and spaces, e.g. 2000 or 044-222-3333'),
});
const settingsBody = z
  .strictObject({
    answer: z.enum(['auto', 'manual', 'never']).optional(),
    rings: z.number().int().min(1).max(100).optional(),
    dnd: z.boolean().optional(),
    service: z.enum(['in', 'out']).optional(),
  })
  .refine((settings) => Object.keys(settings).length > 0, 'give at least one setting: answer, rings, dnd or service');
const linkBody = z.strictObject({ state: z.enum(['up', 'down']) });
const logQuery = z.strictObject({ office: officeId.optional() });

/** Validates one input; the error names the field, e.g. `body.rings: Too big: expected number to be <=100`. */
function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new SimulatorError('invalid', `${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

type Input = { params: string[]; query: URLSearchParams; body: unknown };
type Route = { method: 'GET' | 'POST'; path: RegExp; run(control: SimulatorControl, input: Input): unknown };

function phone([office, ext]: string[]): { office: string; ext: string } {
  return parse(phoneParams, { office, ext }, 'path');
}

const ROUTES: Route[] = [
  { method: 'GET', path: /^\/status$/, run: (control) => control.status() },
  { method: 'GET', path: /^\/paths$/, run: (control) => control.paths() },
  {
    method: 'GET',
    path: /^\/log$/,
    run: (control, { query }) => ({ entries: control.log(parse(logQuery, Object.fromEntries(query), 'query').office) }),
  },
  {
    method: 'POST',
    path: /^\/phones\/([^/]+)\/([^/]+)\/dial$/,
    run: (control, { params, body }) => {
      const { office, ext } = phone(params);
      control.dial(office, ext, parse(dialBody, body, 'body').number);
    },
  },
  {
    method: 'POST',
    path: /^\/phones\/([^/]+)\/([^/]+)\/(answer|hangup|hold|retrieve)$/,
    run: (control, { params, body }) => {
      const { office, ext } = phone(params);
      parse(noBody, body, 'body');
      control[params[2] as 'answer' | 'hangup' | 'hold' | 'retrieve'](office, ext);
    },
  },
  {
    method: 'POST',
    path: /^\/phones\/([^/]+)\/([^/]+)\/settings$/,
    run: (control, { params, body }) => {
      const { office, ext } = phone(params);
      control.set(office, ext, parse(settingsBody, body, 'body'));
    },
  },
  {
    method: 'POST',
    path: /^\/links\/([^/]+)$/,
    run: (control, { params, body }) => control.link(parse(officeId, params[0], 'path.office'), parse(linkBody, body, 'body').state),
  },
];

function route(method: string | undefined, pathname: string): { route: Route; params: string[] } {
  const matching = ROUTES.filter((r) => r.path.test(pathname));
  if (matching.length === 0) throw new HttpRefusal(404, 'not-found', `the control API has no ${pathname}`);
  const found = matching.find((r) => r.method === method);
  if (!found) throw new HttpRefusal(405, 'invalid', `use ${matching[0]!.method} for ${pathname}`);
  try {
    return { route: found, params: found.path.exec(pathname)!.slice(1).map(decodeURIComponent) };
  } catch {
    throw new HttpRefusal(400, 'invalid', `bad percent-encoding in ${pathname}`);
  }
}

function checkHost(req: IncomingMessage, listenHost: string): void {
  const name = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (isIP(name) === 0 && name !== 'localhost' && name !== listenHost) {
    throw new HttpRefusal(403, 'invalid', 'the control API answers only requests addressed to an IP address or localhost');
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpRefusal(415, 'invalid', 'send the request body as application/json');
  }
  const tooLarge = new HttpRefusal(413, 'invalid', `the request body is over ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw tooLarge;
      chunks.push(chunk);
    }
  } catch (err) {
    throw err === tooLarge ? err : new HttpRefusal(400, 'invalid', 'the request body was cut off');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpRefusal(400, 'invalid', 'the request body is not valid JSON');
  }
}

/**
 * A body refused before it was read: Node would read it to the end to reuse
 * the connection, however large; closing the connection is cheaper.
 */
function hasUnreadBody(req: IncomingMessage): boolean {
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.readableEnded;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, text: string, closing: boolean): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(closing || hasUnreadBody(req) ? { connection: 'close' } : {}),
  });
  res.end(text);
}

export async function startControlServer(
  control: SimulatorControl,
  listen: string,
  opts: { log?: (line: string) => void } = {},
): Promise<ControlServer> {
  const { host, port } = parseControlAddress(listen, { allowPortZero: true });
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let closing: Promise<void> | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let status = 200;
    let text: string;
    try {
      checkHost(req, host);
      const url = new URL(req.url ?? '/', 'http://control');
      const { route: found, params } = route(req.method, url.pathname);
      const body = found.method === 'POST' ? await readJson(req) : undefined;
      text = JSON.stringify(found.run(control, { params, query: url.searchParams, body }) ?? { ok: true });
    } catch (err) {
      if (isSimulatorError(err)) {
        status = err instanceof HttpRefusal ? err.status : STATUS_FOR[err.code];
        text = JSON.stringify({ error: { code: err.code, message: err.message } });
      } else {
        // The cause stays in our log; the client gets a fixed sentence (style.md section 2).
        log(`switch-sim control: internal error method=${req.method} url=${req.url} error=${err instanceof Error ? err.stack : String(err)}`);
        status = 500;
        text = JSON.stringify({ error: { code: 'internal', message: 'the simulator failed to handle this request (see its log)' } });
      }
    }
    send(req, res, status, text, closing !== undefined);
  }

  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5000, keepAliveTimeout: 5000 }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the control API cannot listen on ${listen}: ${LISTEN_ERRORS[err.code ?? ''] ?? err.message}`, { cause: err });
  });
  server.on('error', (err) => log(`switch-sim control: server error error=${err.message}`));
  const bound = server.address() as AddressInfo;

  return {
    address: formatHostPort(bound.address, bound.port),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
