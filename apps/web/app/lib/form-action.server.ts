import type { SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import type { $ZodType, output } from 'zod/v4/core';
import type { TRPCError } from '@trpc/server';
import { formErrors, serverApi, toResponse, type Caller } from '../trpc.server.ts';

type RouteArgs = Parameters<typeof serverApi>[0];

/** What an action sends back to its form: Conform's reply (field errors, form errors, the values typed). */
type FormReply = SubmissionResult<string[]>;

export type FormOutcome<T> =
  { ok: true; value: T; reply: FormReply; resHeaders: Headers } | { ok: false; reply: FormReply; resHeaders: Headers };

/**
 * The one way an action handles a form: the posted fields are parsed by the procedure's own zod
 * schema (Conform turns strings into numbers, booleans and arrays as the schema asks), then `run`
 * calls the procedure with the typed value. Invalid input, and API errors a person can fix (bad
 * input, conflicts, rate limits, a wrong password), come back as the form's errors; anything else
 * becomes the page's error response (sign-in, 403, 404, 500).
 */
export async function submitForm<Schema extends $ZodType, T>(
  args: RouteArgs,
  schema: Schema,
  run: (value: output<Schema>, api: Caller, resHeaders: Headers) => Promise<T>,
  opts: {
    formData?: FormData;
    resetOnSuccess?: boolean;
    /** More API error codes to show on the form (a refused role change is FORBIDDEN, say). */
    alsoFormErrors?: TRPCError['code'][];
  } = {},
): Promise<FormOutcome<T>> {
  const submission = parseWithZod(opts.formData ?? (await args.request.formData()), { schema });
  const { caller, resHeaders } = await serverApi(args);
  if (submission.status !== 'success') return { ok: false, reply: submission.reply(), resHeaders };
  try {
    const value = await run(submission.value, caller, resHeaders);
    return { ok: true, value, reply: submission.reply({ resetForm: opts.resetOnSuccess ?? false }), resHeaders };
  } catch (error) {
    // A stale sign-in or a missing second factor is answered by a redirect, never on the form.
    const appCode = (error as { appCode?: string }).appCode;
    const redirects = appCode === 'REAUTH_REQUIRED' || appCode === 'TWO_FACTOR_REQUIRED';
    const errors = redirects ? null : formErrors(error, { also: opts.alsoFormErrors ?? [] });
    if (!errors) throw toResponse(error, args.request);
    return {
      ok: false,
      reply: submission.reply({
        formErrors: errors.formError ? [errors.formError] : [],
        fieldErrors: errors.fieldErrors,
      }),
      resHeaders,
    };
  }
}
