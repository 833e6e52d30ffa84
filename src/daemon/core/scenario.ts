// A scenario (FIG. 36, 41-43): what a request by mail does before it
// connects. Steps run in order, the actions of a step at once:
//   play  a voice message to the recipient's phone through a voice-board
//         port, retried while the phone is busy or does not answer (FIG. 36
//         S3607-S3609), within the request's window (the monitor time);
//   fax   a document to the office FAX device;
//   show  a text on the recipient's clients (a prompt acknowledged with
//         accept, or left to expire: either way the scenario goes on);
//   ask   "connect now?" (a consent prompt): no, or no answer, ends the
//         scenario (S3612-S3615);
//   connect  the two-point connection: the request's camp-on (camp-on.ts)
//         takes over, so it is always the last step.
//
// Durability: each step's outcomes are stored as the step ends, and a
// prompt with the step it belongs to, so a restart resumes at the step
// that was under way; a prompt already sent is not sent again. A voice
// message or FAX the restart interrupted goes out again (at least once).

import type { LineWatch } from './ports.js';
import type { ScenarioAction, ScenarioRun } from './request.js';
import { Runner } from './runner.js';

/**
 * What is wrong with a scenario's shape, or undefined: 1 to 32 steps of 1 to
 * 8 actions, `connect` last and alone, at most one prompt (show or ask) per
 * step (a request has one prompt at a time). The mail path checks it at
 * DATA, the core again before it stores a request.
 */
export function scenarioProblem(steps: readonly (readonly { do: string }[])[]): string | undefined {
  if (steps.length === 0 || steps.length > 32 || steps.some((s) => s.length === 0 || s.length > 8)) return '1 to 32 steps of 1 to 8 actions each';
  for (const [i, step] of steps.entries()) {
    if (step.some((a) => a.do === 'connect') && (step.length > 1 || i < steps.length - 1)) return 'connect is the last step, alone';
    if (step.filter((a) => a.do === 'show' || a.do === 'ask').length > 1) return `step ${i + 1} shows or asks more than once (one prompt at a time)`;
  }
  return undefined;
}

/** What an action did, in words; `stop` ends the scenario (the request fails with `reason`). */
interface ActionOutcome {
  words: string;
  stop?: 'rejected' | 'invalid-number';
}

export class ScenarioRunner extends Runner {
  private readonly abort = new AbortController();
  private watch: LineWatch | undefined;
  private unlink: (() => void) | undefined;
  private lineChanges = 0;
  private lastFailure: string | undefined;

  private get scenario(): ScenarioRun {
    return this.record.scenario!;
  }

  protected async run(): Promise<void> {
    const r = this.record;
    this.unlink = this.ctx.switch.onLinkState(() => this.poke());
    this.watch = this.ctx.switch.watchLine(r.dial, () => (this.lineChanges++, this.poke()));
    while (!this.done) {
      const { steps, next, outcomes } = this.scenario;
      const step = steps[next];
      if (!step) return void (await this.finish('succeeded', undefined, `the scenario ran: ${outcomes.flat().join('; ')}`));
      if (step[0]?.do === 'connect') return this.handOver(outcomes.length > 0);
      const results = await Promise.all(step.map((action) => this.act(action)));
      if (this.done) return;
      const words = results.map((o) => o.words);
      await this.ctx.registry.update(r, {
        fields: { scenario: { steps, next: next + 1, outcomes: [...outcomes, words] } },
        note: `step ${next + 1}: ${words.join('; ')}`,
      });
      const stop = results.find((o) => o.stop);
      if (stop?.stop) return void (await this.finish('failed', stop.stop, stop.words));
    }
  }

  protected onDeadline(): Promise<void> {
    const step = this.scenario.next + 1;
    return this.finish('failed', 'timeout', `the scenario did not get past step ${step} within the window${this.lastFailure ? `: ${this.lastFailure}` : ''}`);
  }

  protected cleanup(): void {
    this.abort.abort();
    this.watch?.stop();
    this.unlink?.();
  }

  private act(action: ScenarioAction): Promise<ActionOutcome> {
    switch (action.do) {
      case 'play':
        return this.play(action.part, action.media);
      case 'fax':
        return this.fax(action.part, action.media);
      case 'show':
        return this.prompt('text', action.part, action.text);
      case 'ask':
        return this.prompt('connect');
      case 'connect':
        return Promise.resolve({ words: 'connect comes last' }); // the parser keeps it last and alone
    }
  }

  /** Plays a voice message to the recipient's phone, retrying while it is busy or unanswered. */
  private async play(part: string, media: string): Promise<ActionOutcome> {
    const r = this.record;
    for (;;) {
      await this.untilPhoneFree();
      if (this.done) return { words: `${part} not played` };
      const port = this.ctx.ports.take(1)?.[0];
      if (!port) {
        this.lastFailure = 'no voice-board port was free';
        await this.waitFor(() => false, r.retryEveryMs);
        continue;
      }
      const before = this.lineChanges;
      let outcome;
      try {
        await this.ctx.registry.update(r, { state: 'calling', detail: `playing ${part} to ${r.destination}` });
        outcome = await this.ctx.switch.playMessage({
          phone: r.dial,
          port,
          message: media,
          signal: this.abort.signal,
          onRinging: (device) => this.ctx.registry.ringing(r, device),
        });
      } finally {
        this.ctx.ports.give([port]);
      }
      if (outcome.ok) return { words: `${part} played to ${r.destination}` };
      if (this.done) return { words: `${part} not played` };
      if (outcome.reason === 'invalid-number') return { words: `${part} not played: the switch cannot reach ${r.destination}`, stop: 'invalid-number' };
      this.lastFailure = `${part} not played yet: ${outcome.detail}`;
      await this.ctx.registry.update(r, { state: 'watching', detail: this.lastFailure, fields: { ringing: undefined } });
      // The line's next change, or the retry cycle, whichever comes first.
      await this.waitFor(() => this.lineChanges > before && this.watch?.state === 'idle', r.retryEveryMs);
    }
  }

  /** Waits for the link and for the recipient's phone to be idle (or unknown: the switch says on MakeCall). */
  private async untilPhoneFree(): Promise<void> {
    await this.untilLinkUp();
    const state = () => this.watch?.state;
    await this.waitFor(() => this.ctx.switch.linkState === 'up' && (state() === 'idle' || state() === undefined));
  }

  private async fax(part: string, media: string): Promise<ActionOutcome> {
    const device = this.ctx.faxDevice;
    if (!device) return { words: `${part} not sent: this office has no FAX device (config faxDevice)` };
    await this.untilLinkUp();
    if (this.done) return { words: `${part} not sent` };
    const outcome = await this.ctx.switch.sendFax(device, media);
    return { words: outcome.ok ? `${part} sent to FAX ${device}` : `${part} not sent: ${outcome.detail}` };
  }

  /** Shows a text part, or asks "connect now?", on the recipient's clients, and waits for the answer or the prompt's end. */
  private async prompt(kind: 'text' | 'connect', part?: string, text?: string): Promise<ActionOutcome> {
    const r = this.record;
    const step = this.scenario.next;
    if (r.prompt?.step !== step || r.prompt.scenario !== kind) {
      await this.ctx.registry.update(r, {
        state: 'waiting-consent',
        detail: kind === 'connect' ? `asking ${r.destination} whether to connect now` : `showing ${part} to ${r.destination}`,
        fields: {
          prompt: {
            extension: r.dial,
            from: `${r.requester} (${r.source})`,
            call: [],
            expires: this.ctx.now() + this.ctx.promptTimeoutMs,
            scenario: kind,
            step,
            ...(text !== undefined ? { text } : {}),
          },
        },
      });
    }
    const answer = () => r.prompt?.answer; // answerPrompt replaces the prompt object
    await this.waitFor(() => answer() !== undefined, Math.max(0, r.prompt!.expires - this.ctx.now()));
    const given = answer();
    if (kind === 'text') {
      if (!given) return { words: `${part} shown to ${r.destination}, not acknowledged` };
      return { words: `${part} ${given.accept ? 'read' : 'dismissed'} by ${given.by}` };
    }
    if (!given) return { words: `${r.destination} did not answer "connect now?"`, stop: 'rejected' };
    if (!given.accept) return { words: `${given.by} declined to connect`, stop: 'rejected' };
    return { words: `${given.by} agreed to connect` };
  }

  /** The connection: the camp-on runner takes over this record, as a call not yet tried. */
  private async handOver(stepsRan: boolean): Promise<void> {
    const r = this.record;
    if (stepsRan) await this.ctx.registry.update(r, { state: 'watching', detail: `connecting ${r.source} with ${r.destination}`, fields: { ringing: undefined } });
    if (this.done) return;
    this.stop();
    this.ctx.rerun(r);
  }
}
