import { data, redirect, type AppLoadContext } from '@remix-run/node';
import { TRPCError } from '@trpc/server';
import type { Context, createCaller, FormPass } from '@mfiq/api/server';
import './load-context.ts';

export type Caller = ReturnType<typeof createCaller>;

interface RouteArgs {
  request: Request;
  context: AppLoadContext;
}

/**
 * The one place a Remix loader or action reaches the API: a server-side caller built from the
 * request, exactly as /api/trpc builds its context. `resHeaders` collects what procedures set
 * (Set-Cookie on sign-in and sign-out); an action copies it into its response. A public form's
 * action passes the form pass its anti-abuse check returned (checkForm): without it, the form's
 * procedure refuses to run.
 */
export async function serverApi(
  { request, context }: RouteArgs,
  opts: { formPass?: FormPass } = {},
): Promise<{ caller: Caller; resHeaders: Headers }> {
  let ctx = contexts.get(context);
  if (!ctx) {
    ctx = context.api.createContext({ req: request, resHeaders: new Headers(), clientIp: context.request.clientIp });
    contexts.set(context, ctx);
  }
  const shared = await ctx;
  // A form pass is for this one call: the shared context never carries it.
  const caller = context.api.createCaller(opts.formPass ? { ...shared, formPass: opts.formPass } : shared);
  return { caller, resHeaders: shared.resHeaders };
}

/**
 * One API context per HTTP request (Remix hands every loader and action of a request the same load
 * context), so a page's loaders share one session read (ADR 0081).
 */
const contexts = new WeakMap<AppLoadContext, Promise<Context>>();

/** Runs procedures; API errors become the HTTP answers a page gives (see toResponse). */
export async function callApi<T>(args: RouteArgs, fn: (caller: Caller) => Promise<T>): Promise<T> {
  const { caller } = await serverApi(args);
  try {
    return await fn(caller);
  } catch (error) {
    throw toResponse(error, args.request);
  }
}

/** Runs a procedure and returns null when the visitor is signed out (for pages that work both ways). */
export async function callIfSignedIn<T>(args: RouteArgs, fn: (caller: Caller) => Promise<T>): Promise<T | null> {
  const { caller } = await serverApi(args);
  try {
    return await fn(caller);
  } catch (error) {
    if (isTrpcError(error) && error.code === 'UNAUTHORIZED') return null;
    throw toResponse(error, args.request);
  }
}

export function isTrpcError(error: unknown): error is TRPCError {
  return (
    error instanceof TRPCError ||
    (error instanceof Error && (error.name === 'TRPCError' || error.name === 'AppError') && 'code' in error)
  );
}

/**
 * Maps an API error to what a page answers: signed out -> the sign-in page (and back here after),
 * not a member -> 404 (never reveal that the organization exists), missing permission -> 403.
 * Anything else is rethrown and ends in the 500 boundary, logged by the server.
 */
export function toResponse(error: unknown, request: Request): unknown {
  if (!isTrpcError(error)) return error;
  const appCode = (error as { appCode?: string }).appCode;
  // Signed in, but a sensitive change needs a fresh sign-in, or the organization requires two-factor.
  if (appCode === 'REAUTH_REQUIRED') return redirect(`/account/confirm?next=${encodeURIComponent(pathOf(request))}`);
  if (appCode === 'TWO_FACTOR_REQUIRED') return redirect('/account/two-factor?required=1');
  switch (error.code) {
    case 'UNAUTHORIZED':
      return redirect(loginUrl(request));
    case 'NOT_FOUND':
      return data({ message: 'Page not found' }, { status: 404, statusText: 'Not Found' });
    case 'FORBIDDEN':
      return data({ message: error.message }, { status: 403, statusText: 'Forbidden' });
    case 'TOO_MANY_REQUESTS':
      return data({ message: error.message }, { status: 429, statusText: 'Too Many Requests' });
    case 'BAD_REQUEST':
      return data({ message: error.message }, { status: 400, statusText: 'Bad Request' });
    default:
      return error;
  }
}

function pathOf(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

function loginUrl(request: Request): string {
  const url = new URL(request.url);
  const next = `${url.pathname}${url.search}`;
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

export interface FormErrors {
  formError: string | null;
  fieldErrors: Record<string, string[]>;
}

/**
 * Errors a form shows next to its inputs: invalid input (zod issues or a domain error's field
 * messages), conflicts, rate limits and a failed sign-in. Other errors are not form errors: null.
 */
export function formErrors(error: unknown, opts: { also?: TRPCError['code'][] } = {}): FormErrors | null {
  if (!isTrpcError(error)) return null;
  const codes = ['BAD_REQUEST', 'CONFLICT', 'TOO_MANY_REQUESTS', 'UNAUTHORIZED', ...(opts.also ?? [])];
  if (!codes.includes(error.code)) return null;
  const fieldErrors = fieldErrorsOf(error);
  const hasFields = Object.keys(fieldErrors).length > 0;
  return {
    fieldErrors,
    formError:
      hasFields && error.code === 'BAD_REQUEST'
        ? null
        : error.message.replace(/^Invalid input: .*/, 'Check the highlighted fields.'),
  };
}

function fieldErrorsOf(error: TRPCError): Record<string, string[]> {
  const own = (error as { fieldErrors?: unknown }).fieldErrors;
  if (isFieldErrors(own)) return own;
  const cause = error.cause as { issues?: unknown } | undefined;
  const out: Record<string, string[]> = {};
  if (cause && Array.isArray(cause.issues)) {
    for (const issue of cause.issues as { path?: unknown; message?: unknown }[]) {
      const key = Array.isArray(issue.path) && issue.path.length ? String(issue.path[0]) : null;
      if (!key || typeof issue.message !== 'string') continue;
      (out[key] ??= []).push(issue.message);
    }
  }
  return out;
}

function isFieldErrors(v: unknown): v is Record<string, string[]> {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.values(v).every((m) => Array.isArray(m) && m.every((s) => typeof s === 'string'))
  );
}
