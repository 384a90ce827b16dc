import type { SubmissionResult } from '@conform-to/react';
import { parseForm } from './parse-form.ts';
import type { $ZodType, output } from 'zod/v4/core';
import type { TRPCError } from '@trpc/server';
import type { FormPass } from '@mfiq/api/server';
import type { PublicFormId } from '../../server/abuse/forms.ts';
import type { Verdict } from '../../server/abuse/guard.ts';
import { checkForm, refusalMessage } from '../form-guard.server.ts';
import { formErrors, serverApi, toResponse, type Caller } from '../trpc.server.ts';

type RouteArgs = Parameters<typeof serverApi>[0];

/** What an action sends back to its form: Conform's reply (field errors, form errors, the values typed). */
type FormReply = SubmissionResult<string[]>;

/** A failed outcome carries the API's error code when the procedure refused (for the page's status). */
export type FormOutcome<T> =
  | { ok: true; value: T; reply: FormReply; resHeaders: Headers }
  | { ok: false; reply: FormReply; resHeaders: Headers; apiCode?: TRPCError['code'] };

/**
 * What a person typed as a secret is never sent back to the page (the reply carries the values
 * typed, to refill the form): passwords and one-time codes.
 */
const SECRET_FIELD = /password|^code$/i;
const secretFields = (payload: Record<string, unknown>) => Object.keys(payload).filter((k) => SECRET_FIELD.test(k));

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
    /** A public form's pass from the anti-abuse checks (see submitPublicForm). */
    formPass?: FormPass;
    resetOnSuccess?: boolean;
    /** More API error codes to show on the form (a refused role change is FORBIDDEN, say). */
    alsoFormErrors?: TRPCError['code'][];
    /** Where the form's input names differ from the procedure's (a data form's `field-<id>`). */
    fieldName?: (apiField: string) => string;
  } = {},
): Promise<FormOutcome<T>> {
  const submission = parseForm(opts.formData ?? (await args.request.formData()), schema);
  const { caller, resHeaders } = await serverApi(args, opts.formPass ? { formPass: opts.formPass } : {});
  const hideFields = secretFields(submission.payload);
  if (submission.status !== 'success') return { ok: false, reply: submission.reply({ hideFields }), resHeaders };
  try {
    const value = await run(submission.value, caller, resHeaders);
    const reply = opts.resetOnSuccess ? submission.reply({ resetForm: true }) : submission.reply({ hideFields });
    return { ok: true, value, reply, resHeaders };
  } catch (error) {
    // A stale sign-in or a missing second factor is answered by a redirect, never on the form.
    const appCode = (error as { appCode?: string }).appCode;
    const redirects = appCode === 'REAUTH_REQUIRED' || appCode === 'TWO_FACTOR_REQUIRED';
    const errors = redirects ? null : formErrors(error, { also: opts.alsoFormErrors ?? [] });
    if (!errors) throw toResponse(error, args.request);
    const rename = opts.fieldName;
    const fieldErrors = rename
      ? Object.fromEntries(Object.entries(errors.fieldErrors).map(([k, v]) => [rename(k), v]))
      : errors.fieldErrors;
    return {
      ok: false,
      reply: submission.reply({ formErrors: errors.formError ? [errors.formError] : [], fieldErrors, hideFields }),
      resHeaders,
      apiCode: (error as TRPCError).code,
    };
  }
}

export type PublicFormOutcome<T> =
  FormOutcome<T> | { ok: false; refused: Exclude<Verdict, { ok: true }>; reply: FormReply; resHeaders: Headers };

/**
 * A public form (ADR 0102): the anti-abuse checks (honeypot, fill-time token, single use, rate
 * limits, CAPTCHA) run on the posted fields before anything else, and only a submission they
 * accepted reaches the procedure, with the pass for this one call. A refusal comes back with
 * `refused` (the page decides whether to pretend success) and its message as the form's error;
 * `refusalInit` gives its status and Retry-After.
 */
export async function submitPublicForm<Schema extends $ZodType, T>(
  args: RouteArgs,
  form: PublicFormId,
  schema: Schema,
  run: (value: output<Schema>, api: Caller, resHeaders: Headers) => Promise<T>,
  opts: { subject?: string; alsoFormErrors?: TRPCError['code'][]; fieldName?: (apiField: string) => string } = {},
): Promise<PublicFormOutcome<T>> {
  const formData = await args.request.formData();
  const verdict = await checkForm(args, form, formData, opts.subject);
  if (verdict.ok) return submitForm(args, schema, run, { ...opts, formData, formPass: verdict.pass });
  const submission = parseForm(formData, schema);
  const reply = submission.reply({
    formErrors: [refusalMessage(verdict)],
    hideFields: secretFields(submission.payload),
  });
  return { ok: false, refused: verdict, reply, resHeaders: new Headers() };
}
