import type { NextFunction, Request, Response } from 'express';

/**
 * The one route whose body is not read into memory: the CSV import page's multipart upload, as a
 * plain form post or as Remix's single-fetch data request (`/imports.data`).
 */
const UPLOAD_PATH = /^\/orgs\/[a-z0-9-]{1,48}\/imports(?:\.data)?\/?$/;
// Room for the multipart envelope around the file itself.
const ENVELOPE_BYTES = 64 * 1024;

export function isStreamed(res: Response): boolean {
  return res.locals.streamedUpload === true;
}

/**
 * Marks the CSV upload (a multipart POST to /orgs/:slug/imports) to skip the 100 kB body buffer:
 * its body streams to the import procedure, which counts the file's bytes against the import
 * limit after the session, membership and permission checks. A declared length already over the
 * limit is refused here, before a byte of the body is read.
 */
export function streamedUploads(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (
      req.method !== 'POST' ||
      !UPLOAD_PATH.test(req.path) ||
      !/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')
    )
      return next();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes + ENVELOPE_BYTES) {
      // No `Connection: close`: Node reads past (and discards) the rest of the body, bounded by the
      // server's request timeout, so a browser that is still sending gets to see this answer.
      res.setHeader('Cache-Control', 'no-store');
      res
        .status(413)
        .type('text/plain')
        .send(
          `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB upload limit. Split it into smaller files.`,
        );
      return;
    }
    res.locals.streamedUpload = true;
    next();
  };
}
