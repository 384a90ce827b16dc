import type { Request, Response } from 'express';

/**
 * /.well-known/security.txt (RFC 9116) from configuration: where to report a vulnerability
 * (the same contact /security shows and the contact form mails), until when the file holds,
 * the page that is the disclosure policy, and the file's own canonical address.
 */
function securityTxt(o: { contact: string; expires: Date; origin: string }): string {
  return [
    `Contact: mailto:${o.contact}`,
    `Expires: ${o.expires.toISOString()}`,
    'Preferred-Languages: en',
    `Canonical: ${o.origin}/.well-known/security.txt`,
    `Policy: ${o.origin}/security#contact`,
    '',
  ].join('\n');
}

export function securityTxtRoute(o: { contact: string; expires: Date; origin: () => string }) {
  return (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res
      .type('text/plain; charset=utf-8')
      .send(securityTxt({ contact: o.contact, expires: o.expires, origin: o.origin() }));
  };
}
