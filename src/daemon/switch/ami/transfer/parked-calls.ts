// Calls parked in ctid's slots (slots.ts): over AMI the "voice-board port 1"
// a routed call waits on is its FastAGI session, kept open. The caller
// hears ringing (`EXEC Ringing`) while the core asks the owner or tries the
// destinations (parked-dial.ts); the slot's name only tells the parked
// calls apart. A slot's line state is the call's: ringing while it waits,
// busy once it talks with a destination, idle when nothing is there (the
// caller hung up, or the call was sent on), which is how the core notices a
// caller who leaves.
//
// releaseParked ends the session: to ring the extension, the session just
// closes (the dialplan goes on and dials the extension itself, CTID_ROUTED
// being set, so it is not asked again); to refuse, `HANGUP` first.
//
// A session does not survive ctid: if ctid stops while a call waits, AGI()
// returns and the dialplan rings the extension; the request then finds the
// slot idle and ends (call-ended).

import { DEST_VARIABLE } from '../../../../agi/ctid-dialplan.js';
import type { LineState, LineWatch } from '../../../core/ports.js';
import type { LinkLogger } from '../ami-link.js';
import type { AgiSession } from '../fastagi/agi-session.js';

export type ParkedState = 'waiting' | 'dialling' | 'talking';

export class ParkedCall {
  state: ParkedState = 'waiting';
  /** Why a call that talked ended, once its Dial returned (the session's own close may say less). */
  endedBecause: string | undefined;
  /** Told once when the call leaves the slot (the session ended), with words for why. */
  readonly onGone = new Set<(why: string) => void>();

  constructor(
    readonly slot: string,
    readonly session: AgiSession,
    /** The routed extension. */
    readonly extension: string,
    /** The caller's channel (agi_channel). */
    readonly channel: string,
  ) {}

  get live(): boolean {
    return this.session.state === 'ready' && !this.session.hungUp;
  }
}

export class ParkedCalls {
  private readonly bySlot = new Map<string, ParkedCall>();
  private readonly watchers = new Map<string, Set<(state: LineState) => void>>();

  constructor(
    readonly slots: ReadonlySet<string>,
    private readonly log: LinkLogger,
  ) {}

  isSlot(name: string): boolean {
    return this.slots.has(name);
  }

  get(slot: string): ParkedCall | undefined {
    return this.bySlot.get(slot);
  }

  /** The call of `session` waits on `slot`, hearing ringing. */
  park(slot: string, session: AgiSession, extension: string): void {
    const previous = this.bySlot.get(slot);
    if (previous) {
      // The core lends a slot to one call at a time; a second means the first is stale.
      this.log('slot taken over', { slot, previous: previous.channel });
      previous.session.close('its slot was lent to another call');
    }
    if (session.state === 'closed') return this.tell(slot); // the caller left before the call was parked: the slot stays idle
    const call = new ParkedCall(slot, session, extension, session.env('channel') ?? '');
    this.bySlot.set(slot, call);
    const gone = (why: string) => {
      if (this.bySlot.get(slot) !== call) return;
      this.bySlot.delete(slot);
      for (const listener of [...call.onGone]) listener(why);
      this.tell(slot);
    };
    session.once('close', (reason) => gone(call.endedBecause ?? (call.state === 'talking' ? reason : 'the caller hung up')));
    session.command(['EXEC', 'Ringing']).catch(() => {}); // a session that ends meanwhile says so by its close
    this.tell(slot);
  }

  /** The slot's state changed (parked, dialling, answered, gone). */
  tell(slot: string): void {
    const state = this.lineState(slot);
    for (const listener of [...(this.watchers.get(slot) ?? [])]) listener(state);
  }

  lineState(slot: string): LineState {
    const call = this.bySlot.get(slot);
    if (!call?.live) return 'idle';
    return call.state === 'talking' ? 'busy' : 'ringing';
  }

  watch(slot: string, onChange: (state: LineState) => void): LineWatch {
    const own = (state: LineState) => onChange(state);
    let set = this.watchers.get(slot);
    if (!set) this.watchers.set(slot, (set = new Set()));
    set.add(own);
    const initial = this.lineState(slot);
    queueMicrotask(() => set.has(own) && own(initial)); // as a line watch reports its first reading
    const watchers = this.watchers;
    const lineState = () => this.lineState(slot);
    return {
      get state() {
        return lineState();
      },
      stop() {
        set.delete(own);
        if (set.size === 0 && watchers.get(slot) === set) watchers.delete(slot);
      },
    };
  }

  /** Sends the parked call on: the session ends (the dialplan rings the extension), after `HANGUP` for a refusal. False when no call waits. */
  async release(slot: string, to: { ring: string } | 'refuse'): Promise<boolean> {
    const call = this.bySlot.get(slot);
    if (!call?.live) return false;
    if (to === 'refuse') await call.session.command(['HANGUP']);
    else if (to.ring !== call.extension) await call.session.command(['SET', 'VARIABLE', DEST_VARIABLE, to.ring]);
    call.session.close('sent on');
    return true;
  }
}
