// Where the CLI writes (style.md section 3; tailscale's docs/cli.md): stdout
// carries the answer (results, ids, listings, --json lines), stderr the
// progress for people and errors. Without a TTY every line is plain and
// final; on a TTY the current progress line is redrawn each second (time
// left) and words are coloured unless NO_COLOR is set. Colour only ever
// repeats what the words say.

export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
}

const PLAIN: Style = { ok: (t) => t, bad: (t) => t, warn: (t) => t, dim: (t) => t };

export interface Output {
  readonly json: boolean;
  /** Styles for text bound for stdout and for stderr (plain where that stream is no TTY). */
  readonly style: { out: Style; err: Style };
  /** A line of the answer, on stdout. */
  line(text: string): void;
  /** --json: one object on one line, on stdout. */
  object(value: object): void;
  /** Progress for people, on stderr. On a TTY it stays live (redrawn each second) until the next one. */
  progress(render: () => string): void;
  /** A remark for people, on stderr (never part of the answer). */
  note(text: string): void;
  /** Finishes a live progress line, so what follows starts on a line of its own. */
  endProgress(): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

const REDRAW_MS = 1000;

export async function createOutput(json: boolean, streams: OutputStreams = process): Promise<Output> {
  const { stdout, stderr, env } = streams;
  // no-color.org: set and not empty disables colour.
  const colour = (stream: { isTTY?: boolean }) => stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  // chalk is loaded only when a terminal will show colour: scripts never pay for it.
  const chalk = colour(stdout) || colour(stderr) ? new (await import('chalk')).Chalk({ level: 1 }) : undefined;
  const styled: Style | undefined = chalk && { ok: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim };
  const live = stderr.isTTY === true;
  let timer: NodeJS.Timeout | undefined;

  const endProgress = (): void => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    stderr.write('\n');
  };

  return {
    json,
    style: { out: (colour(stdout) && styled) || PLAIN, err: (colour(stderr) && styled) || PLAIN },
    line: (text) => {
      endProgress();
      stdout.write(`${text}\n`);
    },
    object: (value) => {
      endProgress();
      stdout.write(`${JSON.stringify(value)}\n`);
    },
    progress: (render) => {
      endProgress();
      if (!live) {
        stderr.write(`${render()}\n`);
        return;
      }
      // Progress lines are short (well under a terminal's width), so \r and erase-line redraw all of it.
      const draw = () => stderr.write(`\r\x1b[2K${render()}`);
      draw();
      timer = setInterval(draw, REDRAW_MS);
      timer.unref();
    },
    note: (text) => {
      endProgress();
      stderr.write(`${text}\n`);
    },
    endProgress,
  };
}
