// Requests to URLs a tenant gave (webhooks today): checked, resolved once, pinned, bounded.
export { classifyAddress, type AddressClass } from './address.ts';
export { checkUrl, EgressError, STRICT_EGRESS, type EgressPolicy } from './policy.ts';
export { safePost, systemResolver, type Resolver, type SafeResponse } from './request.ts';
