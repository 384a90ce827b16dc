import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = () => [{ title: 'API keys · Metric Flow IQ' }];

const SCOPES = [
  { value: 'data:write', label: 'Write data (push points)' },
  { value: 'metrics:read', label: 'Read metrics and series' },
] as const;

/** Admins only: the procedure answers FORBIDDEN to other roles, which the page shows as 403. */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (api) => ({ keys: await api.apiKeys.list({ slug }) }));
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  const { caller } = await serverApi(args);
  try {
    if (intent === 'revoke') {
      await caller.apiKeys.revoke({ slug, id: String(form.get('id') ?? '') });
      return {
        intent,
        token: null,
        message: 'Key revoked. Requests with it are refused from now on.',
        fieldErrors: {} as Record<string, string[]>,
      };
    }
    const scopes = form.getAll('scopes').map(String) as ('data:write' | 'metrics:read')[];
    const created = await caller.apiKeys.create({ slug, name: String(form.get('name') ?? ''), scopes });
    return {
      intent,
      token: created.token,
      message: `Key “${created.key.name}” created.`,
      fieldErrors: {} as Record<string, string[]>,
    };
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ intent, token: null, message: errors.formError, fieldErrors: errors.fieldErrors }, { status: 400 });
  }
}

const when = (d: string | Date | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export default function ApiKeys() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { keys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const fe = result?.fieldErrors ?? {};
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="keys-title">
        <h2 id="keys-title" className="panel__title">
          API keys
        </h2>
        <p className="muted">
          Keys let programs push data and read metrics for {org.organization.name}: send{' '}
          <code>Authorization: Bearer &lt;key&gt;</code>. The HTTP API is described at{' '}
          <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
        </p>
        {result?.token ? (
          <FormAlert tone="success">
            {result.message} Copy it now: it is shown only once.
            <code className="secret" data-testid="new-api-key">
              {result.token}
            </code>
          </FormAlert>
        ) : result?.message ? (
          <FormAlert tone={result.intent === 'revoke' && !Object.keys(fe).length ? 'success' : 'error'}>
            {result.message}
          </FormAlert>
        ) : null}
        {keys.length === 0 ? (
          <p className="muted">No keys yet.</p>
        ) : (
          <table className="table" data-testid="keys-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>{when(k.createdAt)}</td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      `Revoked ${when(k.revokedAt)}`
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="id" value={k.id} />
                        <button
                          type="submit"
                          name="intent"
                          value="revoke"
                          className="button button--quiet"
                          disabled={busy}
                        >
                          Revoke
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="new-key-title">
        <h2 id="new-key-title" className="panel__title">
          New key
        </h2>
        <Form method="post" className="form form--wide" noValidate>
          <fieldset className="form__fieldset" disabled={busy}>
            <legend className="visually-hidden">New key</legend>
            <TextField
              name="name"
              label="Name"
              required
              maxLength={100}
              placeholder="Billing system"
              errors={fe.name}
            />
            <fieldset className="field">
              <legend className="field__label">Scopes</legend>
              {SCOPES.map((s) => (
                <label key={s.value} className="checkbox">
                  <input type="checkbox" name="scopes" value={s.value} defaultChecked={s.value === 'data:write'} />{' '}
                  {s.label}
                </label>
              ))}
              {fe.scopes ? <p className="field__error">{fe.scopes.join(' ')}</p> : null}
            </fieldset>
          </fieldset>
          <div className="form__actions">
            <button type="submit" name="intent" value="create" className="button" disabled={busy}>
              Create key
            </button>
          </div>
        </Form>
      </section>
    </div>
  );
}
