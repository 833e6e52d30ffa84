// The append side of the journal, with group commit: operations that arrive
// while a write + fdatasync is in flight wait, and go out together as the
// next frame with a single fdatasync; each append resolves once its frame is
// durable. With 64 requests in flight that turns 64 syncs into one or two.
//
// The file is preallocated with zeros ahead of the write position: on ext4
// an fdatasync that must also commit a new file size costs ~4 ms here, one
// that only flushes data blocks ~0.6 ms. journal-format.ts reads the zeros
// as "no more frames".

import { dirname } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import { createDurably, writeFully } from './durable-io.js';
import { encodeFrame } from './journal-format.js';

const PREALLOC_BYTES = 4 << 20;

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class JournalWriter {
  /** fdatasyncs so far (tests check that group commit batches). */
  fsyncs = 0;
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private next: { fh: FileHandle; path: string; waiter: Waiter } | undefined;
  private draining: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    private fh: FileHandle,
    public path: string,
    /** Where the next frame goes. */
    private position: number,
    /** The file's size: zeros from position up to it. */
    private allocated: number,
  ) {}

  /**
   * Appends to an existing journal whose valid frames end at `end`, cutting
   * off what follows (a torn frame, preallocated zeros) first: a frame
   * written after a torn one would turn it into corruption before the tail.
   */
  static async open(path: string, end: number): Promise<JournalWriter> {
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(end);
      await fh.sync();
    } catch (error) {
      await fh.close();
      throw error;
    }
    return new JournalWriter(fh, path, end, end);
  }

  static async create(path: string): Promise<JournalWriter> {
    return new JournalWriter(await createDurably(path, dirname(path)), path, 0, 0);
  }

  /** Bytes of frames in the current file. */
  get bytes(): number {
    return this.position;
  }

  /** Appends one operation (a JSON text); resolves once it is durable. */
  append(op: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push(op);
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /**
   * Switches to a new journal file at `path`, between two frames: every
   * operation appended before the switch is durable in the old file, every
   * later one goes to the new file. Resolves after the switch.
   */
  async rotate(path: string): Promise<void> {
    if (this.failure) throw this.failure;
    const fh = await createDurably(path, dirname(path));
    return new Promise((resolve, reject) => {
      this.next = { fh, path, waiter: { resolve, reject } };
      this.kick();
    });
  }

  /** Writes what is queued, then closes the file; later appends reject. */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
    this.failure ??= new Error(`journal ${this.path} is closed`);
    await this.fh.close();
  }

  private kick(): void {
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // One microtask: appends made in the same synchronous run share the first frame.
    await undefined;
    while (!this.failure && (this.next || this.queue.length > 0)) {
      try {
        // Switch first: under steady load the queue is never empty.
        if (this.next) await this.switchFile();
        else await this.writeFrame();
      } catch (error) {
        // After a failed write or fsync the file's state is unknown (and Linux
        // may drop the dirty pages): accept nothing more.
        this.failure = new Error(`journal ${this.path} failed: ${(error as Error).message}`);
      }
    }
    if (this.failure) {
      const waiters = this.waiters.splice(0);
      if (this.next) {
        waiters.push(this.next.waiter);
        this.next.fh.close().catch(() => undefined); // the fold that wanted it fails anyway
      }
      this.queue = [];
      this.next = undefined;
      for (const waiter of waiters) waiter.reject(this.failure);
    }
    // In the same synchronous run as the loop's last look at the queue, so an
    // append from here on starts a new drain rather than waiting for this one.
    this.draining = undefined;
  }

  private async writeFrame(): Promise<void> {
    const waiters = this.waiters;
    const frame = encodeFrame(`[${this.queue.join(',')}]`);
    this.queue = [];
    this.waiters = [];
    try {
      const end = this.position + frame.length;
      await writeFully(this.fh, frame, this.position);
      if (end > this.allocated) {
        await writeFully(this.fh, Buffer.alloc(PREALLOC_BYTES), end);
        this.allocated = end + PREALLOC_BYTES;
      }
      await this.fh.datasync();
      this.fsyncs++;
      this.position = end;
    } catch (error) {
      this.waiters.unshift(...waiters); // drain() rejects them with the failure
      throw error;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  private async switchFile(): Promise<void> {
    const { fh, path, waiter } = this.next!;
    this.next = undefined;
    const old = this.fh;
    this.fh = fh;
    this.path = path;
    this.position = 0;
    this.allocated = 0;
    waiter.resolve();
    await old.close();
  }
}
