// ctid's configuration: the JSON file of interfaces.md plus flags, validated
// once (style.md section 10) into a resolved config with nothing optional.
// Unknown keys are errors that name them; every key has a default. With no
// file, ctid serves office `a` of the default world on an embedded simulator.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { parseDuration } from '../common/duration.js';
import { CtiError } from './core/errors.js';
import { DEFAULT_TRANSFER } from './core/transfer-call.js';
import { isLoopback } from '../common/listen.js';

const hostPort = z.string().regex(/^[^\s]+:\d{1,5}$/, 'HOST:PORT');
const extension = z.string().regex(/^\d{1,8}$/, 'an extension is 1-8 digits');
const duration = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

const userSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore'),
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  extensions: z.array(extension).default([]),
  admin: z.boolean().default(false),
});

const dialRule = z.union([z.enum(['international', 'premium-rate']), z.string().regex(/^[\d\s\-().]{1,32}$/, 'international, premium-rate or a number prefix')]);

/** A mail domain, e.g. `b.example`. */
export const mailDomain = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, 'a mail domain, e.g. b.example');

const configSchema = z.strictObject({
  office: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and dashes').default('a'),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code like JP').default('JP'),
  listen: hostPort.default('127.0.0.1:50051'),
  data: z.string().min(1).optional(),
  switch: z
    .strictObject({
      url: z.string().regex(/^(embedded|(csta|ami):\/\/[^\s/]+:\d{1,5})$/, '"embedded", csta://HOST:PORT or ami://HOST:PORT').default('embedded'),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** ami://: the dialplan context where extensions are dialled. */
      context: z.string().regex(/^[\w-]{1,79}$/, 'a dialplan context name').default('internal'),
      /** ami://: how an extension maps to an Asterisk device. */
      endpoint: z.string().regex(/^[^\s]*\{ext\}[^\s]*$/, 'a device name with {ext}, e.g. PJSIP/{ext}').default('PJSIP/{ext}'),
      /** ami://: where ctid's FastAGI server listens (transfer entries). */
      agi: hostPort.default('127.0.0.1:4573'),
      /** ami://: ctid's DATA/media directory as Asterisk sees it (Playback, SendFAX); unset: no voice messages or FAX. */
      media: z.string().regex(/^\/[\w.\-+/]*$/, 'an absolute path on the Asterisk machine (letters, digits, _ . - + /), e.g. /var/lib/ctid-media').optional(),
      /** The embedded simulator's control API. */
      control: hostPort.default('127.0.0.1:50100'),
      /** The switch's SystemStatus period (csta-link.md: 30 s). */
      heartbeat: duration.default(30_000),
    })
    .default({ url: 'embedded', control: '127.0.0.1:50100', heartbeat: 30_000, context: 'internal', endpoint: 'PJSIP/{ext}', agi: '127.0.0.1:4573' }),
  numbering: z.array(z.strictObject({ extension: z.string().regex(/^[\dx]{1,8}$/), external: z.string().min(1) })).optional(),
  /** The voice-board ports joins borrow (default: the embedded world's, or none). */
  voiceBoardPorts: z.array(extension).refine((ports) => new Set(ports).size === ports.length, 'each port once').optional(),
  /** The office FAX device that mail's FAX parts go to (default: the embedded world's, or none). */
  faxDevice: extension.optional(),
  users: z.array(userSchema).default([]),
  limits: z
    .strictObject({
      defaultWindow: duration.default(30 * 60_000),
      maxWindow: duration.default(8 * 3600_000),
      retryEvery: duration.default(30_000),
      perRequester: z.number().int().min(1).default(20),
      perDestination: z.number().int().min(1).default(20),
      total: z.number().int().min(1).default(100_000),
      retention: duration.default(24 * 3600_000),
      /** How long a consent prompt waits for its answer. */
      promptTimeout: duration.default(30_000),
    })
    .default({
      defaultWindow: 1_800_000,
      maxWindow: 28_800_000,
      retryEvery: 30_000,
      perRequester: 20,
      perDestination: 20,
      total: 100_000,
      retention: 86_400_000,
      promptTimeout: 30_000,
    }),
  /** Other offices' ctids: their gRPC address and the secret both sides of the pair share. */
  peers: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'an office id'),
      z.strictObject({
        address: hostPort,
        secret: z.string().min(16, 'peer secrets must be at least 16 characters'),
        /** TLS towards this peer: CA file to trust (and our client certificate for mutual TLS). */
        tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1).optional(), key: z.string().min(1).optional() }).optional(),
      }),
    )
    .default({}),
  /** The route table's base (FIG. 20); admins change it at run time with `cti routes`. */
  routes: z
    .array(
      z.strictObject({
        prefix: z.string().regex(/^[\d\s\-().]{1,32}$/, 'digits, with the usual formatting'),
        office: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'an office id'),
        network: z.enum(['station', 'toll', 'public']).default('public'),
        place: z.enum(['remote', 'local']).default('remote'),
      }),
    )
    .default([]),
  /** TLS for our own gRPC server (clients and peers); with `ca`, peers must present a certificate it signed (mutual TLS). */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1), ca: z.string().min(1).optional() }).optional(),
  /**
   * Which numbers transfer destinations may be: `bar` rules unless an `allow`
   * rule matches; a rule is `international`, `premium-rate` or a number prefix.
   */
  dialPolicy: z
    .strictObject({
      bar: z.array(dialRule).default(['international', 'premium-rate']),
      allow: z.array(dialRule).default([]),
    })
    .default({ bar: ['international', 'premium-rate'], allow: [] }),
  /**
   * How calls to an extension with a transfer entry are carried: through
   * the voice board (the source text's way) or routed straight to the
   * destination; when no destination takes a call, it rings the extension
   * or is refused; a --confirm prompt nobody answers does what the entry
   * does without --confirm (`transfer`), rings the extension, or refuses.
   */
  transfer: z
    .strictObject({
      mode: z.enum(['voice-board', 'direct']).default(DEFAULT_TRANSFER.mode),
      allFail: z.enum(['ring', 'refuse']).default(DEFAULT_TRANSFER.allFail),
      unanswered: z.enum(['transfer', 'ring', 'refuse']).default(DEFAULT_TRANSFER.unanswered),
    })
    .default(DEFAULT_TRANSFER),
  /**
   * Requests by mail: this office's mail domain (mailboxes are `name@domain`
   * for the config's users), where SMTP (and later POP3) listen, and the
   * largest message accepted.
   */
  mail: z
    .strictObject({
      domain: mailDomain,
      smtp: hostPort.default('127.0.0.1:2525'),
      pop3: hostPort.optional(),
      maxSize: z.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
      /** Certificate and key files for STARTTLS; required when SMTP listens beyond loopback (AUTH sends tokens). */
      tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
      /** How long mail for another office is retried before it bounces to its sender (a DSN). */
      relayWindow: duration.default(24 * 3600_000),
    })
    .refine((mail) => mail.tls !== undefined || isLoopback(mail.smtp), {
      message: 'mail.smtp listens beyond loopback: give mail.tls (cert and key files) so that AUTH travels encrypted',
      path: ['tls'],
    })
    .refine((mail) => mail.pop3 === undefined || mail.tls !== undefined || isLoopback(mail.pop3), {
      message: 'mail.pop3 listens beyond loopback: give mail.tls (cert and key files) so that logins travel encrypted (STLS)',
      path: ['tls'],
    })
    .optional(),
  /** The mail relay table's base (FIG. 38): mail for `domain` goes to office `office`'s SMTP; admins change it with `cti relay`. */
  relay: z
    .array(
      z.strictObject({
        domain: mailDomain,
        office: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'an office id'),
        smtp: hostPort,
      }),
    )
    .default([]),
  /** Runs the embedded simulator's clock faster (demos, tests). */
  timeScale: z.number().positive().max(1000).default(1),
});

export type ConfigInput = z.input<typeof configSchema>;

export interface ResolvedConfig extends Omit<z.output<typeof configSchema>, 'data' | 'country'> {
  data: string;
  country: CountryCode;
}

export interface ConfigFlags {
  config?: string;
  data?: string;
  listen?: string;
}

/** Reads and validates the config file (if any) and applies flags; throws CtiError naming the bad field. */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  let input: unknown = {};
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw new CtiError('invalid-argument', `cannot read config file ${flags.config}: ${(err as Error).message}`);
    }
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new CtiError('invalid-argument', `config file ${flags.config} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new CtiError('invalid-argument', `config${flags.config ? ` ${flags.config}` : ''}: ${where}: ${what}`);
  }
  const config = parsed.data;
  if (config.switch.url !== 'embedded' && (!config.switch.user || !config.switch.password)) {
    throw new CtiError('invalid-argument', `config: switch: a ${config.switch.url.split(':')[0]}:// switch needs user and password`);
  }
  for (const [i, relay] of config.relay.entries()) {
    if (!config.mail) throw new CtiError('invalid-argument', 'config: relay: relaying mail needs a mail section (this office\'s own domain and SMTP)');
    if (!config.peers[relay.office]) throw new CtiError('invalid-argument', `config: relay.${i}.office: no peer "${relay.office}" in peers (its secret authenticates the relay)`);
    if (relay.domain.toLowerCase() === config.mail.domain.toLowerCase()) throw new CtiError('invalid-argument', `config: relay.${i}.domain: ${relay.domain} is this office's own mail domain`);
  }
  for (const [i, route] of config.routes.entries()) {
    if (route.office !== config.office && !config.peers[route.office]) {
      throw new CtiError('invalid-argument', `config: routes.${i}.office: no peer "${route.office}" in peers`);
    }
  }
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return {
    ...config,
    country: config.country as CountryCode,
    listen: flags.listen ?? config.listen,
    data: flags.data ?? config.data ?? join(dataHome, 'ctid'),
  };
}
