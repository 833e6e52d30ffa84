// A PBX's AMI listener (session-server.ts): one TCP port per office with an
// AMI face, each connection a manager session that gets every event.

import type { Socket } from 'node:net';
import { SessionServer } from '../session-server.js';
import { AmiSession, type AmiSessionContext } from './ami-session.js';

export class AmiServer extends SessionServer<AmiSession> {
  private seq = 0;

  constructor(
    private readonly ctx: AmiSessionContext,
    private readonly logger: (msg: string, fields?: Record<string, unknown>) => void,
  ) {
    super();
  }

  override async close(): Promise<void> {
    await super.close();
    this.ctx.pbx.close();
  }

  protected open(socket: Socket): AmiSession {
    return new AmiSession(socket, this.ctx, `${this.ctx.office}-ami-${++this.seq}`, this.logger);
  }
}
