// `cti mail send|list|open`: requests by mail without a mail client. `send`
// composes a mail with the exchange information and hands it to ctid, which
// puts it through its own mail path as you (so cti needs no SMTP settings);
// `list` shows your mailbox; `open ID` shows a mail and runs the request it
// carries (on-open), as POP3's RETR does.

import { Option, type Command } from 'commander';
import type { MailSummary } from '../../gen/cti/v1/cti.js';
import { table } from '../format.js';
import { examples } from '../help.js';
import { parseDurationMs, parseExtension, parseMailAddress, parseMailId, parseNumber } from '../input.js';
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
    .option('--text <text>', 'a message for the recipient')
    .addHelpText(
      'after',
      examples(
        ['cti mail send --to carol@a.example --call 2000 --text "please call 2000"', 'runs when carol opens it'],
        ['cti mail send --to bob@a.example --call 044-222-3333 --trigger on-receipt --monitor 1h', 'runs at once, camping on for up to an hour'],
      ),
    )
    .action((opts: { to: string; call: string; from?: string; trigger: string; monitor?: number; text?: string }) =>
      ctx.run(async ({ api, out }) => {
        const { reply } = await api.sendMail({ to: opts.to, destination: opts.call, source: opts.from ?? '', trigger: opts.trigger, monitorMs: opts.monitor ?? 0, text: opts.text ?? '' });
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

function requestWords(m: MailSummary): string {
  return m.trigger ? `${m.trigger} call ${m.destination}` : '';
}
