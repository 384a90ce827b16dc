import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { inviteInput, memberChangeForm } from '@mfiq/api/shared';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = () => [{ title: 'Members · Metric Flow IQ' }];

const ROLE_OPTIONS = ['viewer', 'editor', 'admin', 'owner'] as const;

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (caller) => {
    const org = await caller.org.get({ slug });
    const members = await caller.members.list({ slug });
    const invitations = org.permissions.includes('members:manage')
      ? await caller.members.listInvitations({ slug })
      : [];
    return { members, invitations };
  });
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(
    args,
    memberChangeForm,
    async (change, api) => {
      switch (change.intent) {
        case 'invite':
          await api.members.invite({ slug, email: change.email, role: change.role });
          return `Invitation sent to ${change.email}.`;
        case 'revoke':
          await api.members.revokeInvitation({ slug, invitationId: change.invitationId });
          return 'Saved.';
        case 'role':
          await api.members.changeRole({ slug, membershipId: change.membershipId, role: change.role });
          return 'Saved.';
        case 'remove':
          await api.members.remove({ slug, membershipId: change.membershipId });
          return 'Saved.';
        case 'transfer':
          await api.members.transferOwnership({ slug, membershipId: change.membershipId });
          return 'Saved.';
        case 'leave':
          await api.members.leave({ slug });
          return null;
      }
    },
    { alsoFormErrors: ['FORBIDDEN', 'NOT_FOUND'] },
  );
  if (outcome.ok && outcome.value === null) return Response.redirect(new URL('/', args.request.url).toString(), 303);
  return outcome.ok
    ? { ok: outcome.value, reply: outcome.reply }
    : data({ ok: null, reply: outcome.reply }, { status: 400, headers: outcome.resHeaders });
}

export default function Members() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { members, invitations } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  // Every form on the page posts to the same action; field errors belong to the invitation form.
  const [invite, inviteFields] = useApiForm(inviteInput, { id: 'invite', lastResult: result?.reply });
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const canManage = org.permissions.includes('members:manage');
  const isOwner = org.permissions.includes('ownership:manage');
  const roles = ROLE_OPTIONS.filter((r) => r !== 'owner' || isOwner);
  return (
    <div className="stack">
      {result?.ok ? <FormAlert tone="success">{result.ok}</FormAlert> : null}
      {invite.errors?.length ? <FormAlert>{invite.errors.join(' ')}</FormAlert> : null}
      <section className="panel" aria-labelledby="members-title">
        <h2 id="members-title" className="panel__title">
          Members
        </h2>
        <table className="table" data-testid="members">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              {canManage ? <th scope="col">Manage</th> : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.membershipId}>
                <td>
                  {m.displayName} {m.isYou ? <span className="muted">(you)</span> : null}
                </td>
                <td>{m.email}</td>
                <td>
                  <span className={`role role--${m.role}`}>{m.role}</span>
                </td>
                {canManage ? (
                  <td>
                    {!m.isYou && (m.role !== 'owner' || isOwner) ? (
                      <div className="row-actions">
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="membershipId" value={m.membershipId} />
                          <label className="visually-hidden" htmlFor={`role-${m.membershipId}`}>
                            Role of {m.email}
                          </label>
                          <select
                            id={`role-${m.membershipId}`}
                            name="role"
                            defaultValue={m.role}
                            className="input select input--small"
                          >
                            {roles.map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>
                          <button
                            type="submit"
                            name="intent"
                            value="role"
                            className="button button--quiet"
                            disabled={busy}
                          >
                            Change role
                          </button>
                          <button
                            type="submit"
                            name="intent"
                            value="remove"
                            className="button button--quiet"
                            disabled={busy}
                          >
                            Remove
                          </button>
                          {isOwner && m.role !== 'owner' ? (
                            <button
                              type="submit"
                              name="intent"
                              value="transfer"
                              className="button button--quiet"
                              disabled={busy}
                            >
                              Make owner (you become admin)
                            </button>
                          ) : null}
                        </Form>
                      </div>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        <Form method="post" className="form__actions">
          <button type="submit" name="intent" value="leave" className="button button--quiet" disabled={busy}>
            Leave {org.organization.name}
          </button>
        </Form>
      </section>
      {canManage ? (
        <section className="panel" aria-labelledby="invite-title">
          <h2 id="invite-title" className="panel__title">
            Invite someone
          </h2>
          <Form method="post" className="form form--wide" id={invite.id} onSubmit={invite.onSubmit} noValidate>
            <input type="hidden" name="intent" value="invite" />
            <TextField {...fieldProps(inviteFields.email)} label="Email" type="email" required />
            <SelectField
              {...fieldProps(inviteFields.role)}
              defaultValue={inviteFields.role.initialValue ?? 'viewer'}
              label="Role"
              options={roles.map((r) => ({ value: r, label: r }))}
            />
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                Send invitation
              </button>
            </div>
          </Form>
          {invitations.length ? (
            <ul className="list" data-testid="invitations">
              {invitations.map((i) => (
                <li key={i.id}>
                  <span>
                    {i.email} · {i.role} ·{' '}
                    {i.expired ? 'expired' : `expires ${new Date(i.expiresAt).toISOString().slice(0, 10)}`}
                  </span>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="invitationId" value={i.id} />
                    <button type="submit" name="intent" value="revoke" className="button button--quiet" disabled={busy}>
                      Withdraw
                    </button>
                  </Form>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
