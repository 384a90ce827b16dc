import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  sql,
  withTenant,
  writePlatformAudit,
  writeTenantAudit,
  type Database,
  type OutboxEvent,
  type TenantDb,
} from '@mfiq/db';
import { UsageError, type CliContext } from './command.ts';

/**
 * What every command gets: the owner connection (operators act with the schema owner's rights, and
 * still enter one tenant at a time through withTenant for tenant rows), who the operator is, and the
 * audit helpers that record each action with actor type 'system' and display 'operator:<name>'.
 */
export interface OperatorContext {
  db: Database;
  operator: string;
  /** One id per CLI run, recorded as the request id of its audit events. */
  runId: string;
  out: (line: string) => void;
}

export type OperatorEvent = OutboxEvent;

/** Who is acting: MFIQ_OPERATOR, else the OS user; only a safe subset of characters is kept. */
function operatorName(env: NodeJS.ProcessEnv): string {
  return (env.MFIQ_OPERATOR ?? os.userInfo().username).replace(/[^A-Za-z0-9_.@-]/g, '').slice(0, 64) || 'unknown';
}

export function operatorContext(ctx: CliContext): OperatorContext {
  return { db: ctx.ownerDb(), operator: operatorName(ctx.env), runId: `cli-${randomUUID()}`, out: ctx.out };
}

/** Operators act as 'system', named `operator:<name>`, with the CLI run's id as the request id. */
const actor = (ctx: OperatorContext) => ({ type: 'system', display: `operator:${ctx.operator}` });
const meta = (ctx: OperatorContext) => ({ userAgent: 'mfiq-cli', requestId: ctx.runId });

/** An event with no tenant (accounts, all sessions, security listings): the platform outbox. */
export function platformAudit(ctx: OperatorContext, event: OperatorEvent, db: Database = ctx.db): Promise<void> {
  return writePlatformAudit(db, actor(ctx), meta(ctx), event);
}

/** An event in one organization's audit trail, written inside that tenant's transaction. */
export function tenantAudit(
  ctx: OperatorContext,
  trx: TenantDb,
  tenantId: string,
  event: OperatorEvent,
): Promise<void> {
  return writeTenantAudit(trx, tenantId, actor(ctx), meta(ctx), event);
}

export { UsageError };

/** Finds an organization by slug (the owner's directory_read policy allows this one cross-tenant read). */
export async function findOrganization(ctx: OperatorContext, slug: string) {
  const org = await ctx.db
    .selectFrom('organizations')
    .select(['tenantId', 'slug', 'name', 'lockedAt'])
    .where('slug', '=', slug)
    .executeTakeFirst();
  if (!org) throw new UsageError(`No organization with slug "${slug}".`);
  return org;
}

export async function findUser(ctx: OperatorContext, email: string) {
  const user = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'disabledAt'])
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
  if (!user) throw new UsageError(`No user with email "${email}".`);
  return user;
}

export { withTenant };

export function stringOpt(
  values: Record<string, string | string[] | boolean | undefined>,
  name: string,
): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
