// How an extension maps to an Asterisk device and back (config
// `switch.endpoint`, default `PJSIP/{ext}`), and the dialplan context where
// extensions are dialled (`switch.context`). A channel is the device name,
// a dash and a sequence (`PJSIP/2001-0000002a`).

export class Endpoints {
  private readonly prefix: string;
  private readonly suffix: string;

  constructor(
    template: string,
    readonly context: string,
  ) {
    const at = template.indexOf('{ext}');
    if (at < 0) throw new RangeError(`switch.endpoint must contain {ext}, got "${template}"`);
    this.prefix = template.slice(0, at);
    this.suffix = template.slice(at + '{ext}'.length);
  }

  /** `PJSIP/2001`. */
  device(ext: string): string {
    return `${this.prefix}${ext}${this.suffix}`;
  }

  /** The extension of a device name, or undefined for another kind of device. */
  extensionOf(device: string): string | undefined {
    if (!device.startsWith(this.prefix) || !device.endsWith(this.suffix)) return undefined;
    const ext = device.slice(this.prefix.length, device.length - this.suffix.length);
    return /^\d{1,8}$/.test(ext) ? ext : undefined;
  }

  /** Whether `channel` is a channel of the extension's device. */
  isChannelOf(channel: string | undefined, ext: string): boolean {
    return channel !== undefined && channel.startsWith(`${this.device(ext)}-`);
  }
}
