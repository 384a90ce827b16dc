import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { PublicPage } from '../components/public-page.tsx';
import { SECURITY_SECTIONS, SECURITY_UPDATED } from '../content/security-claims.ts';
import docStyles from '../styles/doc.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles);

export const meta: MetaFunction = () => [
  { title: 'Security · Metric Flow IQ' },
  {
    name: 'description',
    content: 'How Metric Flow IQ protects accounts, separates organizations and responds to incidents.',
  },
];

export default function Security() {
  return (
    <PublicPage
      id="security"
      eyebrow="Trust"
      title="Security"
      updated={SECURITY_UPDATED}
      lead="What the product does to protect your data today. Each statement on this page is checked against the code by an automated test."
    >
      <nav className="doc__toc" aria-label="On this page">
        <ol>
          {SECURITY_SECTIONS.map((s) => (
            <li key={s.id}>
              <a href={`#${s.id}`}>{s.title}</a>
            </li>
          ))}
        </ol>
      </nav>
      {SECURITY_SECTIONS.map((section) => (
        <section key={section.id} id={section.id} className="doc__section" aria-labelledby={`${section.id}-heading`}>
          <h2 id={`${section.id}-heading`}>{section.title}</h2>
          {section.intro ? <p>{section.intro}</p> : null}
          <ul className="doc__claims">
            {section.claims.map((c) => (
              <li key={c.id} data-claim={c.id}>
                {c.text}
              </li>
            ))}
          </ul>
        </section>
      ))}
      <section className="doc__section" aria-labelledby="security-more">
        <h2 id="security-more">More</h2>
        <p>
          See the <Link to="/privacy">privacy policy</Link> and the <Link to="/subprocessors">subprocessors</Link>.
          Security questions or a vulnerability to report? Use the{' '}
          <Link to="/contact?topic=security">contact form</Link> with the topic “Security”.
        </p>
      </section>
    </PublicPage>
  );
}
