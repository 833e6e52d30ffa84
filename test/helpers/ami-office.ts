// One office on the simulator's AMI face with ctid's FastAGI server, for
// the transfer-entry tests over AMI (issue 10): `switch-sim serve` (its own
// process) whose office a has an AMI face and `ami.agi` set to a free port,
// and the real ctid on `ami://` with `switch.agi` on that same port. bob
// owns 2001; 2001, 2005 and 2006 ring 100 times (long enough to be seen and
// answered on a loaded machine). What the helpers read is what users see:
// cti's output, the simulator's line states, talk paths and the AMI
// actions its PBX received.

import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { ctiAs, runCti, startCtid, startSwitchSim, untilCtidLink, USERS, type TestCtid, type TestSwitchSim } from './ctid.js';
import { eventually } from './eventually.js';
import { jsonLines, type PromptLine } from './join-office.js';
import { closedPort } from './ports.js';
import { killAll } from './processes.js';

export interface TransferRecord {
  id: string;
  kind: string;
  state: string;
  reason?: string;
  message?: string;
  source?: string;
}

/** The AMI actions that change the ctid-route family. */
const KEY_ACTIONS = new Set(['DBPut', 'DBDel', 'DBDelTree']);

export class AmiOffice {
  ctid!: TestCtid;

  private constructor(
    readonly sim: TestSwitchSim,
    /** HOST:PORT of ctid's FastAGI server, which the PBX's dialplan dials. */
    readonly agi: string,
  ) {}

  static async start(): Promise<AmiOffice> {
    const agi = `127.0.0.1:${await closedPort()}`;
    const office = new AmiOffice(await startSwitchSim({ agi: { a: agi } }), agi);
    await office.startCtid();
    for (const ext of ['2001', '2005', '2006']) await office.sim.cli.set('a', ext, { rings: 100 });
    return office;
  }

  /** Starts ctid (again) on this office: config keys over the AMI switch's; an existing data directory to restart. */
  async startCtid(config: Record<string, unknown> = {}, dataDir?: string): Promise<void> {
    const sw = { url: `ami://${this.sim.ami.a}`, user: 'ctid-a', password: 'secret-a', agi: this.agi };
    this.ctid = await startCtid({ config: { switch: sw, ...config }, ...(dataDir ? { dataDir } : {}) });
    await untilCtidLink(this.ctid.address, (link) => link === 'up', 'up over AMI');
  }

  as(user: keyof typeof USERS) {
    return ctiAs(this.ctid.address, user);
  }

  get cli() {
    return this.sim.cli;
  }

  /** How many times the PBX got the AMI action `type`. */
  async actions(type: string): Promise<number> {
    return (await this.sim.cli.log('a')).filter((e) => e.type === type).length;
  }

  /** `cti transfer set 2001 ARGS` as bob (exit 0), then until the PBX's last change to the family is a DBPut. */
  async setTransfer(...args: string[]): Promise<void> {
    const r = await runCti(['transfer', 'set', '2001', ...args], this.as('bob'));
    assert.is(r.code, 0, r.stderr);
    const lastKeyAction = async () => (await this.sim.cli.log('a')).filter((e) => KEY_ACTIONS.has(e.type)).at(-1)?.type;
    await eventually('ctid to put 2001’s AstDB key', lastKeyAction, (type) => type === 'DBPut');
  }

  /** bob's transfer records (`cti requests --json`). */
  async transferRecords(): Promise<TransferRecord[]> {
    const r = await runCti(['requests', '--json'], this.as('bob'));
    assert.is(r.code, 0, r.stderr);
    return jsonLines<TransferRecord>(r.stdout).filter((l) => l.kind === 'transfer');
  }

  /** Records made from now on: call the result once the call was made. */
  async newRecords(): Promise<() => Promise<TransferRecord[]>> {
    const before = new Set((await this.transferRecords()).map((r) => r.id));
    return async () => (await this.transferRecords()).filter((r) => !before.has(r.id));
  }

  async prompts(): Promise<PromptLine[]> {
    return jsonLines<PromptLine>((await runCti(['prompts', '--json'], this.as('bob'))).stdout);
  }

  talking(a: string, b: string): Promise<boolean> {
    return eventually(`${a} and ${b} to talk`, () => this.sim.cli.talking(`a/${a}`, `a/${b}`), Boolean);
  }

  async untilIdle(...extensions: string[]): Promise<void> {
    for (const ext of extensions) await this.sim.cli.untilLine('a', ext, 'idle');
  }

  /** Busy lines: each of `extensions` calls an auto-answering 2007/2008. */
  async makeBusy(...extensions: string[]): Promise<void> {
    const others = ['2007', '2008'];
    for (const [i, ext] of extensions.entries()) {
      await this.sim.cli.set('a', others[i]!, { answer: 'auto' });
      await this.sim.cli.dial('a', ext, others[i]!);
      await this.sim.cli.untilLine('a', ext, 'busy');
    }
  }
}

/** A suite's office: started before its tests, every process killed after them; `use` gets it once started. */
export function onAmiOffice(suite: Test, use: (office: AmiOffice) => void): void {
  suite.before(async () => use(await AmiOffice.start()));
  suite.after(killAll);
}
