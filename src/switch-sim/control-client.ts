// A typed client for the simulator's control API (control-server.ts), used by
// the `switch-sim` CLI and by tests. Every call has a deadline (style.md
// section 5: a CLI that hangs is the most reported bug), and every failure
// comes back as an error with a code: the simulator's own refusals as
// SimulatorError, transport trouble as ControlApiError.

import { formatHostPort, parseHostPort } from '../common/listen.js';
import type { DeviceSettings, LogEntry, SimulatorControl, TalkPaths, WorldStatus } from './control.js';
import { SimulatorError, type SimulatorErrorCode } from './errors.js';

/** The simulator's control surface, one HTTP round trip per method. */
export type AsyncSimulatorControl = {
  [K in keyof SimulatorControl]: (...args: Parameters<SimulatorControl[K]>) => Promise<ReturnType<SimulatorControl[K]>>;
};

/** `unreachable`: nothing (or not a control API) answers there; `internal`: the simulator failed. */
export type ControlApiErrorCode = 'unreachable' | 'internal';

export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';
  readonly kind = 'switch-sim-control' as const;
  constructor(
    readonly code: ControlApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Recognised by a field, not instanceof (style.md section 2: duplicate package copies). */
export function isControlApiError(err: unknown): err is ControlApiError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'switch-sim-control';
}

export const DEFAULT_CONTROL_ADDRESS = '127.0.0.1:50100';
export const DEFAULT_CONTROL_TIMEOUT_MS = 5000;

/** `HOST:PORT` or `[IPV6]:PORT`; port 0 ("pick one") only where listening. */
/** parseHostPort of src/common, with the error a control-API user reads. */
export function parseControlAddress(text: string, opts: { allowPortZero?: boolean } = {}): { host: string; port: number } {
  try {
    return parseHostPort(text, opts);
  } catch {
    throw new SimulatorError('invalid', `"${text}" is not a control address: give HOST:PORT, e.g. ${DEFAULT_CONTROL_ADDRESS}`);
  }
}

const SIMULATOR_CODES: readonly string[] = ['not-found', 'invalid', 'conflict'] satisfies SimulatorErrorCode[];

/** Network error codes in words, for the one sentence the CLI prints. */
const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  UND_ERR_SOCKET: 'connection closed',
};

export class ControlClient implements AsyncSimulatorControl {
  private readonly base: string;

  constructor(
    readonly address: string,
    private readonly timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS,
  ) {
    const { host, port } = parseControlAddress(address);
    this.base = `http://${formatHostPort(host, port)}`;
  }

  status(): Promise<WorldStatus> {
    return this.request('GET', '/status');
  }

  paths(): Promise<TalkPaths> {
    return this.request('GET', '/paths');
  }

  async log(office?: string): Promise<LogEntry[]> {
    const query = office === undefined ? '' : `?office=${encodeURIComponent(office)}`;
    const { entries } = await this.request<{ entries: LogEntry[] }>('GET', `/log${query}`);
    return entries;
  }

  async dial(office: string, ext: string, number: string): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'dial'), { number });
  }

  async answer(office: string, ext: string): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'answer'));
  }

  async hangup(office: string, ext: string): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'hangup'));
  }

  async hold(office: string, ext: string): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'hold'));
  }

  async retrieve(office: string, ext: string): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'retrieve'));
  }

  async set(office: string, ext: string, settings: DeviceSettings): Promise<void> {
    await this.request('POST', phonePath(office, ext, 'settings'), settings);
  }

  async link(office: string, state: 'up' | 'down'): Promise<void> {
    await this.request('POST', `/links/${encodeURIComponent(office)}`, { state });
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body: unknown = {}): Promise<T> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
        body: method === 'POST' ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw this.unreachable(err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (typeof json !== 'object' || json === null) {
      throw new ControlApiError('unreachable', `${this.address} does not answer like a switch-sim control API (HTTP ${response.status}, not JSON)`);
    }
    if (response.ok) return json as T;
    const { code, message } = (json as { error?: { code?: unknown; message?: unknown } }).error ?? {};
    const sentence = typeof message === 'string' ? message : `the control API answered HTTP ${response.status}`;
    if (typeof code === 'string' && SIMULATOR_CODES.includes(code)) throw new SimulatorError(code as SimulatorErrorCode, sentence);
    throw new ControlApiError('internal', sentence);
  }

  private unreachable(err: unknown): ControlApiError {
    const hint = '(is `switch-sim serve` running? set --control or SWITCH_SIM_CONTROL)';
    if ((err as { name?: unknown }).name === 'TimeoutError') {
      return new ControlApiError('unreachable', `the simulator's control API at ${this.address} did not answer within ${this.timeoutMs} ms ${hint}`);
    }
    // fetch() rejects with "fetch failed"; the reason is in the cause: a socket
    // error code, or a refusal of fetch itself (e.g. "bad port": fetch blocks
    // ports such as 6000 and 10080).
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? (NETWORK_WORDS[cause.code] ?? cause.code) : cause?.message;
    const why = typeof reason === 'string' ? `: ${reason}` : '';
    return new ControlApiError('unreachable', `cannot reach the simulator's control API at ${this.address}${why} ${hint}`);
  }
}

function phonePath(office: string, ext: string, action: string): string {
  return `/phones/${encodeURIComponent(office)}/${encodeURIComponent(ext)}/${action}`;
}
