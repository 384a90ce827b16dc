import { createHash } from 'node:crypto';
import { fieldName } from './data-form-fields.ts';

// A plain decimal as people type it: optional sign, digits with an optional fraction, optional
// exponent. Spaces and thin spaces between digit groups are allowed; commas are not guessed at.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export type ParsedValues =
  | { ok: true; values: { fieldId: string; value: number }[] }
  | { ok: false; fieldErrors: Record<string, string[]>; formError: string | null };

/**
 * Reads the submitted values of a data form's fields: blank fields are skipped, text that is not a
 * number is refused next to its field. Range checks are the procedure's (one rule for every way in).
 */
export function parseValues(form: FormData, fieldIds: string[]): ParsedValues {
  const values: { fieldId: string; value: number }[] = [];
  const fieldErrors: Record<string, string[]> = {};
  for (const id of fieldIds) {
    const raw = form.get(fieldName(id));
    const text = typeof raw === 'string' ? raw.replace(/[\s\u202f]/g, '') : '';
    if (text === '') continue;
    if (text.length > 40 || !NUMBER.test(text)) {
      fieldErrors[fieldName(id)] = ['Enter a number, like 1250 or 3.5'];
      continue;
    }
    values.push({ fieldId: id, value: Number(text) });
  }
  if (Object.keys(fieldErrors).length) return { ok: false, fieldErrors, formError: null };
  if (!values.length) return { ok: false, fieldErrors: {}, formError: 'Enter at least one value.' };
  return { ok: true, values };
}

/** The per-form rate-limit subject of a live link: its hash, never the token itself. */
export function linkSubject(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}
