import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';

/** Baselines are committed (see docs/decisions/0105-styles-by-feature.md for why and how to update them). */
const BASELINE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

/**
 * Two renders of an unchanged page on this machine are identical; anti-aliasing of a moved glyph is
 * not. `threshold` is pixelmatch's per-pixel colour distance, `maxShare` the share of pixels allowed
 * to differ beyond it (0.05%: a few glyphs, never a border, a colour or a shifted block).
 */
const THRESHOLD = 0.1;
const MAX_SHARE = 0.0005;

export interface Comparison {
  name: string;
  /** null when the baseline was (re)written. */
  differing: number | null;
  share: number;
  problem: string | null;
}

/**
 * Text that changes from run to run (times, today's date prefilled in inputs) is replaced by fixed
 * text of the same shape before the picture, so the layout around it is the real one.
 */
export async function freezeVolatile(page: Page): Promise<void> {
  await page.evaluate(() => {
    const recent = (value: string) => Date.now() - Date.parse(value.slice(0, 10)) < 3 * 86_400_000;
    for (const t of document.querySelectorAll('time')) t.textContent = '3 Jun 2024, 09:41';
    // Request ids in the audit log.
    for (const e of document.querySelectorAll('span'))
      if (/^req [0-9a-f]{8}$/.test(e.textContent ?? '')) e.textContent = 'req 0d0e0f10';
    for (const i of document.querySelectorAll<HTMLInputElement>('input[type=date], input[type=datetime-local]'))
      if (i.value && recent(i.value)) i.value = i.type === 'date' ? '2024-06-03' : '2024-06-03T09:41';
    (document.activeElement as HTMLElement | null)?.blur();
  });
}

/** Baselines are stored in grey (half the bytes; a moved, missing or restyled element still shows). */
function grey(png: Buffer): PNG {
  return PNG.sync.read(PNG.sync.write(PNG.sync.read(png), { colorType: 0, deflateLevel: 9 }));
}

/** Compares a screenshot with its committed baseline; with UPDATE_SCREENSHOTS=1 it writes the baseline instead. */
export function compareWithBaseline(name: string, actual: Buffer): Comparison {
  const file = path.join(BASELINE_DIR, `${name}.png`);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE)
      return { name, differing: null, share: 1, problem: `no baseline ${file} (run with UPDATE_SCREENSHOTS=1)` };
    mkdirSync(BASELINE_DIR, { recursive: true });
    writeFileSync(file, PNG.sync.write(grey(actual), { colorType: 0, deflateLevel: 9 }));
    return { name, differing: null, share: 0, problem: null };
  }
  const want = PNG.sync.read(readFileSync(file));
  const got = grey(actual);
  const out = path.join(tmpdir(), 'mfiq-screenshots');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `${name}.actual.png`), actual);
  if (want.width !== got.width || want.height !== got.height) {
    return {
      name,
      differing: null,
      share: 1,
      problem: `size ${got.width}x${got.height}, baseline ${want.width}x${want.height} (see ${out})`,
    };
  }
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: THRESHOLD });
  const share = differing / (want.width * want.height);
  if (share <= MAX_SHARE) return { name, differing, share, problem: null };
  writeFileSync(path.join(out, `${name}.diff.png`), PNG.sync.write(diff));
  return {
    name,
    differing,
    share,
    problem: `${differing} pixels (${(share * 100).toFixed(3)}%) differ: ${path.join(out, `${name}.diff.png`)}`,
  };
}
