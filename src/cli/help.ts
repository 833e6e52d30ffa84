// The examples every command shows under --help (the issue: "`--help` for
// each command shows an example").

export function examples(...lines: [command: string, what: string][]): string {
  return `\nExamples:\n${lines.map(([command, what]) => `  $ ${command}\n      ${what}`).join('\n')}\n`;
}
