import { Readable } from 'node:stream';
import type { ActionFunctionArgs } from '@remix-run/node';
import { callApi } from '../trpc.server.ts';

/**
 * The export download (POST, so the same-origin check guards it and every download is a deliberate
 * act): backups.export authorizes (data:export, this organization's backup) and audits it; then the
 * backup is decrypted and streamed as a zip, never held in memory.
 */
export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const backupId = args.params.backupId ?? '';
  const out = await callApi(args, (caller) => caller.backups.export({ slug, backupId }));
  let zip: Readable;
  try {
    zip = await args.context.backups.exportZip({ tenantId: out.tenantId, backupId: out.backupId });
  } catch (error) {
    args.context.logger.error({ err: error, backupId: out.backupId }, 'export could not be prepared');
    return new Response(`This backup cannot be exported right now. Reference: ${args.context.request.requestId}`, {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    });
  }
  zip.on('error', (error) => args.context.logger.error({ err: error, backupId: out.backupId }, 'export stream failed'));
  return new Response(Readable.toWeb(zip) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${out.filename}"`,
      'cache-control': 'no-store',
    },
  });
}
