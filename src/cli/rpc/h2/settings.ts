// SETTINGS (RFC 9113 section 6.5): what cti tells the server, and the
// server's settings that matter to a client sending small requests.

import { ConnectionError } from './errors.js';
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode } from './frame.js';
import { DEFAULT_WINDOW, MAX_WINDOW } from './flow-control.js';

/** Section 6.5.2. */
const Setting = { ENABLE_PUSH: 0x2, INITIAL_WINDOW_SIZE: 0x4, MAX_FRAME_SIZE: 0x5 } as const;
const ENTRY_BYTES = 6;
const LARGEST_FRAME_SIZE = 2 ** 24 - 1;

/** The server's settings that change how cti sends. */
export interface PeerSettings {
  /** Each new stream's send window; a change moves every open stream's (6.9.2). */
  initialWindow: number;
  maxFrameSize: number;
}

export const DEFAULT_PEER_SETTINGS: PeerSettings = { initialWindow: DEFAULT_WINDOW, maxFrameSize: DEFAULT_MAX_FRAME_SIZE };

/** Ours: no server push (cti never reads a pushed stream), and each stream's receive window. */
export function ourSettings(streamWindow: number): Buffer {
  const payload = Buffer.allocUnsafe(2 * ENTRY_BYTES);
  payload.writeUInt16BE(Setting.ENABLE_PUSH, 0);
  payload.writeUInt32BE(0, 2);
  payload.writeUInt16BE(Setting.INITIAL_WINDOW_SIZE, 6);
  payload.writeUInt32BE(streamWindow, 8);
  return payload;
}

/**
 * `current` with a SETTINGS frame's values applied; unknown settings and
 * those a client can ignore (table size: our encoder never indexes;
 * concurrent streams and header list size: cti's calls are few and small)
 * are skipped. Throws on values section 6.5.2 forbids.
 */
export function applySettings(current: PeerSettings, payload: Buffer): PeerSettings {
  if (payload.length % ENTRY_BYTES !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a SETTINGS frame of ${payload.length} bytes`);
  const next = { ...current };
  for (let at = 0; at < payload.length; at += ENTRY_BYTES) {
    const id = payload.readUInt16BE(at);
    const value = payload.readUInt32BE(at + 2);
    if (id === Setting.INITIAL_WINDOW_SIZE) {
      if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `an initial window of ${value}`);
      next.initialWindow = value;
    } else if (id === Setting.MAX_FRAME_SIZE) {
      if (value < DEFAULT_MAX_FRAME_SIZE || value > LARGEST_FRAME_SIZE) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `a max frame size of ${value}`);
      next.maxFrameSize = value;
    } else if (id === Setting.ENABLE_PUSH && value > 1) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `ENABLE_PUSH ${value}`);
    }
  }
  return next;
}
