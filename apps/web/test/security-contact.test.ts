import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, postForm, startWeb, startWorkerProcess, type RunningWeb } from './harness.ts';

const CONTACT = 'security@metrics.example.test';
const ORIGIN = 'https://metrics.example.test';

let tdb: TestDatabase;
let web: RunningWeb;
let worker: { stop(): Promise<void> };
let mailbox: string;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  mailbox = await mkdtemp(path.join(tmpdir(), 'mfiq-security-mailbox-'));
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, SECURITY_CONTACT: CONTACT, PUBLIC_URL: ORIGIN });
  worker = await startWorkerProcess({ WORKER_DATABASE_URL: tdb.urls.worker, MAILBOX_DIR: mailbox });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await web?.stop();
  await tdb?.drop();
  await rm(mailbox, { recursive: true, force: true });
});

interface Delivered {
  to: string;
  subject: string;
  text: string;
}
async function delivered(): Promise<Delivered[]> {
  const out: Delivered[] = [];
  for (const f of await readdir(mailbox).catch(() => [] as string[]))
    out.push(JSON.parse(await readFile(path.join(mailbox, f), 'utf8')) as Delivered);
  return out;
}

/** RFC 9116 fields: `Name: value` lines; comments (#) and blank lines ignored. */
function parseSecurityTxt(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.startsWith('#')) continue;
    const m = /^([A-Za-z-]+): (.+)$/.exec(line);
    if (!m) throw new Error(`not a security.txt field: ${line}`);
    fields.set(m[1]!.toLowerCase(), [...(fields.get(m[1]!.toLowerCase()) ?? []), m[2]!]);
  }
  return fields;
}

describe('security reports reach someone', () => {
  it('a security report sent through /contact arrives in the security contact’s mailbox', async () => {
    const report = 'The dashboard title is not escaped in the CSV export. Steps to reproduce: ...';
    const res = await postForm(web.url, '/contact', {
      name: 'Ada Researcher',
      email: 'ada@research.example',
      topic: 'security',
      message: report,
    });
    expect(res.status).toBe(303);
    await expect
      .poll(async () => (await delivered()).find((m) => m.to === CONTACT), { timeout: 20_000, interval: 200 })
      .toBeTruthy();
    const mail = (await delivered()).find((m) => m.to === CONTACT)!;
    expect(mail.subject).toBe('[security] Message from Ada Researcher through the contact form');
    expect(mail.text).toContain('From: Ada Researcher <ada@research.example>');
    expect(mail.text).toContain(report);
    // And the record stays for `mfiq contact list`.
    const stored = await tdb.owner.selectFrom('contactMessages').select(['topic', 'email']).execute();
    expect(stored).toEqual([{ topic: 'security', email: 'ada@research.example' }]);
  });

  it('/.well-known/security.txt parses as RFC 9116 and names the configured contact', async () => {
    const res = await fetch(`${web.url}/.well-known/security.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const fields = parseSecurityTxt(await res.text());
    expect(fields.get('contact')).toEqual([`mailto:${CONTACT}`]);
    expect(fields.get('preferred-languages')).toEqual(['en']);
    expect(fields.get('canonical')).toEqual([`${ORIGIN}/.well-known/security.txt`]);
    expect(fields.get('policy')).toEqual([`${ORIGIN}/security#contact`]);
    const expires = fields.get('expires') ?? [];
    expect(expires).toHaveLength(1);
    expect(expires[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const at = Date.parse(expires[0]!);
    expect(at).toBeGreaterThan(Date.now());
    // RFC 9116 2.5.5: less than a year ahead.
    expect(at).toBeLessThan(Date.now() + 366 * 86_400_000);
  });

  it('/security shows the same contact, in its Contact section', async () => {
    const html = await (await fetch(`${web.url}/security`)).text();
    expect(html).toContain(`<a href="mailto:${CONTACT}" data-testid="security-contact">${CONTACT}</a>`);
    expect(html).toContain('<h2 id="contact-heading">Contact</h2>');
  });
});
