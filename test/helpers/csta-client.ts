// A plain CSTA XML application for tests: connects to a PBX's CSTA port,
// opens a session, and records every frame the switch sends so a test can
// wait for the event it expects (never a fixed sleep).

import { connect, type Socket } from 'node:net';
import { CstaConnection } from '../../src/csta/connection.js';
import type { CstaEvent, CstaFrame, CstaMessage, CstaRequest, CstaResponse } from '../../src/csta/messages.js';

export interface TestApp {
  conn: CstaConnection;
  /** The TCP socket under conn, for tests that write raw bytes. */
  socket: Socket;
  frames: CstaFrame[];
  /** Sends a request and resolves with its response (rejects on CSTAErrorCode). */
  request<R extends CstaResponse = CstaResponse>(message: CstaRequest): Promise<R>;
  /** Resolves with the first recorded frame (past or future) that matches. */
  waitFor<M extends CstaMessage = CstaMessage>(match: (m: CstaMessage) => boolean, what?: string): Promise<M>;
  /** Events for one monitor, by type, in order. */
  eventTypes(monitorCrossRefId: string): string[];
  monitor(device: string): Promise<string>;
  close(): void;
}

export async function openApp(address: string, credentials: { user: string; password: string }, options: { answerHeartbeat?: boolean } = {}): Promise<TestApp> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const conn = new CstaConnection(socket);
  const frames: CstaFrame[] = [];
  const waiters: { match: (m: CstaMessage) => boolean; resolve: (m: CstaMessage) => void }[] = [];
  conn.on('frame', (frame: CstaFrame) => {
    frames.push(frame);
    if (frame.message.type === 'SystemStatus' && options.answerHeartbeat !== false) conn.send(frame.invokeId, { type: 'SystemStatusResponse' });
    for (const w of [...waiters]) {
      if (w.match(frame.message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame.message);
      }
    }
  });
  const app: TestApp = {
    conn,
    socket,
    frames,
    request: (message) => conn.request(message) as never,
    waitFor: (match) =>
      new Promise((resolve) => {
        const seen = frames.find((f) => match(f.message));
        if (seen) resolve(seen.message as never);
        else waiters.push({ match, resolve: resolve as (m: CstaMessage) => void });
      }),
    eventTypes: (ref) => frames.filter((f) => (f.message as CstaEvent).monitorCrossRefId === ref).map((f) => f.message.type),
    monitor: async (device) => (await conn.request({ type: 'MonitorStart', monitorObject: device }) as { monitorCrossRefId: string }).monitorCrossRefId,
    close: () => conn.destroy(),
  };
  const started = await conn.request({
    type: 'StartApplicationSession',
    applicationId: 'test',
    user: credentials.user,
    password: credentials.password,
    protocolVersions: ['http://www.ecma-international.org/standards/ecma-323/csta/ed5'],
  });
  if (started.type !== 'StartApplicationSessionPosResponse') throw new Error(`session refused: ${JSON.stringify(started)}`);
  return app;
}

/** A matcher for an event of one type on one monitor, optionally with more conditions. */
export function eventOf<T extends CstaEvent['type']>(type: T, monitor: string, more: (e: Extract<CstaEvent, { type: T }>) => boolean = () => true) {
  return (m: CstaMessage): boolean => m.type === type && (m as CstaEvent).monitorCrossRefId === monitor && more(m as Extract<CstaEvent, { type: T }>);
}
