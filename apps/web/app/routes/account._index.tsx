import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { changePasswordInput, revokeSessionInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Account · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  return callApi(args, (caller) => caller.account.get());
}

/** Every form on the page posts here; `intent` says which, each with its procedure's fields. */
const accountForm = z.discriminatedUnion('intent', [
  revokeSessionInput.extend({ intent: z.literal('revoke') }),
  z.object({ intent: z.literal('revoke-others') }),
  changePasswordInput.extend({ intent: z.literal('password') }),
  z.object({ intent: z.literal('disable-2fa') }),
]);

export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(
    args,
    accountForm,
    async (value, api) => {
      switch (value.intent) {
        case 'revoke':
          await api.account.revokeSession({ sessionId: value.sessionId });
          return 'That session was signed out.';
        case 'revoke-others': {
          const { revoked } = await api.account.revokeOtherSessions();
          return `${revoked} other session(s) signed out.`;
        }
        case 'password':
          await api.account.changePassword({ currentPassword: value.currentPassword, newPassword: value.newPassword });
          return 'Password changed. Your other sessions were signed out.';
        case 'disable-2fa':
          await api.account.disableTwoFactor();
          return 'Two-factor is off.';
      }
    },
    { alsoFormErrors: ['NOT_FOUND'], resetOnSuccess: true },
  );
  return outcome.ok
    ? { ok: outcome.value, reply: outcome.reply }
    : data({ ok: null, reply: outcome.reply }, { status: 400 });
}

const when = (d: Date | string) => new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export default function Account() {
  const account = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  // Field errors belong to the password form, the only one with fields a person types.
  const [form, fields] = useApiForm(changePasswordInput, { id: 'change-password', lastResult: result?.reply });
  return (
    <div className="stack">
      <h1>Your account</h1>
      {result?.ok ? <FormAlert tone="success">{result.ok}</FormAlert> : null}
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <section className="panel" aria-labelledby="tf-title">
        <h2 id="tf-title" className="panel__title">
          Two-factor authentication
        </h2>
        {account.twoFactor.enabled ? (
          <>
            <p data-testid="two-factor-status">On · {account.twoFactor.recoveryCodesLeft} recovery codes left.</p>
            <Form method="post" className="form__actions">
              <Link to="/account/two-factor" className="button button--quiet">
                New recovery codes
              </Link>
              <button type="submit" name="intent" value="disable-2fa" className="button button--quiet" disabled={busy}>
                Turn off
              </button>
            </Form>
          </>
        ) : (
          <>
            <p data-testid="two-factor-status">Off. Protect your account with an authenticator app.</p>
            <Link to="/account/two-factor" className="button">
              Set up two-factor
            </Link>
          </>
        )}
      </section>
      <section className="panel" aria-labelledby="notifications-title">
        <h2 id="notifications-title" className="panel__title">
          Notifications
        </h2>
        <p>Alert mail, digests and the rules you muted, for each of your organizations.</p>
        <Link to="/account/notifications" className="button button--quiet">
          Notification settings
        </Link>
      </section>
      <section className="panel" aria-labelledby="pw-title">
        <h2 id="pw-title" className="panel__title">
          Password
        </h2>
        <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
          <input type="hidden" name="intent" value="password" />
          <TextField
            {...fieldProps(fields.currentPassword)}
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
          />
          <TextField
            {...fieldProps(fields.newPassword)}
            label="New password"
            type="password"
            autoComplete="new-password"
            required
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              Change password
            </button>
          </div>
        </Form>
      </section>
      <section className="panel" aria-labelledby="sessions-title">
        <h2 id="sessions-title" className="panel__title">
          Where you are signed in
        </h2>
        <table className="table" data-testid="sessions">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP address</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {account.sessions.map((s) => (
              <tr key={s.id}>
                <td title={s.userAgent ?? ''}>
                  {s.device} {s.current ? <span className="muted">(this device)</span> : null}
                </td>
                <td>{s.ip ?? 'unknown'}</td>
                <td>{when(s.createdAt)}</td>
                <td>{when(s.lastSeenAt)}</td>
                <td>
                  {s.current ? null : (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="sessionId" value={s.id} />
                      <button
                        type="submit"
                        name="intent"
                        value="revoke"
                        className="button button--quiet"
                        disabled={busy}
                      >
                        Sign out
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {account.sessions.length > 1 ? (
          <Form method="post" className="form__actions">
            <button type="submit" name="intent" value="revoke-others" className="button button--quiet" disabled={busy}>
              Sign out everywhere else
            </button>
          </Form>
        ) : null}
      </section>
    </div>
  );
}
