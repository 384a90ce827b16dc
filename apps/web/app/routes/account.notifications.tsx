import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { OrganizationNotifications } from '../components/alerts/notification-settings.tsx';
import { FormAlert } from '../components/field.tsx';
import { notificationSettingsForm, unmuteForm } from '../lib/alert-forms.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { trpc } from '../trpc.ts';
import { callApi, isTrpcError } from '../trpc.server.ts';
import alertStyles from '../styles/alerts.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(alertStyles);

export const meta: MetaFunction = () => [{ title: 'Notifications · Metric Flow IQ' }];

/** A locked organization (deletion pending, say) has no settings to change: shown as such, not as an error page. */
const unlessLocked = (error: unknown) => {
  if (isTrpcError(error) && error.code === 'FORBIDDEN') return null;
  throw error;
};

/**
 * The signed-in user's notification settings, one block per organization they belong to:
 * preferences are per membership (ADR 0113), so someone can want mail from one organization only.
 */
export async function loader(args: LoaderFunctionArgs) {
  return callApi(args, async (api) => {
    const organizations = await api.org.list();
    return {
      organizations: await Promise.all(
        organizations.map(async (o) => ({
          slug: o.slug,
          name: o.name,
          settings: await api.notifications.settings({ slug: o.slug }).catch(unlessLocked),
        })),
      ),
    };
  });
}

/** The page's two forms, told apart by the button pressed (`intent`); each names its organization. */
const notificationsForm = z.discriminatedUnion('intent', [
  notificationSettingsForm.extend({ intent: z.literal('settings') }),
  unmuteForm.extend({ intent: z.literal('unmute') }),
]);

/** Both forms go through Conform with the procedures' schemas (ADR 0107). */
export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(args, notificationsForm, async (v, api) => {
    switch (v.intent) {
      case 'unmute':
        await api.alerts.unmute({ slug: v.slug, ruleId: v.ruleId });
        return 'unmuted' as const;
      case 'settings':
        await api.notifications.updateSettings({ slug: v.slug, emailAlerts: v.emailAlerts, digest: v.digest });
        return 'saved' as const;
    }
  });
  // The reply names the organization whose block shows it (its slug as typed, even when refused).
  const typed = outcome.reply.initialValue?.slug;
  const slug = typeof typed === 'string' ? typed : null;
  return outcome.ok
    ? { done: outcome.value, slug, reply: outcome.reply }
    : data({ done: null, slug, reply: outcome.reply }, { status: 400 });
}

export default function AccountNotifications() {
  const { organizations } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const utils = trpc.useUtils();

  // Unmuting changes nothing unread, but the page's bell counts come from the same cache: keep it honest.
  useEffect(() => {
    if (result?.done) void utils.notifications.unreadCounts.invalidate();
  }, [result, utils]);

  return (
    <div className="stack">
      <p>
        <Link to="/account">← Your account</Link>
      </p>
      <h1>Notifications</h1>
      <p className="muted">
        Alert mail, digests and the rules you muted, for each organization you belong to. Alerts always reach your inbox
        in the app; these settings decide what else reaches you.
      </p>
      {organizations.length === 0 ? (
        <section className="panel">
          <p className="muted" data-testid="no-organizations">
            You are not in an organization yet, so nothing can notify you.{' '}
            <Link to="/organizations/new">Create an organization</Link>
          </p>
        </section>
      ) : (
        organizations.map((o) =>
          o.settings ? (
            <OrganizationNotifications
              key={o.slug}
              slug={o.slug}
              name={o.name}
              settings={o.settings}
              result={result?.slug === o.slug ? result : null}
            />
          ) : (
            <section key={o.slug} className="panel" aria-label={o.name}>
              <h2 className="panel__title">{o.name}</h2>
              <FormAlert tone="info">
                This organization is locked: it sends no alerts, and its settings cannot change now.
              </FormAlert>
            </section>
          ),
        )
      )}
    </div>
  );
}
