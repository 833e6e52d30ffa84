// One office for the join / barge-in end-to-end tests (issue 6, "Tests"):
// the real ctid with its embedded simulator (clock 20x: a ring is 150 ms),
// `cti` as its users, and the phones driven with the real `switch-sim` bin.
// bob (USERS) owns a/2001, the target; carol (a/2002) is the requester. The
// other parties a/2003 and a/2004 answer by themselves; carol's phone rings
// 100 times (15 s), long enough to be answered on a loaded machine.
//
// What the tests read is what users see: cti's exit codes and JSON lines,
// the prompts, and the simulator's talk paths and device states. Talk paths
// are compared without the voice-board ports (`people()`): a bridged port is
// a device of the call, but what a user cares about is who hears whom.

import type { Prompt } from '../../src/gen/cti/v1/cti.js';
import { resultOf, transcript, type CtiLine } from './cti-json.js';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCti, startCtid, SwitchSimCli, untilCtidLink, USERS, type TestCtid, type TestSwitchSim } from './ctid.js';
import { eventually } from './eventually.js';
import type { RunningBin, RunResult } from './processes.js';
import type { LogEntry } from '../../src/switch-sim/control.js';

export type User = keyof typeof USERS;
export type JoinKind = 'join' | 'barge-in';

/** A `cti prompts --json` line (interfaces.md): the Prompt message, tagged. */
export type PromptLine = Prompt & { type: string };

/** A `cti --json` line of a request (progress or result). */
type RequestLine = CtiLine;

export const jsonLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);

export interface JoinOfficeOptions {
  /** config `voiceBoardPorts`; default the embedded world's 7001-7004. */
  ports?: string[];
  /** config `limits.promptTimeout` (DUR); default 60s. */
  promptTimeout?: string;
  /** Drive this simulator's office a over AMI (`switch-sim serve --ami`) instead of the embedded one over CSTA; ctid's ports are then its AMI slots, no device of the switch. */
  ami?: TestSwitchSim;
}

export class JoinOffice {
  private constructor(
    readonly ctid: TestCtid,
    readonly phones: SwitchSimCli,
    readonly ports: string[],
    private readonly config: Record<string, unknown>,
  ) {}

  static async start(options: JoinOfficeOptions = {}): Promise<JoinOffice> {
    const limits = { promptTimeout: options.promptTimeout ?? '60s' };
    const sim = options.ami;
    const ports = sim ? [] : (options.ports ?? ['7001', '7002', '7003', '7004']);
    const config = sim ? { switch: { url: `ami://${sim.ami.a}`, user: 'ctid-a', password: 'secret-a' }, limits } : { voiceBoardPorts: ports, limits };
    const ctid = await startCtid({ config });
    if (sim) await untilCtidLink(ctid.address, (link) => link === 'up', 'up over AMI');
    const office = new JoinOffice(ctid, sim ? sim.cli : new SwitchSimCli(ctid.controlAddress!), ports, config);
    await Promise.all([
      office.phones.set('a', '2002', { rings: 100 }),
      office.phones.set('a', '2003', { answer: 'auto' }),
      office.phones.set('a', '2004', { answer: 'auto' }),
    ]);
    return office;
  }

  /** kill -9 of ctid, then a ctid on the same data directory and switch (same address): the office after the restart. Needs a switch of its own (`ami`): an embedded one dies with ctid. */
  async restart(): Promise<JoinOffice> {
    await this.ctid.kill9();
    const ctid = await startCtid({ dataDir: this.ctid.dataDir, config: { ...this.config, listen: this.ctid.address } });
    await untilCtidLink(ctid.address, (link) => link === 'up', 'up after the restart');
    return new JoinOffice(ctid, this.phones, this.ports, this.config);
  }

  as(user: User) {
    return ctiAs(this.ctid.address, user);
  }

  /** `cti prompts --json` as `user` (must exit 0). */
  async prompts(user: User): Promise<PromptLine[]> {
    const result = await runCti(['prompts', '--json'], this.as(user));
    assert.is(result.code, 0, `cti prompts as ${user}: ${result.stdout}\n${result.stderr}`);
    return jsonLines<PromptLine>(result.stdout);
  }

  /** `cti accept|reject ID --json` as `user`. */
  answer(verb: 'accept' | 'reject', id: string, user: User): Promise<RunResult> {
    return runCti([verb, id, '--json'], this.as(user));
  }

  /** a/2001 (bob) dials a/OTHER (which answers by itself); resolves once they talk. */
  async bobTalksWith(other: '2003' | '2004'): Promise<void> {
    await this.phones.dial('a', '2001', other);
    await this.untilPeople(`a/2001 and a/${other} talk`, (g) => g.includes(`a/2001 a/${other}`));
  }

  /** carol asks `cti KIND 2001 --from 2002 --as Carol --json`; resolves once the prompt is out. */
  async carolAsks(kind: JoinKind): Promise<{ cti: RunningBin; id: string }> {
    const cti = startCti([kind, '2001', '--from', '2002', '--as', 'Carol', '--json'], this.as('carol'));
    const [line] = await cti.waitForLine(/^.*"type":"progress".*"state":"waiting-consent".*$/, 30_000);
    return { cti, id: (JSON.parse(line) as RequestLine).id };
  }

  /** bob accepts; carol's phone rings and she answers; her cti exits 0, succeeded. */
  async acceptAndAnswer(cti: RunningBin, id: string): Promise<void> {
    const accepted = await this.answer('accept', id, 'bob');
    assert.is(accepted.code, 0, `cti accept: ${accepted.stdout}\n${accepted.stderr}`);
    assert.is(jsonLines<PromptLine>(accepted.stdout)[0]?.state, 'accepted', accepted.stdout);
    await this.phones.answerWhenRinging('a', '2002');
    assert.equal(await cti.exited, { code: 0, signal: null }, `${cti.lines.join('\n')}\n${cti.stderr}`);
    const last = jsonLines<RequestLine>(cti.lines.join('\n')).at(-1)!;
    assert.equal([last.type, last.state], ['result', 'succeeded'], cti.lines.join('\n'));
  }

  /** A barge-in that came about: bob talks with `other`, carol barges in, bob accepts, carol answers; `other` is held. */
  async carolBargesIn(other: '2003' | '2004'): Promise<void> {
    await this.bobTalksWith(other);
    const { cti, id } = await this.carolAsks('barge-in');
    await this.acceptAndAnswer(cti, id);
    assert.is((await this.states())[other], 'held', `a/${other} waits on hold`);
  }

  /** After a barge-in on bob's call with `other`: carol hangs up, `other` comes back off hold and talks with bob again; then both hang up. */
  async heldComesBack(other: '2003' | '2004'): Promise<void> {
    await this.phones.hangup('a', '2002');
    await this.untilIdle('2002');
    await this.untilPeople(`a/2001 and a/${other} talk again`, (g) => g.length === 1 && g[0] === `a/2001 a/${other}`);
    assert.is((await this.states())[other], 'busy', 'no longer held');
    await this.settle('2001', other);
  }

  /**
   * Bob talks with a/2003; carol asks to barge in and bob accepts, but her
   * phone is never answered: her cti exits 1, reason requester-no-answer,
   * and bob's call goes on untouched, nobody held.
   */
  async bargeInUnanswered(): Promise<void> {
    await this.bobTalksWith('2003');
    await this.phones.set('a', '2002', { answer: 'never', rings: 1 });
    try {
      const { cti, id } = await this.carolAsks('barge-in');
      const accepted = await this.answer('accept', id, 'bob');
      assert.is(accepted.code, 0, accepted.stderr);
      const result = await resultOf(cti, 1);
      assert.equal([result.state, result.reason], ['failed', 'requester-no-answer'], transcript(cti));
      assert.ok(result.message, 'the message says it in words');
      await this.untilIdle('2002');
      assert.equal(await this.people(), ['a/2001 a/2003'], 'bob and a/2003 still talk');
      assert.is((await this.states())['2003'], 'busy', 'not held');
    } finally {
      await this.phones.set('a', '2002', { answer: 'manual', rings: 100 });
    }
    await this.settle('2001', '2003');
  }

  /** The talk groups as strings (`a/2001 a/2002`), sorted, voice-board ports left out. */
  async people(): Promise<string[]> {
    return (await this.phones.paths()).paths
      .map((p) =>
        p.devices
          .filter((d) => !this.isPort(d))
          .sort()
          .join(' '),
      )
      .filter((g) => g.includes(' '))
      .sort();
  }

  untilPeople(what: string, accept: (groups: string[]) => boolean): Promise<string[]> {
    return eventually(`talk paths: ${what}`, () => this.people(), accept, 20_000);
  }

  /** The talk groups exactly as `switch-sim paths --json` lists them (the bridged ports too), one string per group. */
  async groups(): Promise<string[]> {
    return (await this.phones.paths()).paths.map((p) => [...p.devices].sort().join(' ')).sort();
  }

  /** How many CSTA requests office a's PBX has received so far (`switch-sim log`). */
  async logLength(): Promise<number> {
    return (await this.phones.log('a')).length;
  }

  /** The call-changing CSTA requests office a's PBX received after the first `since`, in words (cstaActions). */
  async cstaActions(since: number): Promise<string[]> {
    return cstaActions((await this.phones.log('a')).slice(since));
  }

  /** The line states of office a's devices, by extension. */
  async states(): Promise<Record<string, string>> {
    const devices = (await this.phones.status()).offices.find((o) => o.id === 'a')!.devices;
    return Object.fromEntries(devices.map((d) => [d.id.slice('a/'.length), d.state]));
  }

  /** Waits until every voice-board port of the config and each of `extensions` is idle. */
  untilIdle(...extensions: string[]): Promise<Record<string, string>> {
    const wanted = [...this.ports, ...extensions];
    return eventually(
      `${wanted.join(', ')} idle`,
      () => this.states(),
      (s) => wanted.every((ext) => s[ext] === 'idle'),
      20_000,
    );
  }

  /** Clean-up: these phones hang up (if still in a call); waits until they and the ports are idle. */
  async settle(...extensions: string[]): Promise<void> {
    await this.phones.release('a', ...extensions);
    await this.untilIdle(...extensions);
  }

  /** After a failed test: every station still off-hook hangs up, so the next test starts clean. */
  async settleAll(): Promise<void> {
    const states = await this.states();
    const busy = Object.entries(states)
      .filter(([ext, state]) => state !== 'idle' && !this.isPort(`a/${ext}`) && /^2\d{3}$/.test(ext))
      .map(([ext]) => ext);
    await this.settle(...busy);
  }

  /** A `cti` started as `user` (a watch). */
  startCti(args: string[], user: User): RunningBin {
    return startCti(args, this.as(user));
  }

  private isPort(device: string): boolean {
    return device.startsWith('a/') && this.ports.includes(device.slice(2));
  }
}

/** The talk groups of an office's world without the voice-board `ports` (`a/2003 a/2005`): who hears whom. */
export async function peopleTalking(phones: SwitchSimCli, ports: readonly string[]): Promise<string[]> {
  return (await phones.paths()).paths
    .map((p) =>
      p.devices
        .filter((d) => !ports.includes(d.split('/')[1]!))
        .sort()
        .join(' '),
    )
    .filter((g) => g.includes(' '))
    .sort();
}

/** Waits until every one of `ports` of `office` is idle (they went back to the pool, nothing left on them). */
export function untilPortsIdle(phones: SwitchSimCli, office: string, ports: readonly string[]): Promise<(string | undefined)[]> {
  return eventually(
    `${office}'s voice-board ports idle`,
    async () => {
      const devices = (await phones.status()).offices.find((o) => o.id === office)!.devices;
      return ports.map((p) => devices.find((d) => d.id === `${office}/${p}`)?.state);
    },
    (states) => states.every((s) => s === 'idle'),
    20_000,
  );
}

/** The request lines of a finished `cti --json` run, and its last (the result). */
export function resultLines(result: RunResult): { lines: RequestLine[]; last: RequestLine } {
  const lines = jsonLines<RequestLine>(result.stdout);
  return { lines, last: lines.at(-1) ?? { type: 'none', id: '', state: `no output: ${result.stderr}` } };
}

/**
 * The CSTA requests of a log that change calls, in words, in order:
 * `conference 7001 into 2001's call`, `MakeCall 7002 -> 2002`, `hold 2004`,
 * `retrieve 2004`, `bridge 7001 7002`, `unbridge ...`, `clear 7001`,
 * `answer 7001`, `deflect 7001 -> 2001`. Reads and monitors are left out.
 */
export function cstaActions(entries: LogEntry[]): string[] {
  const words: string[] = [];
  for (const { type, message: m } of entries) {
    const conn = (c: unknown) => (c as { deviceId?: string } | undefined)?.deviceId ?? '?';
    if (type === 'SingleStepConferenceCall') words.push(`conference ${String(m.deviceToJoin)} into ${conn(m.activeCall)}'s call`);
    else if (type === 'MakeCall') words.push(`MakeCall ${String(m.callingDevice)} -> ${String(m.calledDirectoryNumber)}`);
    else if (type === 'HoldCall') words.push(`hold ${conn(m.callToBeHeld)}`);
    else if (type === 'RetrieveCall') words.push(`retrieve ${conn(m.callToBeRetrieved)}`);
    else if (type === 'ClearConnection') words.push(`clear ${conn(m.connectionToBeCleared)}`);
    else if (type === 'AnswerCall') words.push(`answer ${conn(m.callToBeAnswered)}`);
    else if (type === 'DeflectCall') words.push(`deflect ${conn(m.callToBeDiverted)} -> ${String(m.newDestination)}`);
    else if (type === 'Escape') {
      const c = m.command as { op?: string; ports?: string[] } | undefined;
      words.push(`${c?.op ?? '?'} ${(c?.ports ?? []).join(' ')}`.trim());
    }
  }
  return words;
}
