import { parseWithZod } from '@conform-to/zod/v4';
import { safeParse, type $ZodErrorMap, type $ZodType } from 'zod/v4/core';

/**
 * Conform hands a field left blank to the schema as undefined, so a required text field would fail
 * with zod's type message ("expected string, received undefined"). Such a field gets what its
 * schema says of an empty value instead ("Name is required"), the message the API gives for "".
 */
const blankFieldMessage: $ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type' || issue.input !== undefined || !issue.inst) return undefined;
  const empty = safeParse(issue.inst as $ZodType, '');
  const said = empty.success ? undefined : empty.error.issues.find((i) => i.code !== 'invalid_type')?.message;
  return said ?? 'This field is required.';
};

/** A posted form parsed by a procedure's input schema, in the browser and in the action alike. */
export function parseForm<Schema extends $ZodType>(formData: FormData | URLSearchParams, schema: Schema) {
  return parseWithZod(formData, { schema, error: blankFieldMessage });
}
