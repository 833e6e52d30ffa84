// From a mail's parts to the scenario its request runs (FIG. 41-43;
// interfaces.md "Requests by mail"). Parts are numbered by kind in the
// order they appear: `voice N` the audio attachments, `fax N` the PDF and
// TIFF ones, `text 1` the body after the fields and `text N` further
// text/plain parts. A scenario naming a part the mail lacks is refused
// with the field named. Without CTI-Scenario, a mail with voice or FAX
// parts runs them in the default order: the text shown, the first voice
// message played and the FAXes sent at once, further voice messages one
// after another, then the connection; a mail without them is a plain call.

import type { ScenarioAction } from '../core/request.js';
import { ExchangeInfoError, type ExchangeInfo, type PartRef, type StepAction } from './exchange-info.js';
import type { MediaPart, MediaStore } from './media.js';

export interface MailParts {
  voice: MediaPart[];
  fax: MediaPart[];
  text: string[];
}

/** The parts of a parsed mail (mailparser's attachments), by kind. */
export function partsOf(bodyText: string, attachments: readonly { contentType: string; filename?: string | undefined; content: Buffer }[]): MailParts {
  const parts: MailParts = { voice: [], fax: [], text: [bodyText] };
  for (const a of attachments) {
    const type = a.contentType.toLowerCase();
    const part = { filename: a.filename ?? '', content: a.content };
    if (type.startsWith('audio/')) parts.voice.push(part);
    else if (type === 'application/pdf' || type === 'image/tiff' || type === 'image/tif') parts.fax.push(part);
    else if (type === 'text/plain') parts.text.push(a.content.toString('utf8'));
  }
  return parts;
}

/** The steps the mail's request runs: its CTI-Scenario, checked against the parts, or the default order; undefined for a plain call. */
export function stepsOf(info: ExchangeInfo, parts: MailParts): StepAction[][] | undefined {
  if (info.scenario) {
    for (const action of info.scenario.flat()) {
      if (!('part' in action)) continue;
      const have = parts[action.part.kind].length;
      if (action.part.n > have) {
        throw new ExchangeInfoError('CTI-Scenario', `${action.part.kind} ${action.part.n}: the mail has ${have} ${action.part.kind} part${have === 1 ? '' : 's'}`);
      }
    }
    return info.scenario;
  }
  if (parts.voice.length === 0 && parts.fax.length === 0) return undefined;
  const ref = (kind: PartRef['kind'], n: number): PartRef => ({ kind, n });
  const first: StepAction[] = [
    ...(parts.text[0]?.trim() ? [{ do: 'show', part: ref('text', 1) } as const] : []),
    ...(parts.voice.length > 0 ? [{ do: 'play', part: ref('voice', 1) } as const] : []),
    ...parts.fax.map((_, i) => ({ do: 'fax', part: ref('fax', i + 1) }) as const),
  ];
  const more = parts.voice.slice(1).map((_, i): StepAction[] => [{ do: 'play', part: ref('voice', i + 2) }]);
  return [first, ...more, [{ do: 'connect' }]];
}

/** The steps with their parts resolved: voice and FAX parts stored (media), texts inlined. */
export async function resolveSteps(steps: StepAction[][], parts: MailParts, media: MediaStore): Promise<ScenarioAction[][]> {
  const label = (p: PartRef) => `${p.kind} ${p.n}`;
  const stored = (p: PartRef) => media.save(parts[p.kind === 'voice' ? 'voice' : 'fax'][p.n - 1]!, `${p.kind}-${p.n}${p.kind === 'voice' ? '.wav' : '.pdf'}`);
  return Promise.all(
    steps.map((step) =>
      Promise.all(
        step.map(async (a): Promise<ScenarioAction> => {
          switch (a.do) {
            case 'play':
              return { do: 'play', part: label(a.part), media: await stored(a.part) };
            case 'fax':
              return { do: 'fax', part: label(a.part), media: await stored(a.part) };
            case 'show':
              return { do: 'show', part: label(a.part), text: parts.text[a.part.n - 1]!.slice(0, 4000) };
            default:
              return a;
          }
        }),
      ),
    ),
  );
}
