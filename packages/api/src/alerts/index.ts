// The worker's entry to alerts: evaluation, webhook delivery, digests, and the jobs' identities.
export { evaluateAlerts, evaluateTenant, EVALUATE_TASK, DELIVER_TASK, type EvaluationResult } from './engine.ts';
export { deliverWebhooks, WEBHOOK_MAX_ATTEMPTS, BACKOFF_SECONDS, type DeliverResult } from './deliver.ts';
export { sendDigests, DIGEST_LOCAL_HOUR } from './digest.ts';
export { RULE_KINDS, type RuleKind } from './conditions.ts';
export type { RuleScope } from './rules.ts';
export { verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER } from './webhooks.ts';
export { STRICT_EGRESS, type EgressPolicy } from '../egress/policy.ts';
export type { Resolver } from '../egress/request.ts';
