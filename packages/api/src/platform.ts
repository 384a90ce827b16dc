import {
  sql,
  TenantLockedError,
  TenantNotFoundError,
  withApiKeyTenant,
  withDataFormTenant,
  withMemberTenant,
  withNewTenant,
  withRequestTenant,
  withShareLinkTenant,
  withTenant,
  writePlatformAudit,
  type ApiKeyTenant,
  type DataFormTenant,
  type Database,
  type MemberRole,
  type MemberTenant,
  type RequestEntry,
  type SessionRules,
  type ShareLinkTenant,
  type TenantDb,
} from '@mfiq/db';
import { AppError } from './errors.ts';
import { ORGANIZATION_LOCKED } from './messages.ts';
import type { AuditAction } from './audit-actions.ts';
import type { AuditActor, AuditRequestInfo } from './audit.ts';
import { createAccountPlatform } from './platform-accounts.ts';
import { createNotificationPlatform } from './platform-notifications.ts';
import { createLifecyclePlatform } from './platform-lifecycle.ts';
import { enqueueMail, type Mail } from './mail.ts';

/**
 * The few operations that are not scoped to one tenant: accounts (global users), the directory
 * (which organizations a user belongs to) and platform security events. Procedures reach the pool
 * only through these named functions, never directly.
 */
export function createPlatform(db: Database) {
  return {
    ...createAccountPlatform(db),
    ...createNotificationPlatform(db),
    ...createLifecyclePlatform(db),
    async findUserByEmail(email: string) {
      return db
        .selectFrom('users')
        .select(['id', 'email', 'displayName', 'passwordHash', 'disabledAt'])
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
        .executeTakeFirst();
    },

    async updatePasswordHash(userId: string, passwordHash: string) {
      await db.updateTable('users').set({ passwordHash, updatedAt: new Date() }).where('id', '=', userId).execute();
    },

    async listOrganizations(userId: string) {
      const { rows } = await sql<{ slug: string; name: string; role: MemberRole }>`
        select slug, name, role from app_user_organizations(${userId})`.execute(db);
      return rows;
    },

    async slugTaken(slug: string): Promise<boolean> {
      const { rows } = await sql<{ taken: boolean }>`select app_slug_taken(${slug}) as taken`.execute(db);
      return rows[0]?.taken ?? false;
    },

    /**
     * A signed-in request's tenant transaction: session, membership, policy columns, lock and settings in
     * the statement sent with BEGIN (app_enter_request). Read-only work answers before its COMMIT.
     */
    asRequest<T>(
      who: { tokenHash: string; slug: string; rules: SessionRules; readOnly: boolean },
      fn: (trx: TenantDb, entry: Extract<RequestEntry, { status: 'entered' }>) => Promise<T>,
    ) {
      return withRequestTenant(db, who, fn);
    },

    /** The same, for a request whose session is already known (a page's later procedure calls). */
    asMember<T>(
      who: { userId: string; slug: string; readOnly: boolean },
      fn: (trx: TenantDb, member: MemberTenant) => Promise<T>,
    ) {
      return withMemberTenant(db, who, fn);
    },

    /** A tenant transaction entered through an API key (by its token's hash), after its rate limit. */
    asApiKey<T>(
      who: { tokenHash: string; limit: { points: number; windowMs: number }; readOnly: boolean },
      fn: (trx: TenantDb, key: ApiKeyTenant) => Promise<T>,
    ) {
      return withApiKeyTenant(db, who, fn);
    },

    /**
     * A tenant transaction entered through a public data form's link (by its token's hash). The
     * tenant is the link row's; a rotated link, a deleted form or a locked organization is not found.
     */
    asDataForm<T>(tokenHash: string, fn: (trx: TenantDb, form: DataFormTenant) => Promise<T>) {
      return withDataFormTenant(db, tokenHash, fn);
    },

    /**
     * A tenant transaction entered through a dashboard's share link (by its token's hash). The
     * tenant and the dashboard are the link's; a revoked, expired or rotated link, a deleted
     * dashboard and a locked organization are not found.
     */
    asShareLink<T>(tokenHash: string, countView: boolean, fn: (trx: TenantDb, link: ShareLinkTenant) => Promise<T>) {
      return withShareLinkTenant(db, { tokenHash, countView }, fn);
    },

    /**
     * A tenant transaction for work that starts from a tenant id (invitations, recording a denial).
     * The lock holds here too: a locked organization answers FORBIDDEN, an unknown one NOT_FOUND.
     */
    async inTenant<T>(tenantId: string, actorId: string | null, fn: (trx: TenantDb) => Promise<T>): Promise<T> {
      try {
        return await withTenant(db, { tenantId, actorId }, fn);
      } catch (error) {
        if (error instanceof TenantLockedError) throw new AppError('FORBIDDEN', ORGANIZATION_LOCKED);
        if (error instanceof TenantNotFoundError) throw new AppError('NOT_FOUND', 'Organization not found');
        throw error;
      }
    },

    /** Creates an organization's first rows (sign-up): the tenant does not exist yet. */
    createTenant<T>(tenantId: string, actorId: string, fn: (trx: TenantDb) => Promise<T>): Promise<T> {
      return withNewTenant(db, { tenantId, actorId }, fn);
    },

    /**
     * A message from the public contact form (global: the sender has no account), and the mail
     * that forwards it to its contact, in one transaction.
     */
    async saveContactMessage(
      message: { name: string; email: string; topic: string; message: string },
      request: AuditRequestInfo,
      forward: Mail[] = [],
    ) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('contactMessages')
          .values({ ...message, ip: request.ip, userAgent: request.userAgent, requestId: request.requestId })
          .execute();
        for (const mail of forward) await enqueueMail(trx, mail);
      });
    },

    /** Security events with no tenant (sign-in, sign-out, a failed sign-in for an unknown email). */
    async securityEvent(
      actor: AuditActor | { type: 'anonymous'; id: null; display: string | null },
      request: AuditRequestInfo,
      event: {
        action: AuditAction;
        outcome?: 'success' | 'failure';
        target?: { type: string; id: string; display?: string | null };
        after?: Record<string, unknown>;
      },
    ) {
      await writePlatformAudit(db, actor, request, event);
    },
  };
}

export type Platform = ReturnType<typeof createPlatform>;
