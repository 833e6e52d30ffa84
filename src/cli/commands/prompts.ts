// `cti prompts [--watch]`: consent prompts for your extensions (FIG. 49-50);
// with --watch the open ones first, then each that opens or closes, from
// one stream (WatchPrompts). `cti accept ID` / `cti reject ID` answer one
// (FIG. 51); a transfer prompt (FIG. 57) is accepted with `--to N` (the Nth
// destination, default the first) or `--here` (ring the extension).

import type { Command } from 'commander';
import type { Prompt, PromptUpdate } from '../../gen/cti/v1/cti.js';
import { promptObject, promptText } from '../format.js';
import { examples } from '../help.js';
import { parseChoice, parseRequestId } from '../input.js';
import { forEachMessage, untilInterrupted } from '../interrupts.js';
import type { Output } from '../output.js';
import type { CliContext } from '../session.js';

export function registerPrompts(program: Command, ctx: CliContext): void {
  program
    .command('prompts')
    .description('consent prompts for your extensions: someone asks to join or barge in on your call')
    .option('--watch', 'after the open prompts, print a line for each new or closed one until interrupted')
    .addHelpText('after', examples(['cti prompts', 'who asks, for which call, time left'], ['cti prompts --watch --json', 'one JSON object per prompt, then one per change']))
    .action((opts: { watch?: boolean }) =>
      ctx.run(async ({ api, out }) => {
        if (!opts.watch) {
          const prompts = await api.prompts();
          prompts.forEach((prompt) => print(out, prompt));
          if (prompts.length === 0 && !out.json) out.note('no prompts');
          return;
        }
        await untilInterrupted(async (signal) => {
          await forEachMessage<PromptUpdate>(api.watchPrompts(), signal, ({ prompt }) => {
            if (prompt) print(out, prompt);
          });
        });
      }),
    );

  program
    .command('accept')
    .description('accept a prompt: the join or barge-in goes ahead; a waiting call goes to a destination or rings here')
    .argument('<id>', 'the prompt id, as `cti prompts` printed it', parseRequestId)
    .option('--to <n>', "transfer prompts: send the call to the prompt's Nth destination (default 1)", parseChoice)
    .option('--here', 'transfer prompts: ring the extension itself')
    .addHelpText(
      'after',
      examples(['cti accept a-3f9c0d2e41b7a856', 'accept that prompt'], ['cti accept a-3f9c0d2e41b7a856 --to 2', "a transfer prompt: the call goes to its second destination"]),
    )
    .action((id: string, opts: { to?: number; here?: boolean }) => answer(ctx, id, { accept: true, ...opts }));
  program
    .command('reject')
    .description('reject a prompt: the requester hears "rejected"; a waiting call is refused')
    .argument('<id>', 'the prompt id, as `cti prompts` printed it', parseRequestId)
    .addHelpText('after', examples(['cti reject a-3f9c0d2e41b7a856', 'reject that prompt']))
    .action((id: string) => answer(ctx, id, { accept: false }));
}

function answer(ctx: CliContext, id: string, reply: { accept: boolean; to?: number; here?: boolean }): Promise<void> {
  return ctx.run(async ({ api, out }) => {
    const prompt = await api.answerPrompt({ id, accept: reply.accept, to: reply.to ?? 0, here: reply.here ?? false });
    if (out.json) out.object(promptObject(prompt));
    else out.line(`${prompt.state}: ${prompt.kind} ${prompt.extension} from ${prompt.from}`);
  });
}

function print(out: Output, prompt: Prompt): void {
  if (out.json) out.object(promptObject(prompt));
  else out.line(promptText(prompt, Date.now()));
}
