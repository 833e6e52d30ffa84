// The control API's Phones, told about the AMI faces: `switch-sim link
// OFFICE down|up` takes a PBX's AMI sessions down and up with its CSTA
// sessions (one cable to the CTI server), and `status` names each AMI
// listener beside the CSTA one.

import type { WorldStatus } from '../control.js';
import { Phones } from '../phones.js';
import type { AmiServer } from './ami-server.js';

export class AmiAwarePhones extends Phones {
  constructor(
    private readonly ami: Map<string, AmiServer>,
    ...rest: ConstructorParameters<typeof Phones>
  ) {
    super(...rest);
  }

  override status(): WorldStatus {
    const status = super.status();
    for (const office of status.offices) {
      const server = this.ami.get(office.id);
      if (server) office.ami = server.address;
    }
    return status;
  }

  override link(office: string, state: 'up' | 'down'): void {
    super.link(office, state);
    this.ami.get(office)?.setLink(state);
  }
}
