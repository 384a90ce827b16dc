import { z } from 'zod';
import { dataFormSubmitInput } from '@mfiq/api/shared';

/** The input name of a data form's field on the public page (shared by the page and its action). */
export const fieldName = (id: string) => `field-${id}`;

// A plain decimal as people type it: optional sign, digits with an optional fraction, optional
// exponent. Spaces and thin spaces between digit groups are allowed; commas are not guessed at.
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const typedNumber = z
  .string()
  .transform((text) => text.replace(/[\s\u202f]/g, ''))
  .refine((text) => text.length <= 40 && NUMBER.test(text), 'Enter a number, like 1250 or 3.5')
  .transform(Number);

/**
 * A public data form as people fill it: one text input per field (blank ones are skipped), turned
 * into the procedure's `values` list and checked by the procedure's own schema (range checks stay
 * the procedure's: one rule for every way in). The page and its action build it from the same
 * field list, so the browser and the server give the same messages.
 */
export function dataFormSchema(fieldIds: readonly string[]) {
  const typed: Record<string, z.ZodOptional<typeof typedNumber>> = Object.fromEntries(
    fieldIds.map((id) => [fieldName(id), typedNumber.optional()]),
  );
  return z
    .object({ date: dataFormSubmitInput.shape.date, ...typed })
    .transform(({ date, ...answers }) => ({
      ...(date ? { date } : {}),
      values: fieldIds.flatMap((fieldId) => {
        const value: unknown = Reflect.get(answers, fieldName(fieldId));
        return typeof value === 'number' ? [{ fieldId, value }] : [];
      }),
    }))
    .refine((v) => v.values.length > 0, 'Enter at least one value.')
    .pipe(dataFormSubmitInput.omit({ token: true }));
}
