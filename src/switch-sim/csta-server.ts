// A PBX's CSTA XML listener (session-server.ts): each connection an
// application session (csta-session.ts).

import type { Socket } from 'node:net';
import { CstaConnection } from '../csta/connection.js';
import { CstaSession, type SessionContext } from './csta-session.js';
import { SessionServer } from './session-server.js';

export class CstaServer extends SessionServer<CstaSession> {
  constructor(
    private readonly ctx: SessionContext,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    super();
  }

  protected open(socket: Socket): CstaSession {
    const conn = new CstaConnection(socket);
    conn.on('protocol-error', (err: Error) => this.logger('protocol error, connection closed', { office: this.ctx.exchange.id, err: err.message }));
    return new CstaSession(conn, this.ctx, this.logger);
  }
}
