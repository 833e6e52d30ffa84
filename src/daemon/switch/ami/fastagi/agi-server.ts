// ctid's FastAGI server (config `switch.agi`, an ami:// switch only): the
// dialplan's `AGI(agi://HOST:PORT/SCRIPT)` connects here, one TCP
// connection per call that asks. Each connection is an AgiSession; once its
// environment is in, it goes to the handler of its script
// (`agi_network_script`, e.g. `route`). A script nobody serves, too many
// sessions at once or a bad peer closes that connection only (Asterisk then
// goes on with its dialplan, AGISTATUS=FAILURE). close() stops listening
// and ends every session, bounded.

import { createServer, type Server, type Socket } from 'node:net';
import { listenOn } from '../../../../common/listen.js';
import { AgiSession } from './agi-session.js';

export interface AgiServerOptions {
  /** Default 5 000 ms. */
  envTimeoutMs?: number;
  /** Default 10 000 ms. */
  commandTimeoutMs?: number;
  /** Sessions open at once; more are closed at once. Default 512. */
  maxSessions?: number;
  maxLineBytes?: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

export type AgiScript = (session: AgiSession) => void;

export class AgiServer {
  private readonly server: Server;
  private readonly sessions = new Set<AgiSession>();
  private readonly scripts = new Map<string, AgiScript>();
  address = '';

  constructor(private readonly opts: AgiServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Serves `agi://.../NAME` with `script`. */
  serve(name: string, script: AgiScript): void {
    this.scripts.set(name, script);
  }

  async listen(hostPort: string): Promise<string> {
    this.address = await listenOn(this.server, hostPort);
    return this.address;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close('ctid is stopping');
    await closed;
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => {}); // the session logs what matters; an error after its end is noise
    if (this.sessions.size >= (this.opts.maxSessions ?? 512)) {
      this.opts.log('FastAGI connection refused', { why: `${this.sessions.size} sessions open`, from: socket.remoteAddress });
      socket.destroy();
      return;
    }
    const session = new AgiSession(socket, {
      envTimeoutMs: this.opts.envTimeoutMs ?? 5_000,
      commandTimeoutMs: this.opts.commandTimeoutMs ?? 10_000,
      ...(this.opts.maxLineBytes !== undefined ? { maxLineBytes: this.opts.maxLineBytes } : {}),
      log: this.opts.log,
    });
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.once('ready', () => this.dispatch(session));
  }

  private dispatch(session: AgiSession): void {
    const name = session.env('network_script') ?? '';
    const script = this.scripts.get(name);
    if (!script) return session.close(`no FastAGI script "${name}" here (served: ${[...this.scripts.keys()].join(', ') || 'none'})`, true);
    try {
      script(session);
    } catch (err) {
      session.close(`the ${name} script failed: ${String(err)}`, true);
    }
  }
}
