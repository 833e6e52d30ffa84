// A numbering plan maps an office's extensions to external numbers and back
// (the source text's phone number conversion data, FIG. 8 and FIG. 18).
// Entries are patterns: `x` matches one digit and maps to the same digit in
// the other column; the first matching entry wins (interfaces.md, config).

export interface NumberingEntry {
  extension: string;
  external: string;
}

interface CompiledEntry {
  extension: string;
  external: string;
}

/** Keeps digits and `x`: `044-123-40xx` -> `04412340xx`. */
function compact(pattern: string): string {
  return pattern.replace(/[^\dx]/g, '');
}

function matches(pattern: string, digits: string): boolean {
  if (pattern.length !== digits.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== 'x' && pattern[i] !== digits[i]) return false;
  }
  return true;
}

/** Fills the x's of `to` with the digits that stood at the x's of `from`. */
function carry(from: string, digits: string, to: string): string {
  const wild = [...from].flatMap((ch, i) => (ch === 'x' ? [digits[i]!] : []));
  let k = 0;
  return [...to].map((ch) => (ch === 'x' ? (wild[k++] ?? '0') : ch)).join('');
}

export class NumberingPlan {
  private readonly entries: CompiledEntry[];

  constructor(entries: readonly NumberingEntry[]) {
    this.entries = entries.map((e, i) => {
      const extension = compact(e.extension);
      const external = compact(e.external);
      const count = (s: string) => [...s].filter((c) => c === 'x').length;
      if (count(extension) !== count(external)) {
        throw new RangeError(`numbering.${i}: ${e.extension} and ${e.external} must have the same number of x's`);
      }
      return { extension, external };
    });
  }

  /** The external number (national digits) of an extension, if the plan gives one. */
  toExternal(extension: string): string | undefined {
    const e = this.entries.find((entry) => matches(entry.extension, extension));
    return e && carry(e.extension, extension, e.external);
  }

  /** The extension an external number (national digits) reaches, if any. */
  toExtension(external: string): string | undefined {
    const e = this.entries.find((entry) => matches(entry.external, external));
    return e && carry(e.external, external, e.extension);
  }

  /** The office's main number: the first entry without wildcards, else the first entry's. */
  get mainNumber(): string | undefined {
    const fixed = this.entries.find((e) => !e.external.includes('x'));
    return fixed?.external ?? (this.entries[0] && this.entries[0].external.replace(/x/g, '0'));
  }
}
