import { Readable } from 'node:stream';
import type { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

/**
 * Finding 12 (issue 11): one editor could hold any number of connections with slow uploads and
 * fill the disk with files never imported. Each organization now has a number of upload slots,
 * a storage quota for uploaded files not yet imported and a bound on imports waiting or running;
 * each is its own and never another organization's.
 */
let tdb: TestDatabase;
let h: Harness;
type Org = Awaited<ReturnType<Harness['signUp']>>;
let a: Org;
let b: Org;

const KB = 1024;
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError,
  );
const csv = (bytes: number) => {
  const head = 'metric,ts,value\n';
  const row = 'visits,2024-01-01T00:00:00Z,1\n';
  return head + row.repeat(Math.ceil((bytes - head.length) / row.length));
};
const upload = async (org: Org, text: string) =>
  (await h.as(org.cookie)).imports.upload({
    slug: org.slug,
    fileName: 'f.csv',
    file: Readable.from([Buffer.from(text)]),
  });

/** A file that sends its header, then waits (a slow uplink) until released. */
function slowFile() {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const begun = new Promise<void>((r) => (started = r));
  async function* file() {
    yield Buffer.from('metric,ts,value\n');
    started();
    await gate;
    yield Buffer.from('visits,2024-01-01T00:00:00Z,1\n');
  }
  return { file: file(), begun, release };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, {
    importMaxBytes: 512 * KB,
    importQuotas: { maxUploads: 2, maxQueued: 1, storageBytes: 300 * KB },
  });
  a = await h.signUp('quota-a');
  b = await h.signUp('quota-b');
  for (const org of [a, b]) await (await h.as(org.cookie)).metrics.create({ slug: org.slug, key: 'visits', name: 'V' });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('import quotas per organization', () => {
  it('the third upload at once is refused with a clear message while another organization still uploads', async () => {
    const api = await h.as(a.cookie);
    const slow = [slowFile(), slowFile()];
    const running = slow.map((s) => api.imports.upload({ slug: a.slug, fileName: 'slow.csv', file: s.file }));
    await Promise.all(slow.map((s) => s.begun));
    try {
      const third = await errorOf(upload(a, csv(1 * KB)));
      expect(third?.code).toBe('CONFLICT');
      expect(third?.message).toBe(
        '2 uploads are already in progress in this organization (the limit). Wait for one to finish, then upload again.',
      );
      // Another organization is not affected by A's slots.
      expect((await upload(b, csv(1 * KB))).id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      for (const s of slow) s.release();
    }
    expect((await Promise.all(running)).every((r) => r.id)).toBe(true);
    // The slots are free again once the uploads ended.
    expect((await upload(a, csv(1 * KB))).id).toBeTruthy();
  });

  it('the storage quota counts only this organization’s files waiting to be imported', async () => {
    const fresh = await h.signUp('quota-c');
    const other = await h.signUp('quota-d');
    // The other organization already keeps 250 kB: it does not count against this one.
    await upload(other, csv(250 * KB));
    await upload(fresh, csv(200 * KB));
    const before = await snapshot(tdb);
    const over = await errorOf(upload(fresh, csv(150 * KB)));
    expect(over?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(over?.message).toMatch(
      /^This organization keeps at most 300 kB of uploaded files waiting to be imported \(20\d kB now\)\. Start or wait for the pending imports/,
    );
    expect(await snapshot(tdb)).toEqual(before);
    // What is left of the quota is still usable.
    expect((await upload(fresh, csv(90 * KB))).id).toBeTruthy();
    // The other organization's own quota: 250 kB kept, 100 kB more is past it.
    expect((await errorOf(upload(other, csv(100 * KB))))?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('imports waiting or running are bounded per organization', async () => {
    const mapping = {
      metricColumn: 'metric',
      timestampColumn: 'ts',
      timestampFormat: 'iso' as const,
      valueColumn: 'value',
    };
    const fresh = await h.signUp('quota-e');
    const other = await h.signUp('quota-f');
    for (const org of [fresh, other])
      await (await h.as(org.cookie)).metrics.create({ slug: org.slug, key: 'visits', name: 'V' });
    const api = await h.as(fresh.cookie);
    const first = await upload(fresh, csv(1 * KB));
    const second = await upload(fresh, csv(1 * KB));
    await api.imports.start({ slug: fresh.slug, id: first.id, mapping });
    const refused = await errorOf(api.imports.start({ slug: fresh.slug, id: second.id, mapping }));
    expect(refused?.code).toBe('CONFLICT');
    expect(refused?.message).toBe(
      '1 import is already waiting or running in this organization (the limit is 1). Start this one when one of them has finished.',
    );
    expect((await api.imports.get({ slug: fresh.slug, id: second.id })).status).toBe('uploaded');
    const theirs = await upload(other, csv(1 * KB));
    expect((await (await h.as(other.cookie)).imports.start({ slug: other.slug, id: theirs.id, mapping })).status).toBe(
      'queued',
    );
  });
});
