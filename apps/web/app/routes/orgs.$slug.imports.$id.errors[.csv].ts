import type { LoaderFunctionArgs } from '@remix-run/node';
import { callApi } from '../trpc.server.ts';

/** A CSV cell: quoted when it holds a delimiter, quote or line break; formula prefixes neutralised for spreadsheets. */
function cell(value: string | number): string {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rejected rows of an import as a CSV download (line number and message). */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const result = await callApi(args, (caller) => caller.imports.errors({ slug, id }));
  const lines = ['line,message', ...result.rows.map((r) => `${r.line},${cell(r.message)}`)];
  const base =
    result.fileName
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .slice(0, 80) || 'import';
  return new Response(`${lines.join('\r\n')}\r\n`, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${base}-rejected-rows.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
