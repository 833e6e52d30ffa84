// Line state over AMI: after each of the exchange's events, every device it
// concerns whose Asterisk device state changed is reported once, as
// `DeviceStateChange` (any device) and, for stations, whose hints Asterisk
// would watch, `ExtensionStatus`.

import type { Exchange } from '../exchange.js';
import { deviceStateOf, HINT_STATUS, type AmiDeviceState } from './ami-tables.js';

type Send = (event: string, fields: Record<string, string | number>) => void;

export class LineStates {
  /** The state last reported per extension. */
  private readonly last = new Map<string, AmiDeviceState>();

  constructor(
    private readonly exchange: Exchange,
    private readonly context: string,
    private readonly send: Send,
  ) {
    for (const device of exchange.devices.values()) this.last.set(device.ext, deviceStateOf(device));
  }

  /** Reports the devices among `exts` whose state changed since last reported. */
  report(exts: string[]): void {
    for (const ext of exts) {
      const device = this.exchange.devices.get(ext);
      if (!device) continue; // a number beyond the PBX
      const state = deviceStateOf(device);
      if (this.last.get(ext) === state) continue;
      this.last.set(ext, state);
      const change = { Device: `PJSIP/${ext}`, State: state };
      if (device.kind !== 'station') {
        this.send('DeviceStateChange', change);
        continue;
      }
      const { status, text } = HINT_STATUS[state];
      const hint = { Exten: ext, Context: this.context, Hint: `PJSIP/${ext}`, Status: status, StatusText: text };
      // Issue 10's Asterisk 22 told the hint's Ringing before the device's RINGING, and INUSE before InUse.
      if (state === 'RINGING') {
        this.send('ExtensionStatus', hint);
        this.send('DeviceStateChange', change);
      } else {
        this.send('DeviceStateChange', change);
        this.send('ExtensionStatus', hint);
      }
    }
  }
}
