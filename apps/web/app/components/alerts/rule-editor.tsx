import type { SubmissionResult } from '@conform-to/react';
import { parseWithZod } from '@conform-to/zod/v4';
import { Form, Link, useNavigation } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { GRAIN_LABELS, GRAINS, previewInput, RULE_KINDS } from '@mfiq/api/shared';
import type { RouterInputs, RouterOutputs } from '@mfiq/api';
import { FormAlert, SelectField, TextField } from '../field.tsx';
import { ruleForm } from '../../lib/alert-forms.ts';
import { useApiForm } from '../../lib/forms.ts';
import { trpc } from '../../trpc.ts';

type Editing = RouterOutputs['alerts']['get']['rule'];
type Channel = RouterOutputs['alerts']['channels'][number];
type Kind = (typeof RULE_KINDS)[number];

const KINDS: Record<Kind, string> = {
  threshold: 'Threshold: the value is above or below a number',
  change: 'Change: up or down by more than an amount',
  stale: 'Stale: no new data for a while',
  pace: 'Target pace: the forecast will miss the target',
  anomaly: 'Anomaly: outside the usual range',
};

/** Waits this long after the last keystroke before asking for a preview. */
const PREVIEW_DELAY_MS = 400;

/**
 * Creates or edits a rule. The fields shown follow the kind chosen; the preview beside them asks
 * `alerts.preview` (through the browser's tRPC client) on which periods of the last 90 days the
 * draft would have fired, whenever the draft parses.
 */
export function RuleEditor({
  slug,
  metrics,
  members,
  channels,
  editing,
  lastResult,
}: {
  slug: string;
  metrics: { key: string; name: string }[];
  members: { id: string; name: string; email: string; isYou: boolean }[];
  channels: Channel[];
  editing: Editing | null;
  lastResult: SubmissionResult<string[]> | null;
}) {
  const [form] = useApiForm(ruleForm, { id: 'rule-editor-form', lastResult });
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'save-rule';
  const initial = (lastResult?.initialValue ?? null) as Record<string, unknown> | null;
  const condition = (initial?.condition ?? editing?.condition ?? null) as Record<string, unknown> | null;
  const [kind, setKind] = useState<Kind>((condition?.kind as Kind | undefined) ?? 'threshold');
  const formRef = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<RouterInputs['alerts']['preview'] | null>(null);

  // Reads the form as the preview's input after a pause in typing; an incomplete draft shows nothing.
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const readDraft = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      if (!formRef.current) return;
      const parsed = parseWithZod(new FormData(formRef.current), { schema: previewInput });
      setDraft(parsed.status === 'success' ? { slug, ...parsed.value } : null);
    }, PREVIEW_DELAY_MS);
  };
  useEffect(() => {
    readDraft();
    return () => clearTimeout(timer.current);
    // Once on mount (an edited rule previews at once); later on every input.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind]);

  const value = (path: string): string | undefined => {
    const [head, tail] = path.split('.') as [string, string | undefined];
    const source = head === 'condition' ? condition : (initial ?? editingFlat(editing));
    const v =
      tail && head !== 'condition'
        ? (source?.[head] as Record<string, unknown> | undefined)?.[tail]
        : source?.[tail ?? head];
    return v === undefined || v === null ? undefined : String(v);
  };
  const errors = (name: string) => form.allErrors[name];
  const props = (name: string) => ({ name, errors: errors(name), defaultValue: value(name) });

  const chosenMembers = new Set(
    ((initial?.recipients as { members?: string[] } | undefined)?.members ??
      editing?.members.map((m) => m.membershipId) ??
      members.filter((m) => m.isYou).map((m) => m.id)) as string[],
  );
  const chosenChannels = new Set(
    ((initial?.recipients as { channels?: string[] } | undefined)?.channels ??
      editing?.channels.map((c) => c.id) ??
      []) as string[],
  );

  return (
    <section className="panel" aria-labelledby="rule-editor" id="rule-editor-section">
      <div className="alerts__head">
        <h2 id="rule-editor" className="panel__title">
          {editing ? `Edit “${editing.name}”` : 'New rule'}
        </h2>
        {editing ? (
          <Link to="." className="button button--quiet">
            New rule instead
          </Link>
        ) : null}
      </div>
      {metrics.length === 0 ? (
        <p className="muted">
          Rules watch metrics: <Link to={`/orgs/${slug}/metrics`}>create a metric</Link> first.
        </p>
      ) : (
        <div className="rule-editor">
          <Form
            method="post"
            id={form.id}
            ref={formRef}
            onSubmit={form.onSubmit}
            onInput={readDraft}
            noValidate
            className="form form--wide rule-editor__form"
          >
            {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
            {editing ? <input type="hidden" name="id" value={editing.id} /> : null}
            <TextField {...props('name')} label="Name" required maxLength={100} />
            <div className="rule-editor__row">
              <SelectField
                {...props('metricKey')}
                label="Metric"
                options={metrics.map((m) => ({ value: m.key, label: m.name }))}
              />
              <SelectField
                {...props('grain')}
                label="Period"
                options={GRAINS.map((g) => ({ value: g, label: GRAIN_LABELS[g] }))}
              />
            </div>
            <SelectField
              {...props('condition.kind')}
              label="Kind"
              value={kind}
              onChange={(e) => setKind(e.currentTarget.value as Kind)}
              defaultValue={undefined}
              options={RULE_KINDS.map((k) => ({ value: k, label: KINDS[k] }))}
            />
            <fieldset className="form__fieldset rule-editor__condition">
              <legend className="field__label">Condition</legend>
              <ConditionFields kind={kind} props={props} />
            </fieldset>
            <fieldset className="form__fieldset">
              <legend className="field__label">Notify</legend>
              {errors('recipients')?.length ? (
                <p className="field__error" role="alert">
                  {errors('recipients')!.join(' ')}
                </p>
              ) : null}
              <ul className="rule-editor__choices">
                {members.map((m) => (
                  <li key={m.id}>
                    <label className="checkbox">
                      <input
                        type="checkbox"
                        name="recipients.members"
                        value={m.id}
                        defaultChecked={chosenMembers.has(m.id)}
                      />{' '}
                      {m.name}
                      {m.isYou ? ' (you)' : ''} <span className="muted">{m.email}</span>
                    </label>
                  </li>
                ))}
                {channels.map((c) => (
                  <li key={c.id}>
                    <label className="checkbox">
                      <input
                        type="checkbox"
                        name="recipients.channels"
                        value={c.id}
                        defaultChecked={chosenChannels.has(c.id)}
                      />{' '}
                      Webhook: {c.name}
                      {c.disabled ? <span className="muted"> (disabled)</span> : null}
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
            <div className="rule-editor__row">
              <TextField
                {...props('quietHours.start')}
                type="time"
                label="Quiet from"
                hint="Optional, in the organization's timezone"
              />
              <TextField {...props('quietHours.end')} type="time" label="Quiet until" />
              <TextField
                {...props('cooldownMinutes')}
                defaultValue={value('cooldownMinutes') ?? '0'}
                type="number"
                min={0}
                max={43200}
                label="Cool-down (minutes)"
                hint="Least time between two alerts of this rule"
              />
            </div>
            <div className="form__actions">
              <button type="submit" name="intent" value="save-rule" className="button" disabled={busy}>
                {busy ? 'Saving…' : editing ? 'Save rule' : 'Create rule'}
              </button>
            </div>
          </Form>
          <Preview draft={draft} />
        </div>
      )}
    </section>
  );
}

function editingFlat(editing: Editing | null): Record<string, unknown> | null {
  if (!editing) return null;
  return {
    name: editing.name,
    metricKey: editing.metricKey,
    grain: editing.grain,
    quietHours: editing.quietHours,
    cooldownMinutes: editing.cooldownMinutes,
  };
}

type FieldProps = (name: string) => { name: string; errors: string[] | undefined; defaultValue: string | undefined };

function ConditionFields({ kind, props }: { kind: Kind; props: FieldProps }) {
  switch (kind) {
    case 'threshold':
      return (
        <div className="rule-editor__row">
          <SelectField
            {...props('condition.op')}
            label="When the value is"
            options={[
              { value: 'above', label: 'above' },
              { value: 'below', label: 'below' },
            ]}
          />
          <TextField {...props('condition.value')} type="number" step="any" label="Threshold" required />
        </div>
      );
    case 'change':
      return (
        <div className="rule-editor__row">
          <SelectField
            {...props('condition.direction')}
            label="When it goes"
            options={[
              { value: 'up', label: 'up' },
              { value: 'down', label: 'down' },
            ]}
          />
          <TextField {...props('condition.by')} type="number" step="any" min={0} label="By more than" required />
          <SelectField
            {...props('condition.unit')}
            label="Measured in"
            options={[
              { value: 'percent', label: 'percent' },
              { value: 'absolute', label: 'the metric’s unit' },
            ]}
          />
          <SelectField
            {...props('condition.compareTo')}
            label="Compared with"
            options={[
              { value: 'previous', label: 'the previous period' },
              { value: 'year_ago', label: 'the same period last year' },
            ]}
          />
        </div>
      );
    case 'stale':
      return (
        <div className="rule-editor__row">
          <TextField {...props('condition.count')} type="number" min={1} max={2000} label="No new data for" required />
          <SelectField
            {...props('condition.unit')}
            label="Counted in"
            options={[
              { value: 'periods', label: 'periods' },
              { value: 'hours', label: 'hours' },
            ]}
          />
        </div>
      );
    case 'pace':
      return (
        <div className="rule-editor__row">
          <TextField
            {...props('condition.missBy')}
            type="number"
            step="any"
            min={0}
            max={100}
            label="Forecast misses the target by more than (%)"
            required
          />
          <TextField
            {...props('condition.minElapsed')}
            type="number"
            step="any"
            min={0}
            max={100}
            label="Once this share of the period has passed (%)"
            hint="Early forecasts are noisy; 20 % by default"
          />
        </div>
      );
    case 'anomaly':
      return (
        <div className="rule-editor__row">
          <TextField
            {...props('condition.k')}
            type="number"
            step="any"
            min={0.5}
            max={20}
            label="Band width (k × MAD)"
            hint="3 by default"
          />
          <TextField {...props('condition.window')} type="number" min={3} max={90} label="Window (periods)" required />
          <TextField
            {...props('condition.minHistory')}
            type="number"
            min={3}
            max={90}
            label="Minimum history (periods)"
            required
          />
        </div>
      );
  }
}

function Preview({ draft }: { draft: RouterInputs['alerts']['preview'] | null }) {
  const query = trpc.alerts.preview.useQuery(draft!, { enabled: draft !== null, staleTime: 60_000, retry: false });
  return (
    <aside className="rule-preview" aria-labelledby="rule-preview-title" aria-live="polite" data-testid="rule-preview">
      <h3 id="rule-preview-title" className="rule-preview__title">
        Would have fired (last 90 days)
      </h3>
      {draft === null ? (
        <p className="muted">Fill in the metric and the condition to see when this rule would have fired.</p>
      ) : query.isPending ? (
        <p className="muted">Looking at the history…</p>
      ) : query.error ? (
        <p className="field__error">{query.error.message}</p>
      ) : query.data.fired.length === 0 ? (
        <p className="muted">
          Never, over {query.data.judged} {query.data.judged === 1 ? 'period' : 'periods'}.
          {query.data.note ? ` ${query.data.note}` : ''}
        </p>
      ) : (
        <>
          <p>
            <strong>{query.data.fired.length}</strong> of {query.data.judged} periods.
            {query.data.note ? <span className="muted"> {query.data.note}</span> : null}
          </p>
          <ul className="rule-preview__list">
            {query.data.fired.slice(0, 30).map((f, i) => (
              <li key={`${f.label}-${i}`}>
                <strong>{f.label}</strong> <span className="muted">{f.summary}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
