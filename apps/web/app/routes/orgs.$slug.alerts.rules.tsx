import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { channelInput } from '@mfiq/api/shared';
import { ChannelsSection } from '../components/alerts/channels-section.tsx';
import { RuleEditor } from '../components/alerts/rule-editor.tsx';
import { RulesTable } from '../components/alerts/rules-table.tsx';
import { FormAlert } from '../components/field.tsx';
import { ruleForm } from '../lib/alert-forms.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { trpc } from '../trpc.ts';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = ({ matches }) => {
  const org = matches.find((m) => m.id === 'routes/orgs.$slug')?.data as OrgData | undefined;
  return [{ title: org ? `Alert rules · ${org.organization.name} · Metric Flow IQ` : 'Alert rules · Metric Flow IQ' }];
};

/**
 * Everyone who can see metrics sees the rules (personal notification settings live under
 * /account/notifications); the editor, the metrics, members and channels it offers are loaded
 * only for `alerts:manage` (the procedures check it again).
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const editId = new URL(args.request.url).searchParams.get('edit');
  return callApi(args, async (api) => {
    const { permissions } = await api.org.get({ slug });
    const rules = await api.alerts.list({ slug });
    if (!permissions.includes('alerts:manage')) return { rules, manage: null };
    const [metrics, members, channels, editing] = await Promise.all([
      api.metrics.list({ slug }),
      permissions.includes('members:read') ? api.members.list({ slug }) : Promise.resolve([]),
      api.alerts.channels({ slug }),
      editId ? api.alerts.get({ slug, id: editId }) : Promise.resolve(null),
    ]);
    return {
      rules,
      manage: {
        metrics: metrics.map((m) => ({ key: m.key, name: m.name })),
        members: members.map((m) => ({ id: m.membershipId, name: m.displayName, email: m.email, isYou: m.isYou })),
        channels,
        editing: editing?.rule ?? null,
      },
    };
  });
}

type Done =
  | 'rule-saved'
  | 'rule-paused'
  | 'rule-resumed'
  | 'rule-deleted'
  | 'channel-created'
  | 'secret-rotated'
  | 'channel-disabled'
  | 'channel-enabled'
  | 'channel-deleted';

const field = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === 'string' ? v : '';
};

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const intent = field(form, 'intent');
  const ok = (done: Done, extra: { secret?: { channel: string; value: string } } = {}) => ({
    done,
    form: null,
    reply: null,
    formError: null,
    secret: extra.secret ?? null,
  });

  // Forms with fields go through Conform with the procedures' schemas (ADR 0107).
  const forms = {
    'save-rule': () =>
      submitForm(
        args,
        ruleForm,
        async ({ id, ...rule }, api) => {
          if (id) await api.alerts.update({ slug, id, ...rule });
          else await api.alerts.create({ slug, ...rule });
          return null;
        },
        { formData: form, resetOnSuccess: true },
      ),
    'create-channel': () =>
      submitForm(
        args,
        channelInput,
        async (value, api) => (await api.alerts.createChannel({ slug, ...value })).secret,
        {
          formData: form,
          resetOnSuccess: true,
        },
      ),
  } as const;
  if (intent in forms) {
    const which = intent as keyof typeof forms;
    const outcome = await forms[which]();
    const done: Done = which === 'save-rule' ? 'rule-saved' : 'channel-created';
    if (!outcome.ok)
      return data({ done: null, form: which, reply: outcome.reply, formError: null, secret: null }, { status: 400 });
    const secret = typeof outcome.value === 'string' ? { channel: field(form, 'name'), value: outcome.value } : null;
    return { done, form: which, reply: outcome.reply, formError: null, secret };
  }

  const { caller: api } = await serverApi(args);
  const id = field(form, 'id');
  try {
    switch (intent) {
      case 'pause':
      case 'resume':
        await api.alerts.setPaused({ slug, id, paused: intent === 'pause' });
        return ok(intent === 'pause' ? 'rule-paused' : 'rule-resumed');
      case 'delete-rule':
        await api.alerts.delete({ slug, id });
        return ok('rule-deleted');
      case 'rotate-secret': {
        const { secret } = await api.alerts.rotateChannelSecret({ slug, id });
        return ok('secret-rotated', { secret: { channel: field(form, 'name'), value: secret } });
      }
      case 'disable-channel':
      case 'enable-channel':
        await api.alerts.setChannelDisabled({ slug, id, disabled: intent === 'disable-channel' });
        return ok(intent === 'disable-channel' ? 'channel-disabled' : 'channel-enabled');
      case 'delete-channel':
        await api.alerts.deleteChannel({ slug, id });
        return ok('channel-deleted');
      default:
        return data({ ...ok('rule-saved'), done: null, formError: 'Unknown action' }, { status: 400 });
    }
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(
      { ...ok('rule-saved'), done: null, formError: errors.formError ?? 'That did not work' },
      { status: errors.formError ? 409 : 400 },
    );
  }
}

const DONE: Record<Done, string> = {
  'rule-saved': 'Rule saved.',
  'rule-paused': 'Rule paused: its open alerts are resolved.',
  'rule-resumed': 'Rule resumed: it is evaluated again now.',
  'rule-deleted': 'Rule deleted.',
  'channel-created': 'Channel added.',
  'secret-rotated': 'Signing secret replaced.',
  'channel-disabled': 'Channel disabled: nothing is sent to it.',
  'channel-enabled': 'Channel enabled.',
  'channel-deleted': 'Channel deleted.',
};

export type RulesPage = Awaited<ReturnType<typeof loader>>;
export type RulesAction = Awaited<ReturnType<typeof action>>;

export default function AlertRules() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { rules, manage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const utils = trpc.useUtils();

  // A deleted or paused rule can take unread alerts with it: let the bell ask again.
  useEffect(() => {
    if (result?.done) void utils.notifications.unreadCounts.invalidate();
  }, [result, utils]);

  if (!org) return null;
  const replyOf = (which: string) => (result && 'form' in result && result.form === which ? result.reply : null);
  return (
    <>
      <section className="panel" aria-labelledby="rules-title">
        <div className="alerts__head">
          <h2 id="rules-title" className="panel__title">
            Alert rules
          </h2>
          <div className="inbox__tools">
            <Link to="/account/notifications" className="button button--quiet">
              Your notification settings
            </Link>
            <Link to={`/orgs/${org.organization.slug}/alerts`} className="button button--quiet">
              Your alerts
            </Link>
          </div>
        </div>
        {manage ? (
          <p className="muted">
            A rule watches one metric and notifies the people and channels you choose, once per period while its
            condition holds.
          </p>
        ) : (
          <FormAlert tone="info">
            You can see the rules of {org.organization.name}, but only owners, admins and editors can change them.
          </FormAlert>
        )}
        {result?.done ? <FormAlert tone="success">{DONE[result.done]}</FormAlert> : null}
        {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
        <RulesTable slug={org.organization.slug} rules={rules} canManage={Boolean(manage)} />
      </section>
      {manage ? (
        <RuleEditor
          key={`${manage.editing?.id ?? 'new'}|${result?.done === 'rule-saved' ? 'saved' : ''}`}
          slug={org.organization.slug}
          metrics={manage.metrics}
          members={manage.members}
          channels={manage.channels}
          editing={manage.editing}
          lastResult={replyOf('save-rule')}
        />
      ) : null}
      {manage ? (
        <ChannelsSection
          channels={manage.channels}
          lastResult={replyOf('create-channel')}
          secret={result?.secret ?? null}
        />
      ) : null}
    </>
  );
}
