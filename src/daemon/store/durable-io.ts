// The few file operations durability rests on. A write is durable only once
// the file is fsynced, and a created, renamed or removed name only once its
// directory is fsynced too (ext4 and xfs may otherwise lose the entry after a
// power cut, leaving a zero-byte or missing file: tailscale #895).

import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of buf at position: a regular-file write may return short (disk full). */
export async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten === 0) throw new Error(`wrote 0 bytes at ${position + done}`);
    done += bytesWritten;
  }
}

/**
 * writeFully, synchronously: for the journal's frames, a copy into the page
 * cache of a few kilobytes at most, which a round trip through libuv's
 * thread pool would delay by half a millisecond or more (and under load by
 * several), while a MakeCall waits on it (camp-on.ts).
 */
export function writeFullySync(fh: FileHandle, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length; ) {
    const bytesWritten = writeSync(fh.fd, buf, done, buf.length - done, position + done);
    if (bytesWritten === 0) throw new Error(`wrote 0 bytes at ${position + done}`);
    done += bytesWritten;
  }
}

/** Makes the directory's entries (creations, renames, removals) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Cuts a file to `length` and makes that durable. */
export async function truncateDurably(path: string, length: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(length);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
