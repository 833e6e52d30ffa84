// The append side of the journal, with group commit: operations that arrive
// while a write + fdatasync is in flight wait, and go out together as the
// next frame with a single fdatasync; each append resolves once its frame is
// durable. With 64 requests in flight that turns 64 syncs into one or two.
// appendNow() writes its frame before it returns (with whatever was queued
// before it, so records keep their order), and leaves it to the next
// fdatasync: the written frames are synced by the group commit with the rest.
//
// The journal is a series of files, requests.N.journal, N its generation.
// Each is filled with zeros before its first frame: on ext4 an fdatasync that
// must also commit a new file size costs ~4 ms here, one that only flushes
// data blocks ~0.6 ms (journal-format.ts reads the zeros as "no more
// frames"). The next file is prepared in the background once the current one
// is half full, and appends switch to it between two frames when the current
// one is nearly full (or at once when a fold asks, rotate()), so zero-filling
// never delays an acknowledgement.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, writeFully, writeFullySync } from './durable-io.js';
import { encodeFrame } from './journal-format.js';

const ZERO_BYTES = 4 << 20;
const PREPARE_AT = ZERO_BYTES / 2;
const SWITCH_AT = ZERO_BYTES - (256 << 10);

export const journalPath = (dir: string, generation: number): string => join(dir, `requests.${generation}.journal`);

/** Readies a journal file for frames from `end` on: cuts off what follows, writes zeros ahead, makes it all durable. */
async function prepareFile(path: string, end: number): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    await fh.truncate(end); // a torn frame: a frame after it would make it corruption before the tail
    await writeFully(fh, Buffer.alloc(ZERO_BYTES), end);
    await fh.sync();
    await fsyncDir(dirname(path));
    return fh;
  } catch (error) {
    await fh.close();
    throw error;
  }
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class JournalWriter {
  /** fdatasyncs so far (tests check that group commit batches). */
  fsyncs = 0;
  /** Bytes of frames written since opening, over all files. */
  written = 0;
  /** Operations not written yet, and the appends waiting on them. */
  private queue: string[] = [];
  private waiters: Waiter<void>[] = [];
  /** Appends whose frames are written but not yet synced. */
  private unsynced: Waiter<void>[] = [];
  private rotations: Waiter<number>[] = [];
  private preparing: Promise<void> | undefined;
  private spare: { fh: FileHandle; generation: number } | undefined;
  /** The position in the current file that starts preparing the next one. */
  private prepareAt = PREPARE_AT;
  private draining: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    /** The generation of the file appended to. */
    public generation: number,
    /** Where the next frame goes. */
    private position: number,
  ) {}

  /** Appends to journal `generation` (created if need be) after its valid frames, which end at `end`. */
  static async open(dir: string, generation: number, end: number): Promise<JournalWriter> {
    return new JournalWriter(dir, await prepareFile(journalPath(dir, generation), end), generation, end);
  }

  get path(): string {
    return journalPath(this.dir, this.generation);
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
   * Appends one operation and writes it (with the operations queued before
   * it) before returning: a kill of the process can no longer lose it, the
   * machine going down still can until the fdatasync that follows at once.
   * Throws if the journal has failed or the write does.
   */
  appendNow(op: string): void {
    if (this.failure) throw this.failure;
    this.queue.push(op);
    this.writeQueued();
    if (this.failure) throw this.failure;
    this.kick();
  }

  /**
   * Switches to the next file, between two frames. Resolves with its
   * generation once every earlier append is durable in an older file and
   * every later one goes to this one (or a newer one).
   */
  rotate(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.rotations.push({ resolve, reject });
      this.prepare();
      this.kick(); // the next file may be ready already
    });
  }

  /** Writes what is queued, then closes; later appends reject. An unused next file stays (empty) for the next start. */
  async close(): Promise<void> {
    while (this.draining || this.preparing) await (this.draining ?? this.preparing);
    this.fail(new Error(`journal ${this.path} is closed`));
    await this.spare?.fh.close();
    this.spare = undefined;
    await this.fh.close();
  }

  private prepare(): void {
    if (this.preparing || this.spare) return; // a switch is coming
    const generation = this.generation + 1;
    this.preparing = prepareFile(journalPath(this.dir, generation), 0)
      .then(
        (fh) => {
          if (this.failure) return fh.close();
          this.spare = { fh, generation };
        },
        (error: Error) => {
          // Not fatal: frames go on into the current file, past its zeros (slower fsyncs).
          this.prepareAt = this.position + PREPARE_AT;
          for (const rotation of this.rotations.splice(0)) rotation.reject(error);
        },
      )
      .finally(() => {
        this.preparing = undefined;
        this.kick();
      });
  }

  private kick(): void {
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // One microtask: appends made in the same synchronous run share the first frame.
    await undefined;
    while (!this.failure && (this.switchDue() || this.queue.length > 0 || this.unsynced.length > 0)) {
      try {
        if (this.switchDue()) await this.switchFile();
        else await this.sync();
      } catch (error) {
        // After a failed write or fsync the file's state is unknown (and Linux
        // may drop the dirty pages): accept nothing more.
        this.fail(new Error(`journal ${this.path} failed: ${(error as Error).message}`));
      }
    }
    // In the same synchronous run as the loop's last look at the queue, so an
    // append from here on starts a new drain rather than waiting for this one.
    this.draining = undefined;
  }

  private switchDue(): boolean {
    return this.spare !== undefined && (this.rotations.length > 0 || this.position >= SWITCH_AT);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.queue = [];
    for (const waiter of [...this.unsynced.splice(0), ...this.waiters.splice(0), ...this.rotations.splice(0)]) waiter.reject(this.failure);
    this.spare?.fh.close().catch(() => undefined);
    this.spare = undefined;
  }

  /** Writes the queued operations as one frame; on failure the journal fails (and the queued appends with it). */
  private writeQueued(): void {
    if (this.queue.length === 0) return;
    const frame = encodeFrame(`[${this.queue.join(',')}]`);
    this.queue = [];
    this.unsynced.push(...this.waiters.splice(0));
    try {
      writeFullySync(this.fh, frame, this.position);
    } catch (error) {
      // After a failed write the file's state is unknown: accept nothing more.
      this.fail(new Error(`journal ${this.path} failed: ${(error as Error).message}`));
      return;
    }
    this.position += frame.length;
    this.written += frame.length;
  }

  /** Writes what is queued, then one fdatasync for every frame written so far (appendNow's included). */
  private async sync(): Promise<void> {
    this.writeQueued();
    if (this.failure) return;
    await this.syncWritten(this.fh, this.unsynced.splice(0));
    if (this.position >= this.prepareAt) this.prepare();
  }

  /** One fdatasync of `fh`; then the appends whose frames it holds (`covered`) resolve. */
  private async syncWritten(fh: FileHandle, covered: Waiter<void>[]): Promise<void> {
    try {
      await fh.datasync();
    } catch (error) {
      this.unsynced.unshift(...covered); // fail() rejects them
      throw error;
    }
    this.fsyncs++;
    for (const waiter of covered) waiter.resolve();
  }

  private async switchFile(): Promise<void> {
    const { fh, generation } = this.spare!;
    this.spare = undefined;
    const old = this.fh;
    // appendNow's frames written into the old file since its last fdatasync are synced there.
    const covered = this.unsynced.splice(0);
    this.fh = fh;
    this.generation = generation;
    this.position = 0;
    this.prepareAt = PREPARE_AT;
    if (covered.length > 0) await this.syncWritten(old, covered);
    for (const rotation of this.rotations.splice(0)) rotation.resolve(generation);
    await old.close();
  }
}
