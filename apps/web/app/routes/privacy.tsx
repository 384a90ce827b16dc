import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { PublicPage } from '../components/public-page.tsx';
import docStyles from '../styles/doc.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles);

export const meta: MetaFunction = () => [{ title: 'Privacy policy · Metric Flow IQ' }];

export default function Privacy() {
  return (
    <PublicPage
      id="privacy"
      eyebrow="Trust"
      title="Privacy policy"
      updated="2026-12-06"
      lead="What personal data Metric Flow IQ keeps, why, and for how long."
    >
      <section className="doc__section" aria-labelledby="privacy-what">
        <h2 id="privacy-what">What we keep</h2>
        <ul>
          <li>
            <strong>Your account:</strong> email address, display name and a one-way hash of your password (never the
            password itself).
          </li>
          <li>
            <strong>Your organizations:</strong> their names and settings, who is a member and with which role, and the
            data your team enters.
          </li>
          <li>
            <strong>Sessions:</strong> for each signed-in browser, when it signed in and was last active, its IP address
            and browser name. The session cookie’s token itself is not stored, only its hash.
          </li>
          <li>
            <strong>Audit trail:</strong> changes and security-relevant events (sign-ins, failed sign-ins, refused
            actions) with the time, the person, the IP address and browser name.
          </li>
          <li>
            <strong>Contact messages:</strong> what you send through the contact form, with the time, IP address and
            browser name.
          </li>
          <li>
            <strong>Abuse protection:</strong> short-lived counters per IP address and form (15-minute windows) and the
            ids of form tokens already used (kept at most two hours).
          </li>
        </ul>
      </section>
      <section className="doc__section" aria-labelledby="privacy-cookies">
        <h2 id="privacy-cookies">Cookies</h2>
        <p>
          One cookie: the session cookie that keeps you signed in. It is HttpOnly, so page scripts cannot read it. There
          are no advertising or analytics cookies.
        </p>
      </section>
      <section className="doc__section" aria-labelledby="privacy-optional">
        <h2 id="privacy-optional">Optional services</h2>
        <p>
          Depending on how a deployment is configured, a CAPTCHA provider checks submissions of the public forms, an
          error-reporting service receives details of unexpected server errors, and request traces are sent to the
          operator’s tracing collector. All are off unless configured; the providers in use are listed on the{' '}
          <Link to="/subprocessors">subprocessors page</Link>.
        </p>
      </section>
      <section className="doc__section" aria-labelledby="privacy-retention">
        <h2 id="privacy-retention">How long</h2>
        <ul>
          <li>
            Sessions end after 2 hours of inactivity or 7 days at most, and expired sessions are deleted regularly.
          </li>
          <li>Account and organization data are kept while the account or organization exists.</li>
          <li>
            Audit events are kept for 365 days unless the organization’s owners choose another period (30 days to 10
            years); older events are deleted every night.
          </li>
          <li>
            Data points are kept until they are deleted, or for the period the organization’s owners choose; backups are
            kept by a daily and weekly rotation whose length they can choose too.
          </li>
          <li>Contact messages are kept until we have answered and deleted them.</li>
        </ul>
      </section>
      <section className="doc__section" aria-labelledby="privacy-deletion">
        <h2 id="privacy-deletion">Deleting an organization</h2>
        <p>
          An owner can delete the organization in its settings. It is locked at once and, after a grace period of 7 days
          (unless the service sets another) in which an owner can cancel, everything it holds is erased: members,
          metrics and data, forms, imports, mail about it, its audit log and its backups, whose key is destroyed so that
          no copy of them can be read again. A record of the erasure (who asked, when, how much was erased) is kept, and
          every owner receives a confirmation by email.
        </p>
      </section>
      <section className="doc__section" aria-labelledby="privacy-rights">
        <h2 id="privacy-rights">Your choices</h2>
        <p>
          To ask what we hold about you, to correct it or to have it deleted, use the{' '}
          <Link to="/contact?topic=privacy">contact form</Link> with the topic “Privacy”. How we protect the data is
          described on the <Link to="/security">security page</Link>.
        </p>
      </section>
    </PublicPage>
  );
}
