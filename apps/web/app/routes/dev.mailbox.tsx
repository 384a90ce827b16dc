import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { Fragment } from 'react';
import mailboxStyles from '../styles/mailbox.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(mailboxStyles);

export const meta: MetaFunction = () => [{ title: 'Dev mailbox · Metric Flow IQ' }];

interface StoredMail {
  id: string;
  sentAt: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Mail the worker kept instead of sending (no SMTP_URL): for development and the launcher's local
 * install only, never in production, and only to a loopback visitor of a loopback-bound server
 * (server/mailbox.ts decides and hands over the folder). Otherwise the page does not exist (404).
 */
export async function loader({ context, request }: LoaderFunctionArgs) {
  if (!context.mailbox) throw data({ message: 'Page not found' }, { status: 404 });
  const to = new URL(request.url).searchParams.get('to')?.toLowerCase() ?? null;
  const dir = context.mailbox.dir;
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse()
    .slice(0, 100);
  const mails: StoredMail[] = [];
  for (const f of files) {
    const mail = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as StoredMail;
    if (!to || mail.to.toLowerCase() === to) mails.push(mail);
  }
  return { mails };
}

/** Plain text with its links made clickable (only http(s) links to be safe). */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <pre className="mail__body">
      {parts.map((p, i) => (
        <Fragment key={i}>{/^https?:\/\//.test(p) ? <a href={p}>{p}</a> : p}</Fragment>
      ))}
    </pre>
  );
}

export default function Mailbox() {
  const { mails } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>Dev mailbox</h1>
      <p className="muted">Mail is kept here because no SMTP server is configured. Newest first.</p>
      {mails.length === 0 ? <p>No mail yet.</p> : null}
      {mails.map((m) => (
        <article key={m.id} className="panel mail" data-testid="mail">
          <h2 className="panel__title">{m.subject}</h2>
          <p className="muted">
            To <strong data-testid="mail-to">{m.to}</strong> · {m.sentAt}
          </p>
          <Linkified text={m.text} />
        </article>
      ))}
    </div>
  );
}
