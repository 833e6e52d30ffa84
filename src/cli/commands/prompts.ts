// `cti prompts [--watch]`: consent prompts for your extensions (FIG. 49-50);
// with --watch the open ones first, then each that opens or closes, from
// one stream (WatchPrompts). `cti accept ID` / `cti reject ID` answer one
// (FIG. 51).

import type { Command } from 'commander';
import type { Prompt, PromptUpdate } from '../../gen/cti/v1/cti.js';
import { promptObject, promptText } from '../format.js';
import { examples } from '../help.js';
import { parseRequestId } from '../input.js';
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

  for (const [verb, accept] of [['accept', true], ['reject', false]] as const) {
    program
      .command(verb)
      .description(`${verb} a prompt: ${accept ? 'the join or barge-in goes ahead' : 'the requester hears "rejected"'}`)
      .argument('<id>', 'the prompt id, as `cti prompts` printed it', parseRequestId)
      .addHelpText('after', examples([`cti ${verb} a-3f9c0d2e41b7a856`, `${verb} that prompt`]))
      .action((id: string) =>
        ctx.run(async ({ api, out }) => {
          const prompt = await api.answerPrompt(id, accept);
          if (out.json) out.object(promptObject(prompt));
          else out.line(`${prompt.state}: ${prompt.kind} ${prompt.extension} from ${prompt.from}`);
        }),
      );
  }
}

function print(out: Output, prompt: Prompt): void {
  if (out.json) out.object(promptObject(prompt));
  else out.line(promptText(prompt, Date.now()));
}
