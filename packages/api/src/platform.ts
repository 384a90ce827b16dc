import {
  sql,
  withApiKeyTenant,
  withDataFormTenant,
  withMemberTenant,
  withTenant,
  type ApiKeyTenant,
  type DataFormTenant,
  type Database,
  type MemberRole,
  type MemberTenant,
  type TenantDb,
} from '@mfiq/db';
import type { AuditActor, AuditAction, AuditRequestInfo } from './audit.ts';
import { redact } from './audit.ts';
import { createAccountPlatform } from './platform-accounts.ts';
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

    /** A tenant transaction entered through the caller's membership of the organization `slug`. */
    asMember<T>(userId: string, slug: string, fn: (trx: TenantDb, member: MemberTenant) => Promise<T>) {
      return withMemberTenant(db, { userId, slug }, fn);
    },

    /** A tenant transaction entered through an API key (by its token's hash); revoked keys are not found. */
    asApiKey<T>(tokenHash: string, fn: (trx: TenantDb, key: ApiKeyTenant) => Promise<T>) {
      return withApiKeyTenant(db, tokenHash, fn);
    },

    /**
     * A tenant transaction entered through a public data form's link (by its token's hash). The
     * tenant is the link row's; a rotated link, a deleted form or a locked organization is not found.
     */
    asDataForm<T>(tokenHash: string, fn: (trx: TenantDb, form: DataFormTenant) => Promise<T>) {
      return withDataFormTenant(db, tokenHash, fn);
    },

    /** Opens a tenant transaction for work that starts outside one (sign-up creates the tenant). */
    inTenant<T>(tenantId: string, actorId: string | null, fn: (trx: TenantDb) => Promise<T>): Promise<T> {
      return withTenant(db, { tenantId, actorId }, fn);
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
      await db
        .insertInto('platformAuditOutbox')
        .values({
          action: event.action,
          outcome: event.outcome ?? 'success',
          actorType: actor.type,
          actorId: actor.id,
          actorDisplay: actor.display,
          targetType: event.target?.type ?? null,
          targetId: event.target?.id ?? null,
          targetDisplay: event.target?.display ?? null,
          after: redact(event.after),
          ip: request.ip,
          userAgent: request.userAgent,
          requestId: request.requestId,
        })
        .execute();
    },
  };
}

export type Platform = ReturnType<typeof createPlatform>;
