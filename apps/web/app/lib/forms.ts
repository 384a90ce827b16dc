import { useForm, type FieldMetadata, type SubmissionResult } from '@conform-to/react';
import { parseForm } from './parse-form.ts';
import type { $ZodType, input, output } from 'zod/v4/core';

type FormShape<Schema extends $ZodType> = input<Schema> extends Record<string, unknown> ? input<Schema> : never;

/**
 * A page's form bound to the procedure's input schema (from @mfiq/api/shared). The browser checks
 * the fields with that schema before sending (the same messages the server gives), the action
 * parses them with it again (lib/form-action.server.ts), and the server's reply (field errors, form
 * errors, the values typed) is `lastResult`. Without JavaScript the form posts as plain HTML and
 * the reply renders on the server, so every form also works before hydration.
 */
export function useApiForm<Schema extends $ZodType>(
  schema: Schema,
  opts: {
    id: string;
    lastResult?: SubmissionResult<string[]> | null | undefined;
    defaultValue?: Partial<Record<keyof FormShape<Schema>, unknown>>;
  },
) {
  return useForm<FormShape<Schema>, output<Schema>>({
    id: opts.id,
    lastResult: opts.lastResult ?? null,
    ...(opts.defaultValue ? { defaultValue: opts.defaultValue as never } : {}),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
    onValidate: ({ formData }) => parseForm(formData, schema),
  });
}

/** The props a TextField/SelectField/TextAreaField takes from a Conform field: name, errors, initial value. */
export function fieldProps<Value, Shape extends Record<string, unknown>>(field: FieldMetadata<Value, Shape, string[]>) {
  const initial = field.initialValue;
  // A list field's errors sit on its items (`tags[2]`); the field shows them all.
  const nested = Object.values(field.allErrors).flat();
  return {
    name: field.name,
    errors: field.errors ?? (nested.length ? nested : undefined),
    defaultValue: typeof initial === 'string' ? initial : Array.isArray(initial) ? initial.join(', ') : undefined,
  };
}
