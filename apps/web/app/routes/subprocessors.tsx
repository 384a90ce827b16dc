import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { PublicPage } from '../components/public-page.tsx';
import docStyles from '../styles/doc.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles);

export const meta: MetaFunction = () => [{ title: 'Subprocessors · Metric Flow IQ' }];

/** Rendered from the deployment's subprocessors file (validated at start-up). */
export function loader({ context }: LoaderFunctionArgs) {
  return context.publicInfo.subprocessors;
}

export default function SubprocessorsPage() {
  const { updated, subprocessors } = useLoaderData<typeof loader>();
  return (
    <PublicPage
      id="subprocessors"
      eyebrow="Trust"
      title="Subprocessors"
      updated={updated}
      lead="Third-party services that may process personal data on our behalf, and when they are used."
    >
      {subprocessors.length === 0 ? (
        <p>This deployment uses no third-party subprocessors.</p>
      ) : (
        <div className="doc-table-wrap">
          <table className="doc-table">
            <caption className="visually-hidden">Subprocessors</caption>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Purpose</th>
                <th scope="col">Data</th>
                <th scope="col">Location</th>
                <th scope="col">Used</th>
              </tr>
            </thead>
            <tbody>
              {subprocessors.map((s) => (
                <tr key={s.name}>
                  <th scope="row">
                    <a href={s.website} rel="noopener noreferrer">
                      {s.name}
                    </a>
                  </th>
                  <td>{s.purpose}</td>
                  <td>{s.data}</td>
                  <td>{s.location}</td>
                  <td>{s.when ?? 'Always'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">
        Questions about a subprocessor? <Link to="/contact?topic=privacy">Contact us</Link>.
      </p>
    </PublicPage>
  );
}
