// Plain-text tables for people: columns padded to their widest cell, no
// colour (meaning never rests on colour; pipes get the same text).

/** HEADER row in upper case, then the rows; trailing spaces trimmed. */
export function table(header: string[], rows: string[][]): string {
  const all = [header.map((h) => h.toUpperCase()), ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

/** A table, or a sentence saying there is nothing to show. */
export function tableOr(empty: string, header: string[], rows: string[][]): string {
  return rows.length === 0 ? empty : table(header, rows);
}
