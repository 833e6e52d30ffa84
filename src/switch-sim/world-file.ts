// The world file: which PBXs exist, their devices, numbering plans and link
// credentials, and the phones on the public network. Validated once here
// (style.md section 10); the model never sees an optional field.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SimulatorError } from './errors.js';

const extension = z.string().regex(/^\d{1,8}$/, 'an extension is 1-8 digits');
const extensionPattern = z.string().regex(/^[\dx]{1,8}$/, 'digits, with x for "any digit"');
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'HOST:PORT');

const deviceSettings = z.strictObject({
  answer: z.enum(['auto', 'manual', 'never']).optional(),
  rings: z.number().int().min(1).max(100).optional(),
  dnd: z.boolean().optional(),
  service: z.enum(['in', 'out']).optional(),
});

/** `2000-2009` or `2000`: expands to the extensions it names. */
const extensionRange = z
  .string()
  .regex(/^\d{1,8}(-\d{1,8})?$/, 'an extension or a range like 2000-2009')
  .transform((text, ctx) => {
    const [from, to = from] = text.split('-') as [string, string?];
    if (to.length !== from.length || Number(to) < Number(from) || Number(to) - Number(from) > 9999) {
      ctx.addIssue({ code: 'custom', message: `bad range ${text}` });
      return z.NEVER;
    }
    return Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) => String(Number(from) + i).padStart(from.length, '0'));
  });

/**
 * The PBX's AMI face (issue 10): it also speaks the Asterisk Manager
 * Interface, as an Asterisk 22 with PJSIP endpoints would. `context` is the
 * dialplan context extensions are dialled in; `quirks` reproduce orders and
 * repeats real Asterisk shows, for tests of a client's tolerance.
 */
const amiSchema = z.strictObject({
  listen: hostPort,
  user: z.string().min(1),
  secret: z.string().min(1),
  context: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -').default('internal'),
  /** Where the dialplan's AGI(agi://HOST:PORT/route) connects, for extensions with a `ctid-route` AstDB key (ctid's switch.agi). */
  agi: hostPort.refine((address) => !/:0+$/.test(address), 'a port to connect to (not 0)').optional(),
  quirks: z
    .strictObject({
      /** Every DialEnd goes out twice. */
      duplicateDialEnd: z.boolean().default(false),
      /** OriginateResponse goes out before the first leg's Newstate / DialEnd. */
      originateResponseFirst: z.boolean().default(false),
    })
    .default({ duplicateDialEnd: false, originateResponseFirst: false }),
});

const officeSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes')
    .refine((id) => id !== 'pstn', '"pstn" names the public network'),
  csta: z.strictObject({ listen: hostPort, user: z.string().min(1), password: z.string().min(1) }),
  ami: amiSchema.optional(),
  /** Simultaneous calls to and from the public network. */
  trunks: z.number().int().min(0).max(10000).default(8),
  stations: z.array(extensionRange).default([]),
  voiceBoardPorts: z.array(extension).default([]),
  fax: z.array(extension).default([]),
  numbering: z.array(z.strictObject({ extension: extensionPattern, external: z.string().min(1) })).default([]),
  devices: z.record(extension, deviceSettings).default({}),
});

const pstnPhoneSchema = deviceSettings.extend({ number: z.string().min(1) });

const worldSchema = z.strictObject({
  /** One ring period in ms of world time; no-answer limits count these. */
  ringMs: z.number().int().min(10).max(60_000).default(3000),
  /** Rings before an auto-answer device picks up. */
  autoAnswerRings: z.number().int().min(0).max(10).default(1),
  /** The switch's SystemStatus heartbeat period (csta-link.md: 30 s). */
  heartbeatMs: z.number().int().min(100).max(600_000).default(30_000),
  /** How long a routing device waits for RouteSelect before offering the call itself. */
  routeTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** What SystemStatus reports. */
  systemStatus: z.string().regex(/^[a-zA-Z]+$/).default('normal'),
  /** The longest application session the switch grants without a reset, seconds. */
  maxSessionDurationS: z.number().int().min(10).max(86_400).default(300),
  offices: z.array(officeSchema).min(1),
  pstn: z.array(pstnPhoneSchema).default([]),
});

export type WorldConfig = z.output<typeof worldSchema>;
export type OfficeConfig = WorldConfig['offices'][number];
export type AmiConfig = NonNullable<OfficeConfig['ami']>;
export type WorldInput = z.input<typeof worldSchema>;

/** Validates a world (parsed JSON); errors name the field, e.g. `offices.0.csta.user`. */
export function parseWorld(input: unknown): WorldConfig {
  const result = worldSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new SimulatorError('invalid', `world: ${field}: ${issue.message}`);
  }
  const world = result.data;
  const ids = new Set<string>();
  world.offices.forEach((office, i) => {
    if (ids.has(office.id)) throw new SimulatorError('invalid', `world: offices.${i}.id: office "${office.id}" appears twice`);
    ids.add(office.id);
    const seen = new Set<string>();
    const all = [...office.stations.flat(), ...office.voiceBoardPorts, ...office.fax];
    for (const ext of all) {
      if (seen.has(ext)) throw new SimulatorError('invalid', `world: offices.${i}: extension ${ext} is defined twice`);
      seen.add(ext);
    }
    for (const ext of Object.keys(office.devices)) {
      if (!seen.has(ext)) throw new SimulatorError('invalid', `world: offices.${i}.devices.${ext}: no such extension in office ${office.id}`);
    }
  });
  return world;
}

export function loadWorldFile(path: string): WorldConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SimulatorError('invalid', `cannot read world file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SimulatorError('invalid', `world file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseWorld(json);
}

/** The offices of MISSION.md: a, b, and telephone 4c on the public network. */
export function defaultWorldInput(): WorldInput {
  const office = (id: string, port: number, numbering: { extension: string; external: string }[]) => ({
    id,
    csta: { listen: `127.0.0.1:${port}`, user: `ctid-${id}`, password: `secret-${id}` },
    stations: ['2000-2009'],
    voiceBoardPorts: ['7001', '7002', '7003', '7004'],
    fax: ['2900'],
    numbering,
    // Voice-board ports are answered by the application; the FAX machine answers by itself.
    devices: { '2900': { answer: 'auto' as const } },
  });
  return {
    offices: [
      office('a', 7200, [
        { extension: '2001', external: '044-123-4567' },
        { extension: '20xx', external: '044-123-40xx' },
      ]),
      office('b', 7201, [
        { extension: '2000', external: '044-222-3333' },
        { extension: '20xx', external: '044-222-30xx' },
      ]),
    ],
    pstn: [{ number: '03-5555-0100' }],
  };
}

export function defaultWorld(): WorldConfig {
  return parseWorld(defaultWorldInput());
}

/**
 * `switch-sim serve --ami`: every office without an AMI face gets one on a
 * free port, user `ctid-OFFICE`, secret `secret-OFFICE`, context `internal`.
 */
export function withAmi(world: WorldConfig): WorldConfig {
  return {
    ...world,
    offices: world.offices.map((office) =>
      office.ami
        ? office
        : { ...office, ami: { listen: '127.0.0.1:0', user: `ctid-${office.id}`, secret: `secret-${office.id}`, context: 'internal', quirks: { duplicateDialEnd: false, originateResponseFirst: false } } },
    ),
  };
}
