// The dial policy (MISSION.md "Across every service": transfer destinations
// obey a dial policy): which numbers this office lets its users send calls
// to. A rule is a category (`international`: a country other than the
// office's; `premium-rate`: what libphonenumber classifies as premium rate,
// in any country) or a number prefix (digits, formatting allowed, matched
// against what the switch dials). A destination is barred when a `bar` rule
// matches and no `allow` rule does: `allow` names the exceptions.

// The full metadata (number types) only here: the rest of the core needs no more than the minimal set.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { CtiError } from './errors.js';
import { internationalPrefix } from './numbers.js';

export const CATEGORIES = ['international', 'premium-rate'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface DialPolicyRules {
  bar: string[];
  allow: string[];
}

/** Bar international and premium-rate numbers unless the config says otherwise. */
export const DEFAULT_DIAL_POLICY: DialPolicyRules = { bar: ['international', 'premium-rate'], allow: [] };

type Rule = { text: string; category: Category } | { text: string; prefix: string };

export class DialPolicy {
  private readonly bar: Rule[];
  private readonly allow: Rule[];

  /** The digits the switch dials for an international call (`010` in Japan). */
  private readonly internationalPrefix: string;

  constructor(
    rules: DialPolicyRules,
    private readonly country: CountryCode,
  ) {
    this.bar = rules.bar.map(parseRule);
    this.allow = rules.allow.map(parseRule);
    this.internationalPrefix = internationalPrefix(country);
  }

  /** The rule that bars `number` (as the user gave it; `dial`: what the switch dials), or undefined when it may be dialled. */
  barredBy(number: string, dial: string): string | undefined {
    const matches = (rule: Rule) => ('prefix' in rule ? dial.startsWith(rule.prefix) : this.is(rule.category, number, dial));
    if (this.allow.some(matches)) return undefined;
    return this.bar.find(matches)?.text;
  }

  /** Throws CtiError `barred` naming the rule. */
  check(number: string, dial: string): void {
    const rule = this.barredBy(number, dial);
    if (rule) throw new CtiError('permission-denied', `${number} is barred by the dial policy (rule "${rule}")`, 'barred');
  }

  private is(category: Category, number: string, dial: string): boolean {
    if (category === 'international') return dial.startsWith(this.internationalPrefix);
    const parsed = parsePhoneNumberFromString(number.trim(), this.country);
    return parsed?.getType() === 'PREMIUM_RATE';
  }
}

function parseRule(text: string): Rule {
  if ((CATEGORIES as readonly string[]).includes(text)) return { text, category: text as Category };
  const prefix = text.replace(/[\s\-().]/g, '');
  if (!/^\d{1,20}$/.test(prefix)) throw new CtiError('invalid-argument', `dial policy rule "${text}" must be ${CATEGORIES.join(' or ')}, or a number prefix`);
  return { text, prefix };
}
