// A PBX's CSTA XML listener: one TCP port per office, any number of
// application sessions at once. `switch-sim link OFFICE down` drops every
// session and refuses new connections (as a pulled CTI cable would) while
// keeping the port, so `up` brings the same address back.

import { createServer, type Server, type Socket } from 'node:net';
import { CstaConnection } from '../csta/connection.js';
import { CstaSession, type SessionContext } from './csta-session.js';
import { listenOn } from '../common/listen.js';

export class CstaServer {
  private readonly server: Server;
  private readonly sessions = new Set<CstaSession>();
  private readonly sockets = new Set<Socket>();
  private linkUp = true;
  address = '';

  constructor(
    private readonly ctx: SessionContext,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(hostPort: string): Promise<string> {
    this.address = await listenOn(this.server, hostPort);
    return this.address;
  }

  get link(): 'up' | 'down' {
    return this.linkUp ? 'up' : 'down';
  }

  get sessionCount(): number {
    return [...this.sessions].filter((s) => s.isActive).length;
  }

  setLink(state: 'up' | 'down'): void {
    this.linkUp = state === 'up';
    if (!this.linkUp) {
      for (const session of this.sessions) session.drop();
      for (const socket of this.sockets) socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.setLink('down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (!this.linkUp) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const conn = new CstaConnection(socket);
    const session = new CstaSession(conn, this.ctx, this.logger);
    this.sessions.add(session);
    conn.on('protocol-error', (err: Error) => this.logger('protocol error, connection closed', { office: this.ctx.exchange.id, err: err.message }));
    conn.on('close', () => {
      this.sessions.delete(session);
      this.sockets.delete(socket);
    });
  }
}
