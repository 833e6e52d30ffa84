// Numbers as users write them -> what this office's switch dials (FIG. 8
// conversion at the office whose switch must understand the number).
// Extensions are short digit strings not starting with the trunk prefix 0;
// anything else is a phone number in any usual form (`044-222-3333`,
// `0442223333`, `+81 44 222 3333`), normalized with the office's country.

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { NumberingPlan } from '../../common/numbering.js';
import { CtiError } from './errors.js';
import type { NetworkType } from './request.js';

export interface ResolvedNumber {
  /** What the switch dials: an extension, or national digits. */
  dial: string;
  /** Whether `dial` is an extension of this office. */
  own: boolean;
  network: NetworkType;
}

/** International call prefixes where they differ from the common `00`. */
const INTERNATIONAL_PREFIX: Partial<Record<CountryCode, string>> = { JP: '010', US: '011', CA: '011' };

/** The digits a switch in `country` dials before a country code. */
export function internationalPrefix(country: CountryCode): string {
  return INTERNATIONAL_PREFIX[country] ?? '00';
}

const EXTENSION = /^[1-9]\d{0,5}$/;
const NUMBER_CHARS = /^\+?[\d\s\-().]{1,32}$/;

export class NumberResolver {
  constructor(
    private readonly numbering: NumberingPlan,
    private readonly country: CountryCode,
  ) {}

  resolve(input: string): ResolvedNumber {
    const text = input.trim();
    if (!NUMBER_CHARS.test(text)) {
      throw new CtiError('invalid-argument', `"${printable(input)}" is not a phone number: use digits and the usual formatting (044-222-3333, +81 44 222 3333) or an extension`, 'invalid-number');
    }
    const digits = text.replace(/\D/g, '');
    if (!text.startsWith('+') && EXTENSION.test(digits)) return { dial: digits, own: true, network: 'station' };
    const national = this.nationalDigits(text);
    const extension = this.numbering.toExtension(national);
    if (extension !== undefined) return { dial: extension, own: true, network: 'station' };
    return { dial: national, own: false, network: 'public' };
  }

  /** An extension's external number (national digits), if the numbering plan gives one. */
  externalOf(extension: string): string | undefined {
    return this.numbering.toExternal(extension);
  }

  /** The digits this office dials for an external number. */
  private nationalDigits(text: string): string {
    const parsed = parsePhoneNumberFromString(text, this.country);
    if (!parsed || !parsed.isPossible()) throw new CtiError('invalid-argument', `"${text}" is not a possible phone number in ${this.country}`, 'invalid-number');
    if (parsed.country === this.country || (!parsed.country && text.startsWith('0'))) return parsed.formatNational().replace(/\D/g, '');
    return `${internationalPrefix(this.country)}${parsed.countryCallingCode}${parsed.nationalNumber}`;
  }
}

/** Shows control characters in an error message instead of printing them. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 64);
}
