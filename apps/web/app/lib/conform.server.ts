import type { SubmissionResult } from '@conform-to/react';
import { formErrors } from '../trpc.server.ts';

interface Replyable {
  reply(options?: {
    formErrors?: string[];
    fieldErrors?: Record<string, string[]>;
    resetForm?: boolean;
  }): SubmissionResult;
}

/**
 * A Conform submission's answer for a refused procedure call: the API's field messages on their
 * fields and its message above the form. Null when the error is not one a form shows (the caller
 * then turns it into the page's error response).
 */
export function replyWithApiError(submission: Replyable, error: unknown): SubmissionResult | null {
  const errors = formErrors(error);
  if (!errors) return null;
  return submission.reply({
    formErrors: errors.formError ? [errors.formError] : [],
    fieldErrors: errors.fieldErrors,
  });
}
