import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ModulePreloadNonce } from './preload-nonce.server.ts';

async function run(chunks: (string | Buffer)[]): Promise<string> {
  const out: Buffer[] = [];
  const stream = Readable.from(chunks).pipe(new ModulePreloadNonce('abc+/='));
  for await (const c of stream) out.push(Buffer.from(c as Buffer));
  return Buffer.concat(out).toString('utf8');
}

const HTML =
  '<p>Grüße ✓</p><link rel="modulepreload" href="/a.js"/><link rel="modulepreload" href="/b.js"/><script nonce="abc+/=">x</script>';
const EXPECTED = HTML.replace(/<link rel="modulepreload"/g, '<link rel="modulepreload" nonce="abc+/="');

describe('ModulePreloadNonce', () => {
  it('adds the nonce to every modulepreload link', async () => {
    expect(await run([HTML])).toBe(EXPECTED);
  });

  it('finds tags and keeps characters intact however the stream is split', async () => {
    const bytes = Buffer.from(HTML, 'utf8');
    for (let size = 1; size <= 40; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await run(chunks)).toBe(EXPECTED);
    }
  });

  it('leaves other markup alone', async () => {
    const html = '<link rel="stylesheet" href="/s.css"/><link rel="modulepreloadx"/>';
    expect(await run([html])).toBe(html);
  });
});
