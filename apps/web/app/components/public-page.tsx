import type { ReactNode } from 'react';

/** The frame of the public information pages (security, privacy, subprocessors, contact). */
export function PublicPage({
  id,
  eyebrow,
  title,
  lead,
  updated,
  children,
}: {
  id: string;
  eyebrow: string;
  title: string;
  lead?: ReactNode;
  updated?: string;
  children: ReactNode;
}) {
  return (
    <article className="doc" aria-labelledby={`${id}-title`}>
      <header className="doc__header">
        <p className="eyebrow">{eyebrow}</p>
        <h1 id={`${id}-title`}>{title}</h1>
        {lead ? <p className="doc__lead">{lead}</p> : null}
        {updated ? (
          <p className="muted doc__updated">
            Last updated <time dateTime={updated}>{updated}</time>
          </p>
        ) : null}
      </header>
      {children}
    </article>
  );
}
