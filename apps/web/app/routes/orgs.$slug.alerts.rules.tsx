import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { channelIdSchema, channelInput, ruleIdSchema } from '@mfiq/api/shared';
import { ChannelsSection } from '../components/alerts/channels-section.tsx';
import { RuleEditor } from '../components/alerts/rule-editor.tsx';
import { RulesTable } from '../components/alerts/rules-table.tsx';
import { FormAlert } from '../components/field.tsx';
import { ruleForm } from '../lib/alert-forms.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { trpc } from '../trpc.ts';
import { callApi } from '../trpc.server.ts';
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

/** The page's forms, told apart by the button pressed (`intent`), each with the ids its procedures take. */
const rule = { id: ruleIdSchema };
const channel = { id: channelIdSchema };
const rulesForm = z.discriminatedUnion('intent', [
  ruleForm.extend({ intent: z.literal('save-rule') }),
  channelInput.extend({ intent: z.literal('create-channel') }),
  z.object({ intent: z.literal('pause'), ...rule }),
  z.object({ intent: z.literal('resume'), ...rule }),
  z.object({ intent: z.literal('delete-rule'), ...rule }),
  // The channel's name only labels the new secret on the page.
  channelInput.pick({ name: true }).extend({ intent: z.literal('rotate-secret'), ...channel }),
  z.object({ intent: z.literal('disable-channel'), ...channel }),
  z.object({ intent: z.literal('enable-channel'), ...channel }),
  z.object({ intent: z.literal('delete-channel'), ...channel }),
]);

/** The forms with fields show their reply on their own fields; the buttons' errors are one line at the top. */
const FIELD_FORMS = ['save-rule', 'create-channel'] as const;
type FieldForm = (typeof FIELD_FORMS)[number];
const SAVED_BY: Partial<Record<Done, FieldForm>> = { 'rule-saved': 'save-rule', 'channel-created': 'create-channel' };
const isFieldForm = (intent: unknown): intent is FieldForm => FIELD_FORMS.some((f) => f === intent);

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(
    args,
    rulesForm,
    async (v, api): Promise<{ done: Done; secret: { channel: string; value: string } | null }> => {
      switch (v.intent) {
        case 'save-rule': {
          const { intent: _intent, id, ...fields } = v;
          if (id) await api.alerts.update({ slug, id, ...fields });
          else await api.alerts.create({ slug, ...fields });
          return { done: 'rule-saved', secret: null };
        }
        case 'create-channel': {
          const { secret } = await api.alerts.createChannel({ slug, name: v.name, url: v.url, format: v.format });
          return { done: 'channel-created', secret: { channel: v.name, value: secret } };
        }
        case 'pause':
        case 'resume':
          await api.alerts.setPaused({ slug, id: v.id, paused: v.intent === 'pause' });
          return { done: v.intent === 'pause' ? 'rule-paused' : 'rule-resumed', secret: null };
        case 'delete-rule':
          await api.alerts.delete({ slug, id: v.id });
          return { done: 'rule-deleted', secret: null };
        case 'rotate-secret': {
          const { secret } = await api.alerts.rotateChannelSecret({ slug, id: v.id });
          return { done: 'secret-rotated', secret: { channel: v.name, value: secret } };
        }
        case 'disable-channel':
        case 'enable-channel':
          await api.alerts.setChannelDisabled({ slug, id: v.id, disabled: v.intent === 'disable-channel' });
          return { done: v.intent === 'disable-channel' ? 'channel-disabled' : 'channel-enabled', secret: null };
        case 'delete-channel':
          await api.alerts.deleteChannel({ slug, id: v.id });
          return { done: 'channel-deleted', secret: null };
      }
    },
    { resetOnSuccess: true },
  );
  // A reset reply carries no values typed: the form of a success comes from what it did.
  const intent = outcome.ok ? SAVED_BY[outcome.value.done] : outcome.reply.initialValue?.intent;
  const form = isFieldForm(intent) ? intent : null;
  const reply = form ? outcome.reply : null;
  if (outcome.ok) return { ...outcome.value, form, reply, formError: null };
  const formError = form
    ? null
    : Object.values(outcome.reply.error ?? {})
        .flat()
        .join(' ') || 'That did not work';
  return data(
    { done: null, form, reply, formError, secret: null },
    { status: !form && outcome.apiCode === 'CONFLICT' ? 409 : 400 },
  );
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
