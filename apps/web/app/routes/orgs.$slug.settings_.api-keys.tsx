import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { createApiKeyInput, revokeApiKeyInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
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

const apiKeyForm = z.discriminatedUnion('intent', [
  revokeApiKeyInput.extend({ intent: z.literal('revoke') }),
  createApiKeyInput.extend({ intent: z.literal('create') }),
]);

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, apiKeyForm, async (value, api) => {
    if (value.intent === 'revoke') {
      await api.apiKeys.revoke({ slug, id: value.id });
      return { token: null, message: 'Key revoked. Requests with it are refused from now on.' };
    }
    const created = await api.apiKeys.create({ slug, name: value.name, scopes: value.scopes });
    return { token: created.token, message: `Key “${created.key.name}” created.` };
  });
  return outcome.ok
    ? { ...outcome.value, reply: outcome.reply }
    : data({ token: null, message: null, reply: outcome.reply }, { status: 400 });
}

const when = (d: string | Date | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export default function ApiKeys() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { keys } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(createApiKeyInput, { id: 'new-api-key', lastResult: result?.reply });
  if (!org) return null;
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
          <FormAlert tone="success">{result.message}</FormAlert>
        ) : form.errors?.length ? (
          <FormAlert>{form.errors.join(' ')}</FormAlert>
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
        <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
          <input type="hidden" name="intent" value="create" />
          <fieldset className="form__fieldset" disabled={busy}>
            <legend className="visually-hidden">New key</legend>
            <TextField
              {...fieldProps(fields.name)}
              label="Name"
              required
              maxLength={100}
              placeholder="Billing system"
            />
            <fieldset className="field">
              <legend className="field__label">Scopes</legend>
              {SCOPES.map((s) => (
                <label key={s.value} className="checkbox">
                  <input type="checkbox" name="scopes" value={s.value} defaultChecked={s.value === 'data:write'} />{' '}
                  {s.label}
                </label>
              ))}
              {fields.scopes.allErrors && Object.keys(fields.scopes.allErrors).length ? (
                <p className="field__error">{Object.values(fields.scopes.allErrors).flat().join(' ')}</p>
              ) : null}
            </fieldset>
          </fieldset>
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              Create key
            </button>
          </div>
        </Form>
      </section>
    </div>
  );
}
