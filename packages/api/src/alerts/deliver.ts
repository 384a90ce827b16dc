import type { SecretBox } from '@mfiq/auth';
import { sql, withTenant, type Database } from '@mfiq/db';
import { unlessLocked } from './tenant.ts';
import { EgressError, type EgressPolicy } from '../egress/policy.ts';
import { safePost, type Resolver } from '../egress/request.ts';
import type { Explanation } from './explain.ts';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  signWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  webhookBody,
  type WebhookFormat,
} from './webhooks.ts';

/** Attempts before a webhook delivery is given up, and the wait after each failed one. */
export const WEBHOOK_MAX_ATTEMPTS = 8;
export const BACKOFF_SECONDS = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600] as const;
/** How long a claimed delivery is someone's: past it, a crashed sender's rows are taken again. */
const CLAIM_SECONDS = 120;
const BATCH = 20;

export interface DeliverOptions {
  /** The worker role's pool: each step is its own tenant transaction. */
  db: Database;
  tenantId: string;
  publicUrl: string;
  /** Opens sealed URLs and secrets; null when the worker has no application key (nothing can be signed). */
  secretBox: SecretBox | null;
  policy: EgressPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  /** Seconds to wait after each failed attempt (tests shorten it). */
  backoffSeconds?: readonly number[];
  now?: () => Date;
}

export interface DeliverResult {
  sent: number;
  failed: number;
  retrying: number;
  /** When the earliest remaining delivery is due (to wake up for it), or null. */
  nextDueAt: Date | null;
}

interface Claimed {
  id: string;
  attempts: number;
  eventId: string;
  ruleId: string;
  state: 'firing' | 'acknowledged' | 'resolved';
  firedAt: Date;
  explanation: Explanation;
  urlSealed: string;
  secretSealed: string;
  format: string;
  disabled: boolean;
}

/**
 * Sends an organization's due webhook deliveries. Rows are claimed in a short transaction
 * (FOR UPDATE SKIP LOCKED, then a claim deadline), sent outside any transaction (no connection
 * held across a slow receiver), and their outcome recorded in another: several workers never send
 * one delivery at once; a worker that dies mid-send leaves a claim that expires, and the delivery
 * goes again (at least once: receivers deduplicate on X-MFIQ-Delivery). A locked organization
 * sends nothing.
 */
export async function deliverWebhooks(opts: DeliverOptions): Promise<DeliverResult> {
  const now = opts.now ?? (() => new Date());
  const result: DeliverResult = { sent: 0, failed: 0, retrying: 0, nextDueAt: null };
  for (;;) {
    // Claiming sends in the organization's name: not while it is locked (tenant.ts).
    const claim = await unlessLocked(opts.db, opts.tenantId, async (trx) => {
      const org = await trx
        .selectFrom('organizations')
        .select(['slug', 'name', 'lockedAt'])
        .where('tenantId', '=', opts.tenantId)
        .executeTakeFirst();
      if (!org || org.lockedAt) return null;
      const { rows } = await sql<Claimed>`
        with due as (
          select d.tenant_id, d.id from alert_deliveries d
           where d.tenant_id = ${opts.tenantId} and d.channel = 'webhook' and d.status = 'pending'
             and d.next_attempt_at <= ${now()} and (d.claimed_until is null or d.claimed_until < ${now()})
           order by d.next_attempt_at, d.id
           limit ${BATCH}
             for update skip locked
        ), claimed as (
          update alert_deliveries d
             set claimed_until = ${now()}::timestamptz + make_interval(secs => ${CLAIM_SECONDS}),
                 attempts = d.attempts + 1, last_attempt_at = ${now()}
            from due where d.tenant_id = due.tenant_id and d.id = due.id
          returning d.id, d.attempts, d.event_id, d.channel_id
        )
        select c.id, c.attempts, e.id as event_id, e.rule_id, e.state, e.fired_at, e.explanation,
               ch.url_sealed, ch.secret_sealed, ch.format, ch.disabled_at is not null as disabled
          from claimed c
          join alert_events e on e.tenant_id = ${opts.tenantId} and e.id = c.event_id
          join alert_channels ch on ch.tenant_id = ${opts.tenantId} and ch.id = c.channel_id`.execute(trx);
      return { org, rows };
    });
    const batch = claim.locked ? null : claim.result;
    if (!batch) return result;
    const outcomes = await Promise.all(batch.rows.map((d) => send(d, batch.org, opts)));
    // Recording what was sent is bookkeeping, not acting for anyone: it goes on under a lock taken
    // mid-send, or the claims would expire and the same deliveries go out again after the unlock.
    await withTenant(opts.db, { tenantId: opts.tenantId, evenIfLocked: true }, async (trx) => {
      for (const [i, d] of batch.rows.entries()) {
        const o = outcomes[i]!;
        const giveUp = o.ok || o.permanent || d.attempts >= WEBHOOK_MAX_ATTEMPTS;
        const backoff = opts.backoffSeconds ?? BACKOFF_SECONDS;
        const next = giveUp
          ? null
          : new Date(now().getTime() + backoff[Math.min(d.attempts, backoff.length) - 1]! * 1000);
        await trx
          .updateTable('alertDeliveries')
          .set({
            status: o.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
            responseCode: o.status,
            detail: o.detail?.slice(0, 500) ?? null,
            deliveredAt: o.ok ? now() : null,
            nextAttemptAt: next,
            claimedUntil: null,
          })
          .where('tenantId', '=', opts.tenantId)
          .where('id', '=', d.id)
          .execute();
        if (o.ok) result.sent += 1;
        else if (giveUp) result.failed += 1;
        else {
          result.retrying += 1;
          if (!result.nextDueAt || next! < result.nextDueAt) result.nextDueAt = next;
        }
      }
    });
    if (batch.rows.length < BATCH) return result;
  }
}

type Outcome = { ok: boolean; status: number | null; detail: string | null; permanent: boolean };

async function send(d: Claimed, org: { slug: string; name: string }, opts: DeliverOptions): Promise<Outcome> {
  if (d.disabled)
    return { ok: false, status: null, detail: 'The channel was disabled before this was sent', permanent: true };
  if (!opts.secretBox)
    return {
      ok: false,
      status: null,
      detail: 'The worker has no APP_ENCRYPTION_KEY, so it cannot sign webhooks',
      permanent: false,
    };
  let url: string;
  let secret: string;
  try {
    url = opts.secretBox.open(d.urlSealed);
    secret = opts.secretBox.open(d.secretSealed);
  } catch (error) {
    return {
      ok: false,
      status: null,
      detail: `Cannot open the channel's sealed settings: ${(error as Error).message}`,
      permanent: false,
    };
  }
  const body = webhookBody(
    {
      deliveryId: d.id,
      eventId: d.eventId,
      ruleId: d.ruleId,
      state: d.state,
      firedAt: new Date(d.firedAt),
      explanation: d.explanation,
      organization: org,
    },
    d.format as WebhookFormat,
    opts.publicUrl,
  );
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await safePost(
      url,
      {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'MetricFlowIQ-Webhooks/1',
          [DELIVERY_HEADER]: d.id,
          [EVENT_HEADER]: 'alert.fired',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
        },
        body,
      },
      {
        policy: opts.policy,
        ...(opts.resolver ? { resolver: opts.resolver } : {}),
        timeoutMs: opts.timeoutMs ?? 10_000,
      },
    );
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      detail: ok ? null : `The receiver answered ${res.status}: ${res.body.slice(0, 200)}`,
      permanent: false,
    };
  } catch (error) {
    if (error instanceof EgressError)
      return { ok: false, status: null, detail: error.message, permanent: error.permanent };
    return { ok: false, status: null, detail: (error as Error).message, permanent: false };
  }
}
