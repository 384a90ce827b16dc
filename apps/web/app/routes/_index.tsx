import { redirect, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { callIfSignedIn } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Metric Flow IQ · Business metrics your security review will like' }];

/** Signed in: straight to the first organization. Signed out: the landing page. */
export async function loader(args: LoaderFunctionArgs) {
  const organizations = await callIfSignedIn(args, (caller) => caller.org.list());
  const first = organizations?.[0];
  if (first) throw redirect(`/orgs/${first.slug}`);
  return { signedIn: organizations !== null };
}

export default function Index() {
  const { signedIn } = useLoaderData<typeof loader>();
  if (signedIn) {
    return (
      <section className="panel empty-state">
        <h1>No organization yet</h1>
        <p>You are signed in but not a member of any organization. Ask an owner to invite you.</p>
      </section>
    );
  }
  return (
    <section className="hero" aria-labelledby="hero-title">
      <p className="eyebrow">Metric Flow IQ</p>
      <h1 id="hero-title">Every KPI against its target, in one place.</h1>
      <p className="hero__lead">
        Define your metrics once, let data flow in from your team, forms and API, and see how each one tracks against
        its target. Built to pass a security review: tenant isolation in the database, audited changes, abuse-resistant
        public forms.
      </p>
      <div className="hero__actions">
        <Link to="/signup" className="button button--large">
          Create an organization
        </Link>
        <Link to="/login" className="button button--quiet button--large">
          Sign in
        </Link>
      </div>
      <ul className="feature-list">
        <li>
          <strong>Tenant-safe</strong>
          <span>Row-level security on every table: one organization never sees another&apos;s data.</span>
        </li>
        <li>
          <strong>Roles that mean something</strong>
          <span>Owners, admins, editors and viewers, from one permission matrix.</span>
        </li>
        <li>
          <strong>Audited</strong>
          <span>Changes are recorded with who, what and when, in the same transaction as the change.</span>
        </li>
      </ul>
      <p className="hero__more">
        Doing a security review? Read <Link to="/security">how we protect your data</Link>, our{' '}
        <Link to="/privacy">privacy policy</Link> and the <Link to="/subprocessors">subprocessors</Link>, or{' '}
        <Link to="/contact">contact us</Link>.
      </p>
    </section>
  );
}
