import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  Form,
  useActionData,
  useLoaderData,
  useNavigation,
  useRevalidator,
  useRouteLoaderData,
} from '@remix-run/react';
import { useEffect } from 'react';
import { FormAlert } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import backupsStyles from '../styles/backups.css?url';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(backupsStyles, lifecycleStyles);

export const meta: MetaFunction = ({ matches }) => {
  const org = matches.find((m) => m.id === 'routes/orgs.$slug')?.data as OrgData | undefined;
  return [{ title: org ? `Backups · ${org.organization.name} · Metric Flow IQ` : 'Backups · Metric Flow IQ' }];
};

/** Owners only (backups:manage); others get the API's 403, members of other organizations a 404. */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (caller) => ({
    backups: await caller.backups.list({ slug }),
    drills: await caller.drills.latest({ slug }),
  }));
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  try {
    await caller.backups.start({ slug });
    return { started: true as const, formError: null };
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ started: false as const, formError: errors.formError }, { status: 409 });
  }
}

const STATUS_LABEL = { queued: 'Queued', running: 'Running', succeeded: 'Complete', failed: 'Failed' } as const;

function formatBytes(n: number | null): string {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const when = (d: string | Date) =>
  new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

export default function Backups() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { backups, drills } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const active = backups.some((b) => b.status === 'queued' || b.status === 'running');

  // While a backup is queued or running, poll for its progress.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle' && document.visibilityState === 'visible') revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [active, revalidator]);

  if (!org) return null;
  const canExport = org.permissions.includes('data:export');
  const busy = navigation.state === 'submitting' && navigation.formAction?.endsWith('/backups');

  return (
    <section className="panel" aria-labelledby="backups-title">
      <div className="panel__head">
        <h2 id="backups-title" className="panel__title">
          Backups
        </h2>
        <Form method="post">
          <button type="submit" className="button" disabled={busy || active}>
            {active ? 'Backup in progress…' : busy ? 'Starting…' : 'Back up now'}
          </button>
        </Form>
      </div>
      <p className="muted">
        {org.organization.name} is backed up every night, encrypted (AES-256-GCM). Download an export to get all of its
        data as a zip of NDJSON files, one per table.
      </p>
      <LastVerifiedRestore drills={drills} />
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      {backups.length === 0 ? (
        <p className="muted" data-testid="no-backups">
          No backups yet. The first scheduled backup runs tonight, or start one now.
        </p>
      ) : (
        <table className="data-table" data-testid="backups">
          <thead>
            <tr>
              <th scope="col">Taken</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Export</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => {
              const pct = b.rowsTotal ? Math.min(100, Math.round((b.rowsDone / b.rowsTotal) * 100)) : 0;
              return (
                <tr key={b.id} data-status={b.status}>
                  <td>{when(b.createdAt)}</td>
                  <td>{b.kind === 'manual' ? 'On demand' : 'Scheduled'}</td>
                  <td>
                    <span className={`backup-status backup-status--${b.status}`}>{STATUS_LABEL[b.status]}</span>
                    {b.status === 'running' ? (
                      <progress className="backup-status__progress" max={100} value={pct} aria-label="Backup progress">
                        {pct}%
                      </progress>
                    ) : null}
                    {b.status === 'failed' && b.error ? (
                      <span className="muted backup-status__detail">{b.error}</span>
                    ) : null}
                  </td>
                  <td>{formatBytes(b.bytes)}</td>
                  <td className="data-table__action">
                    {b.status === 'succeeded' && canExport ? (
                      <Form
                        method="post"
                        action={`/orgs/${org.organization.slug}/backups/${b.id}/download`}
                        reloadDocument
                      >
                        <button type="submit" className="button button--quiet">
                          Download export
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

type Drills = Awaited<ReturnType<typeof loader>>['drills'];

/**
 * The newest restore drill that proved a backup restores, and the newest drill if it failed since:
 * a restore path nobody exercised is not a backup (docs/decisions/0123-restore-drills.md).
 */
function LastVerifiedRestore({ drills }: { drills: Drills }) {
  const { lastPassed, last } = drills;
  const failedSince = last && last.status === 'failed' ? last : null;
  return (
    <>
      <p className={`drill drill--${lastPassed ? 'passed' : 'none'}`} data-testid="last-verified-restore">
        <span className="drill__label">Last verified restore:</span>
        {lastPassed ? (
          <span>
            {when(lastPassed.finishedAt)}: the backup of{' '}
            {lastPassed.backupTakenAt ? when(lastPassed.backupTakenAt) : 'that night'} was restored and matched the
            original, {lastPassed.tables} tables and {lastPassed.rows.toLocaleString('en-GB')} rows.
          </span>
        ) : (
          <span className="muted">
            none yet. Each night the latest backup is restored into scratch tables and compared with the original.
          </span>
        )}
      </p>
      {failedSince ? (
        <p className="drill drill--failed" role="alert">
          <span className="drill__label">The last restore drill failed</span>
          <span>
            ({when(failedSince.finishedAt)}): {failedSince.error ?? 'unknown reason'} The operators have been alerted.
          </span>
        </p>
      ) : null}
    </>
  );
}
