import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The default list, shipped in the repository; SUBPROCESSORS_FILE points a deployment at its own. */
const DEFAULT_SUBPROCESSORS_FILE = fileURLToPath(new URL('../../../config/subprocessors.json', import.meta.url));

const subprocessor = z.object({
  name: z.string().min(1).max(120),
  purpose: z.string().min(1).max(300),
  data: z.string().min(1).max(300),
  location: z.string().min(1).max(120),
  website: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
  /** When the service is used, e.g. "only when CAPTCHA_PROVIDER=turnstile". */
  when: z.string().max(200).optional(),
});

const subprocessorsSchema = z.object({
  updated: z.iso.date('must be a date (YYYY-MM-DD)'),
  subprocessors: z.array(subprocessor).max(100),
});

export type Subprocessors = z.infer<typeof subprocessorsSchema>;

/** Reads and validates the file; any problem throws with the file name and the fields at fault. */
export async function loadSubprocessors(file: string | null): Promise<Subprocessors> {
  const path = file ?? DEFAULT_SUBPROCESSORS_FILE;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`subprocessors file ${path} cannot be read as JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = subprocessorsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `subprocessors file ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
