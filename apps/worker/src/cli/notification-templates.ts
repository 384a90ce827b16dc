import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UsageError } from './command.ts';

/**
 * Customer notifications are written in advance and reviewed like code: one file per template in
 * config/notifications (`Subject: ...`, a blank line, the body), with {{placeholders}}. The
 * operator fills the incident's facts in with --set name=value; the organization's name and slug
 * and the security contact are filled in here.
 */
const TEMPLATES_DIR = fileURLToPath(new URL('../../../../config/notifications/', import.meta.url));

const PLACEHOLDER = /\{\{([a-z_]+)\}\}/g;
const AUTOMATIC = ['organization', 'slug', 'security_contact'] as const;

export interface Template {
  name: string;
  subject: string;
  body: string;
  /** Placeholders the operator must fill (the automatic ones excluded). */
  fields: string[];
}

export async function templateNames(): Promise<string[]> {
  return (await readdir(TEMPLATES_DIR))
    .filter((f) => /^[a-z0-9-]+\.txt$/.test(f))
    .map((f) => f.replace(/\.txt$/, ''))
    .sort();
}

export async function loadTemplate(name: string): Promise<Template> {
  const names = await templateNames();
  if (!names.includes(name))
    throw new UsageError(`no template "${name}"; the reviewed templates are: ${names.join(', ')}`);
  const text = await readFile(`${TEMPLATES_DIR}${name}.txt`, 'utf8');
  const m = /^Subject: (.+)\n\n([\s\S]+)$/.exec(text);
  if (!m) throw new Error(`template ${name} must start with "Subject: ..." and a blank line`);
  const fields = [...new Set([...text.matchAll(PLACEHOLDER)].map((x) => x[1]!))].filter(
    (f) => !(AUTOMATIC as readonly string[]).includes(f),
  );
  return { name, subject: m[1]!, body: m[2]!, fields };
}

/** Fills every placeholder; refuses missing and unknown values, so no mail leaves half-written. */
export function render(
  template: Template,
  values: Record<string, string>,
  automatic: Record<(typeof AUTOMATIC)[number], string>,
): { subject: string; body: string } {
  const missing = template.fields.filter((f) => !values[f]?.trim());
  if (missing.length) throw new UsageError(`template ${template.name} needs --set for: ${missing.join(', ')}`);
  const unknown = Object.keys(values).filter((k) => !template.fields.includes(k));
  if (unknown.length) throw new UsageError(`template ${template.name} has no placeholder ${unknown.join(', ')}`);
  const all: Record<string, string> = { ...values, ...automatic };
  const fill = (s: string) => s.replace(PLACEHOLDER, (_, k: string) => all[k]!.trim());
  return { subject: fill(template.subject), body: fill(template.body) };
}
