import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Explanation } from './explain.ts';
import type { WEBHOOK_FORMATS } from '../shared/constants.ts';

/**
 * Webhook deliveries: the JSON body (or a Slack-compatible one), and its signature. The receiver
 * verifies `X-MFIQ-Signature: v1=<hex>`, the HMAC-SHA256 under the channel's secret of
 * `<X-MFIQ-Timestamp>.<raw body>`, and refuses timestamps older than a few minutes (replays).
 * The README shows the verification in a few lines of Node.
 */
export const SIGNATURE_HEADER = 'x-mfiq-signature';
export const TIMESTAMP_HEADER = 'x-mfiq-timestamp';
export const DELIVERY_HEADER = 'x-mfiq-delivery';
export const EVENT_HEADER = 'x-mfiq-event';
/** How old a signed timestamp the verification accepts (seconds, either way). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** A new signing secret: shown once, then stored sealed under the application key. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's side, as documented: constant-time comparison, bounded clock skew. */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  now: Date = new Date(),
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  if (Math.abs(now.getTime() / 1000 - ts) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookEvent {
  deliveryId: string;
  eventId: string;
  ruleId: string;
  state: 'firing' | 'acknowledged' | 'resolved';
  firedAt: Date;
  explanation: Explanation;
  organization: { slug: string; name: string };
}

/** The JSON body: everything the alert says about itself, with absolute links. */
export function webhookBody(e: WebhookEvent, format: WebhookFormat, publicUrl: string): string {
  const x = e.explanation;
  const links = {
    metric: `${publicUrl}${x.link}`,
    alert: `${publicUrl}/orgs/${e.organization.slug}/alerts/${e.ruleId}#event-${e.eventId}`,
  };
  if (format === 'slack') {
    const text = `:rotating_light: *${x.rule.name}* (${e.organization.name})\n${x.summary}\n<${links.metric}|See ${x.metric.name}> · <${links.alert}|Alert details>`;
    return JSON.stringify({
      text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `Rule: ${x.metric.name} ${x.rule.condition}` }],
        },
      ],
    });
  }
  return JSON.stringify({
    type: 'alert.fired',
    deliveryId: e.deliveryId,
    organization: e.organization,
    event: { id: e.eventId, state: e.state, firedAt: e.firedAt.toISOString() },
    rule: x.rule,
    metric: x.metric,
    period: x.period,
    value: x.value,
    comparedWith: x.comparedWith,
    ...(x.band ? { band: x.band } : {}),
    summary: x.summary,
    links,
  });
}
