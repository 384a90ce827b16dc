import { Readable } from 'node:stream';
import type { ActionFunctionArgs } from '@remix-run/node';
import { callApi } from '../trpc.server.ts';

/**
 * The owner's download of the organization's security evidence pack (POST, so the same-origin
 * check guards it and each download is deliberate): evidence.export authorizes and audits it,
 * then the pack is assembled inside the organization's tenant and streamed as a zip.
 */
export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { out, by } = await callApi(args, async (caller) => ({
    out: await caller.evidence.export({ slug }),
    by: (await caller.auth.me()).user.email,
  }));
  let zip: Readable;
  try {
    zip = await args.context.evidence.zip(out.tenantId, by);
  } catch (error) {
    args.context.logger.error({ err: error, tenantId: out.tenantId }, 'evidence pack could not be prepared');
    return new Response(
      `The evidence pack cannot be prepared right now. Reference: ${args.context.request.requestId}`,
      {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      },
    );
  }
  return new Response(Readable.toWeb(zip) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${out.filename}"`,
      'cache-control': 'no-store',
    },
  });
}
