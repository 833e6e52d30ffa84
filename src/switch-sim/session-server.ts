// What a PBX's listeners share (the CSTA XML port, the AMI port): one TCP
// port, any number of sessions at once. `switch-sim link OFFICE down` drops
// every session and refuses new connections (as a pulled CTI cable would)
// while keeping the port, so `up` brings the same address back.

import { createServer, type Server, type Socket } from 'node:net';
import { listenOn } from '../common/listen.js';

export interface ServedSession {
  /** Open and past its log-in. */
  readonly isActive: boolean;
  /** Drops the connection (link down). */
  drop(): void;
}

export abstract class SessionServer<S extends ServedSession> {
  private readonly server: Server;
  private readonly sessions = new Set<S>();
  private readonly sockets = new Set<Socket>();
  private linkUp = true;
  address = '';

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(hostPort: string): Promise<string> {
    this.address = await listenOn(this.server, hostPort);
    return this.address;
  }

  get link(): 'up' | 'down' {
    return this.linkUp ? 'up' : 'down';
  }

  /** Sessions open and logged in. */
  get sessionCount(): number {
    return [...this.sessions].filter((s) => s.isActive).length;
  }

  setLink(state: 'up' | 'down'): void {
    this.linkUp = state === 'up';
    if (this.linkUp) return;
    for (const session of this.sessions) session.drop();
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.setLink('down');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A session for a new connection. */
  protected abstract open(socket: Socket): S;

  private accept(socket: Socket): void {
    if (!this.linkUp) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const session = this.open(socket);
    this.sessions.add(session);
    socket.on('close', () => {
      this.sessions.delete(session);
      this.sockets.delete(socket);
    });
  }
}
