import { describe, expect, it } from 'vitest';
import { outboxRow } from './audit-outbox.ts';

describe('outboxRow (the one audit-outbox row builder)', () => {
  it('fills the columns a system event does not have with nulls and the outcome with success', () => {
    expect(outboxRow({ type: 'system', display: 'Retention' }, {}, { action: 'data.points_expired' })).toEqual({
      action: 'data.points_expired',
      outcome: 'success',
      actorType: 'system',
      actorId: null,
      actorDisplay: 'Retention',
      targetType: null,
      targetId: null,
      targetDisplay: null,
      before: null,
      after: null,
      ip: null,
      userAgent: null,
      requestId: null,
    });
  });

  it('redacts secrets at any depth whoever writes the event (API, platform, CLI, anti-abuse)', () => {
    const row = outboxRow(
      { type: 'user', id: 'u1', display: 'a@example.com' },
      { ip: '203.0.113.9', userAgent: 'ua', requestId: 'r1' },
      {
        action: 'api_key.created',
        outcome: 'failure',
        target: { type: 'api_key', id: 'k1', display: 'CI' },
        before: { passwordHash: 'x', name: 'old' },
        after: { nested: { apiKey: 'mfiq_live_secret', scopes: ['data:write'] }, at: new Date('2026-01-02T03:04:05Z') },
      },
    );
    expect(row).toMatchObject({
      outcome: 'failure',
      actorId: 'u1',
      targetType: 'api_key',
      targetId: 'k1',
      targetDisplay: 'CI',
      before: { passwordHash: '[redacted]', name: 'old' },
      after: { nested: { apiKey: '[redacted]', scopes: ['data:write'] }, at: '2026-01-02T03:04:05.000Z' },
      ip: '203.0.113.9',
      requestId: 'r1',
    });
    expect(JSON.stringify(row)).not.toContain('mfiq_live_secret');
  });
});
