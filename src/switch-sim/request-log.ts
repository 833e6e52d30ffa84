// The CSTA requests each PBX received, in order (`switch-sim log`): how tests
// count MakeCalls. Bounded, and credentials never appear in it.

import type { CstaMessage } from '../csta/messages.js';
import type { LogEntry } from './control.js';

const MAX_ENTRIES_PER_OFFICE = 50_000;

export class RequestLog {
  private readonly entries = new Map<string, LogEntry[]>();

  record(office: string, session: string, invokeId: number, message: CstaMessage): void {
    let list = this.entries.get(office);
    if (!list) this.entries.set(office, (list = []));
    const body: Record<string, unknown> = { ...message };
    if ('password' in body) body.password = '***';
    list.push({ at: new Date().toISOString(), office, session, invokeId, type: message.type, message: body });
    if (list.length > MAX_ENTRIES_PER_OFFICE) list.splice(0, list.length - MAX_ENTRIES_PER_OFFICE);
  }

  list(office?: string): LogEntry[] {
    if (office !== undefined) return [...(this.entries.get(office) ?? [])];
    return [...this.entries.values()].flat().sort((a, b) => a.at.localeCompare(b.at));
  }
}
