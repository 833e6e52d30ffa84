// The small forms of the dashboard (camp-on, call, join, barge-in, transfer):
// their fields, validation as the user types (the same parsers as the
// one-shot commands, so an error reads the same), and what is sent to ctid.

import type { SubmitRequest } from '../../gen/cti/v1/cti.js';
import { parseDisplayName, parseDurationMs, parseExtension, parseNumber } from '../input.js';
import { submission } from '../submission.js';
import type { FormField, FormKind, FormState } from './model.js';

export const FORM_TITLES: Record<FormKind, string> = {
  'camp-on': 'New camp-on',
  call: 'New call',
  join: 'Join a call',
  'barge-in': 'Barge in on a call',
  transfer: 'Transfer an extension',
};

export function newForm(kind: FormKind, from: string): FormState {
  const field = (name: FormField['name'], label: string, value = ''): FormField => ({ name, label, value });
  const fields =
    kind === 'transfer'
      ? [field('extension', 'Extension', from), field('to', 'To (numbers, comma-separated)'), field('confirm', 'Ask me first (y/n)', 'n')]
      : [
          field('number', 'Number'),
          field('from', 'From', from),
          ...(kind === 'camp-on' ? [field('window', 'Window', '30m')] : []),
          ...(kind === 'join' || kind === 'barge-in' ? [field('as', 'Shown as (default: your name)')] : []),
        ];
  return { kind, fields: fields.map(validate), field: 0, sending: false };
}

/** The field with `error` set when its value is not acceptable (empty optional fields are). */
export function validate(field: FormField): FormField {
  const value = field.value.trim();
  const check = (): string | undefined => {
    if (!value) return field.name === 'number' || field.name === 'to' || field.name === 'extension' ? 'required' : undefined;
    try {
      if (field.name === 'number') parseNumber(value);
      else if (field.name === 'from') parseExtension(value);
      else if (field.name === 'extension') parseNumber(value); // another office's number is set there (route table)
      else if (field.name === 'window') parseDurationMs(value);
      else if (field.name === 'as') parseDisplayName(value);
      else if (field.name === 'confirm') return /^(y|yes|n|no)$/i.test(value) ? undefined : 'y or n';
      else value.split(',').forEach((n) => parseNumber(n));
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const error = check();
  return error === undefined ? { name: field.name, label: field.label, value: field.value } : { ...field, error };
}

export function typed(form: FormState, text: string): FormState {
  return edit(form, (value) => value + text);
}

export function erased(form: FormState): FormState {
  return edit(form, (value) => value.slice(0, -1));
}

export const isComplete = (form: FormState): boolean => form.fields.every((f) => f.error === undefined);

const valueOf = (form: FormState, name: FormField['name']): string => form.fields.find((f) => f.name === name)?.value.trim() ?? '';

/** A request form as Submit's message. */
export function requestOf(form: FormState): SubmitRequest {
  const window = valueOf(form, 'window');
  const as = valueOf(form, 'as');
  return submission({ kind: form.kind, destination: valueOf(form, 'number'), source: valueOf(form, 'from'), windowMs: window ? parseDurationMs(window) : 0, ...(as ? { display: as } : {}) });
}

/** A transfer form as SetTransfer's arguments. */
export function transferEntry(form: FormState): { extension: string; destinations: string[]; confirm: boolean } {
  return {
    extension: valueOf(form, 'extension'),
    confirm: /^y/i.test(valueOf(form, 'confirm')),
    destinations: valueOf(form, 'to')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  };
}

function edit(form: FormState, change: (value: string) => string): FormState {
  const fields = form.fields.map((f, i) => (i === form.field ? validate({ ...f, value: change(f.value) }) : f));
  return { ...form, fields };
}
