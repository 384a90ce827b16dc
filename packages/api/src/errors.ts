import { TRPCError } from '@trpc/server';

/**
 * Domain errors. Each domain code maps to one tRPC code (and so one HTTP status) here, at the edge,
 * so handlers say what went wrong in domain terms and never pick status codes.
 */
const CODE_MAP = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID: 'BAD_REQUEST',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  /** Signed in, but not recently enough for a sensitive change: sign in again first. */
  REAUTH_REQUIRED: 'FORBIDDEN',
  /** The organization requires two-factor and the caller has not set it up. */
  TWO_FACTOR_REQUIRED: 'FORBIDDEN',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The request ran past the server's bound on work (statement_timeout): see ADR 0090. */
  TOO_SLOW: 'TIMEOUT',
} as const satisfies Record<string, TRPCError['code']>;

export type AppErrorCode = keyof typeof CODE_MAP;

export class AppError extends TRPCError {
  readonly appCode: AppErrorCode;
  /** Field-level messages, shown next to the inputs they concern. */
  readonly fieldErrors: Record<string, string[]> | undefined;
  /** For RATE_LIMITED: when the caller may try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    opts: { fieldErrors?: Record<string, string[]>; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super({ code: CODE_MAP[code], message, cause: opts.cause });
    this.name = 'AppError';
    this.appCode = code;
    this.fieldErrors = opts.fieldErrors;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** The same answer for "no such object" and "another tenant's object": never reveal existence. */
export const notFound = (what = 'Not found') => new AppError('NOT_FOUND', what);

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * PostgreSQL cancelled a statement that ran past statement_timeout (SQLSTATE 57014 with the
 * timeout's message; a cancel for another reason is not this). Legal inputs are bounded well
 * inside it, so this answers a request the bounds missed or a server under strain.
 */
export function isStatementTimeout(error: unknown): boolean {
  // 57014 without looking at the message: a timeout that fires as the statement ends is reported
  // "due to user request" by PostgreSQL, and nothing in the app cancels statements otherwise.
  return (error as { code?: unknown } | null)?.code === '57014';
}

export const tooSlow = () =>
  new AppError(
    'TOO_SLOW',
    'This request needs more work than the server allows for one request. Try a shorter range or a coarser grain, or try again later.',
  );
