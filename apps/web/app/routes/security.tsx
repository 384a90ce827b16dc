import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { SECURITY_SECTIONS, SECURITY_UPDATED, type Section } from '@mfiq/evidence/claims';
import { PublicPage } from '../components/public-page.tsx';
import docStyles from '../styles/doc.css?url';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles, lifecycleStyles);

export const meta: MetaFunction = () => [
  { title: 'Security · Metric Flow IQ' },
  {
    name: 'description',
    content:
      'How Metric Flow IQ protects accounts and data, separates organizations, keeps and erases backups, and responds to incidents.',
  },
];

/** The security contact comes from configuration (SECURITY_CONTACT), like /.well-known/security.txt. */
export function loader({ context }: LoaderFunctionArgs) {
  return { securityContact: context.publicInfo.securityContact };
}

export default function Security() {
  const { securityContact } = useLoaderData<typeof loader>();
  return (
    <PublicPage
      id="security"
      eyebrow="Trust"
      title="Security"
      updated={SECURITY_UPDATED}
      lead="What the product does to protect your data today. Each statement on this page names the automated test that proves it against the code."
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
        <SectionView key={section.id} section={section} securityContact={securityContact} />
      ))}
    </PublicPage>
  );
}

function SectionView({ section, securityContact }: { section: Section; securityContact: string }) {
  return (
    <section id={section.id} className="doc__section" aria-labelledby={`${section.id}-heading`}>
      <h2 id={`${section.id}-heading`}>{section.title}</h2>
      {section.intro ? <p>{section.intro}</p> : null}
      {section.id === 'contact' ? (
        <p className="security-contact">
          Security contact:{' '}
          <a href={`mailto:${securityContact}`} data-testid="security-contact">
            {securityContact}
          </a>
          . You can also use the <Link to="/contact?topic=security">contact form</Link> with the topic “Security”. Our{' '}
          <a href="/.well-known/security.txt">security.txt</a> says the same for tools.
        </p>
      ) : null}
      {section.groups.map((group) => (
        <div key={group.title}>
          <h3 className="doc__group">{group.title}</h3>
          {group.intro ? <p>{group.intro}</p> : null}
          <ul className="doc__claims">
            {group.claims.map((c) => (
              <li key={c.id} data-claim={c.id}>
                <span className="claim__text">{c.text}</span>
                <span className="claim__proof">
                  Proven by <code>{c.proof.file}</code>: “{c.proof.test}”
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {section.id === 'subprocessors' ? (
        <p>
          See the <Link to="/subprocessors">subprocessors</Link> and the <Link to="/privacy">privacy policy</Link>.
        </p>
      ) : null}
    </section>
  );
}
