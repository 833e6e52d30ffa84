// `cti mail send|list|open`: requests by mail without a mail client. `send`
// composes a mail with the exchange information and hands it to ctid, which
// puts it through its own mail path as you (so cti needs no SMTP settings);
// `list` shows your mailbox; `open ID` shows a mail and runs the request it
// carries (on-open), as POP3's RETR does.

import { Option, type Command } from 'commander';
import { basename, extname } from 'node:path';
import type { MailPart, MailSummary } from '../../gen/cti/v1/cti.js';
import { CliError } from '../errors.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import { parseDurationMs, parseExtension, parseMailAddress, parseMailId, parseNumber, parseTimeText } from '../input.js';
import type { CliContext } from '../session.js';

export function registerMail(program: Command, ctx: CliContext): void {
  const mail = program
    .command('mail')
    .description('requests by e-mail: send one, list your mailbox, open a mail (runs its request)')
    .addHelpText('after', examples(['cti mail send --to carol@a.example --call 2000', 'carol’s mailbox gets it; the call runs when she opens it']));

  mail
    .command('send')
    .description('send a request by mail to a user of this office (name@domain)')
    .requiredOption('--to <address>', 'the mailbox: name@domain', parseMailAddress)
    .requiredOption('--call <number>', 'the number to connect with', parseNumber)
    .option('--from <ext>', 'your extension to ring (default: your first)', parseExtension)
    .addOption(new Option('--trigger <when>', 'on-open: when the mail is opened; on-receipt: at once').choices(['on-open', 'on-receipt']).default('on-open'))
    .option('--monitor <dur>', 'how long to camp on if the line is busy (default: the daemon’s window)', parseDurationMs)
    .option('--text <text>', 'a message for the recipient (text 1)')
    .option('--at <time>', 'the delivery time: ISO 8601 with an offset, e.g. 2026-12-01T09:30:00+09:00', parseTimeText)
    .option('--voice <file>', 'a voice message (WAV, MP3, ...): voice 1, voice 2, ... in order; repeatable', collect, [])
    .option('--fax <file>', 'a FAX document (PDF or TIFF): fax 1, fax 2, ... in order; repeatable', collect, [])
    .option('--scenario <steps>', 'what to do, in order: play voice N, fax N, show text N, ask, connect (";" between steps, "&" at once)')
    .addHelpText(
      'after',
      examples(
        ['cti mail send --to carol@a.example --call 2000 --text "please call 2000"', 'runs when carol opens it'],
        ['cti mail send --to bob@a.example --call 044-222-3333 --trigger on-receipt --monitor 1h', 'runs at once, camping on for up to an hour'],
        ['cti mail send --to carol@a.example --call 2002 --voice hello.wav --scenario "play voice 1; ask; connect"', 'her phone plays hello.wav, she is asked, then you talk'],
        ['cti mail send --to carol@a.example --call 2002 --trigger on-receipt --at 2026-12-01T09:30:00+09:00', 'runs at 9:30 Tokyo time'],
      ),
    )
    .action((opts: SendOptions) =>
      ctx.run(async ({ api, out }) => {
        const parts = [...(await readParts('voice', opts.voice)), ...(await readParts('fax', opts.fax))];
        const { reply } = await api.sendMail({
          to: opts.to,
          destination: opts.call,
          source: opts.from ?? '',
          trigger: opts.trigger,
          monitorMs: opts.monitor ?? 0,
          text: opts.text ?? '',
          deliverAt: opts.at ?? '',
          scenario: opts.scenario ?? '',
          parts,
        });
        if (out.json) out.object({ type: 'mail-sent', reply });
        else out.line(reply);
      }),
    );

  mail
    .command('list')
    .description('your mailbox, oldest first')
    .action(() =>
      ctx.run(async ({ api, out }) => {
        const mails = await api.listMail();
        if (out.json) return mails.forEach((m) => out.object({ type: 'mail', ...m }));
        if (mails.length === 0) return out.note('no mail');
        table([['ID', 'FROM', 'SUBJECT', 'REQUEST'], ...mails.map((m) => [m.id, m.from, m.subject, requestWords(m)])]).forEach((line) => out.line(line));
      }),
    );

  mail
    .command('open')
    .description('show a mail; a request it carries (on-open) runs now')
    .argument('<id>', 'the mail id, as `cti mail list` printed it', parseMailId)
    .action((id: string) =>
      ctx.run(async ({ api, out }) => {
        const opened = await api.openMail(id);
        if (out.json) return out.object({ type: 'mail-opened', ...opened });
        out.line(opened.text.replace(/\r\n/g, '\n').trimEnd());
        if (opened.requestId) out.note(`ran its request ${opened.requestId} (cti wait ${opened.requestId} follows it)`);
      }),
    );
}

interface SendOptions {
  to: string;
  call: string;
  from?: string;
  trigger: string;
  monitor?: number;
  text?: string;
  at?: string;
  voice: string[];
  fax: string[];
  scenario?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** What the attachments may weigh in all: they travel in one gRPC message (ctid takes up to 256 KiB). */
const MAX_PARTS_BYTES = 192 * 1024;

const TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.au': 'audio/basic',
  '.pdf': 'application/pdf',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/** Reads --voice / --fax files; a missing, unknown or too large file is a usage error (exit 2). */
async function readParts(kind: 'voice' | 'fax', files: string[]): Promise<MailPart[]> {
  const parts: MailPart[] = [];
  for (const file of files) {
    const contentType = TYPES[extname(file).toLowerCase()];
    const fits = kind === 'voice' ? contentType?.startsWith('audio/') : contentType && !contentType.startsWith('audio/');
    if (!fits) throw new CliError('usage', `--${kind} ${file}: give ${kind === 'voice' ? 'an audio file (.wav, .mp3, .ogg, .au)' : 'a PDF or TIFF file (.pdf, .tif)'}`);
    let content: Buffer;
    try {
      // Loaded here: node:fs/promises (and the readline it loads) cost every other command's start-up.
      const { readFile } = await import('node:fs/promises');
      content = await readFile(file);
    } catch (err) {
      throw new CliError('usage', `--${kind} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    parts.push({ kind, filename: basename(file), contentType: contentType!, content });
  }
  const total = parts.reduce((sum, p) => sum + p.content.length, 0);
  if (total > MAX_PARTS_BYTES) throw new CliError('usage', `the attachments weigh ${Math.ceil(total / 1024)} KiB; cti sends at most ${MAX_PARTS_BYTES / 1024} KiB (send larger ones with a mail client, up to the office's mail.maxSize)`);
  return parts;
}

function requestWords(m: MailSummary): string {
  return m.trigger ? `${m.trigger} call ${m.destination}` : '';
}
