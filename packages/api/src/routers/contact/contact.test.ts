import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../root.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(() => tdb.drop());

describe('contact.submit', () => {
  it('stores the message with the request metadata, readable only by the owner connection', async () => {
    const api = await h.as(null, '198.51.100.9');
    await expect(
      api.contact.submit({
        name: ' Ada ',
        email: 'ada@example.com',
        topic: 'security',
        message: 'Please send your SOC 2 report.',
      }),
    ).resolves.toEqual({ received: true });
    const rows = await tdb.owner.selectFrom('contactMessages').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      topic: 'security',
      ip: '198.51.100.9',
      userAgent: 'vitest',
    });
    // The web role can add messages but never read them back.
    await expect(tdb.app.selectFrom('contactMessages').selectAll().execute()).rejects.toMatchObject({ code: '42501' });
  });

  it('is a form-only procedure, like sign-up, sign-in, password reset and data form answers (the HTTP endpoint refuses these)', () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { meta?: { formOnly?: boolean } } }
    >;
    const formOnly = Object.entries(procedures)
      .filter(([, p]) => p._def.meta?.formOnly)
      .map(([path]) => path)
      .sort();
    expect(formOnly).toEqual([
      'auth.requestPasswordReset',
      'auth.resetPassword',
      'auth.signIn',
      'auth.signUp',
      'contact.submit',
      'forms.submit',
    ]);
  });
});
