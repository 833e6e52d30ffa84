// The office's voice-board ports (config `voiceBoardPorts`; the source
// text's 7-1, 7-2 ...) as a pool: a join or barge-in borrows two for as long
// as it lasts. Who holds which is not stored here: the records that hold
// ports (their `joined`) are the truth, and the pool is rebuilt from them
// at start-up.

export class PortPool {
  private readonly free: string[];
  private readonly lent = new Set<string>();

  constructor(private readonly ports: readonly string[]) {
    this.free = [...ports];
  }

  /** Whether `device` is one of the office's voice-board ports (in use or not). */
  owns(device: string): boolean {
    return this.ports.includes(device);
  }

  get available(): number {
    return this.free.length;
  }

  /** `n` free ports, lowest first, or undefined when fewer are free. */
  take(n: number): string[] | undefined {
    if (this.free.length < n) return undefined;
    const taken = this.free.splice(0, n);
    for (const p of taken) this.lent.add(p);
    return taken;
  }

  /** Marks ports a stored join still holds (start-up). Ports the config no longer names are ignored. */
  claim(ports: readonly string[]): void {
    for (const p of ports) {
      const i = this.free.indexOf(p);
      if (i >= 0) {
        this.free.splice(i, 1);
        this.lent.add(p);
      }
    }
  }

  give(ports: readonly string[]): void {
    for (const p of ports) {
      if (!this.lent.delete(p)) continue;
      this.free.push(p);
    }
    this.free.sort((a, b) => this.ports.indexOf(a) - this.ports.indexOf(b));
  }
}
