import { getFormProps, type SubmissionResult } from '@conform-to/react';
import { Form } from '@remix-run/react';
import { useApiForm } from '../../lib/forms.ts';
import { FormAlert, SelectField, TextField } from '../field.tsx';
import { tileForm } from './forms.ts';
import { KIND_LABEL, type TileData } from './tiles.tsx';
import { GRAIN_OPTIONS, RANGE_OPTIONS } from './view.tsx';

const MORE = [0, 1, 2] as const;

/**
 * A tile's settings, edited in place (a disclosure under the tile): its metrics (a chart takes up
 * to four), how it shows them, its own range, grain and comparison or the dashboard's, its title
 * and width. Posts intent=update-tile; the action answers with the submission for this tile.
 */
export function TileEditor({
  tile,
  metrics,
  lastResult,
  busy,
}: {
  tile: TileData;
  metrics: { key: string; name: string }[];
  lastResult: SubmissionResult<string[]> | undefined;
  busy: boolean;
}) {
  const [form, fields] = useApiForm(tileForm, { id: `tile-${tile.id}`, lastResult });
  const id = (name: string) => `${tile.id}-${name}`;
  const more = fields.moreMetricKeys.getFieldList();
  const options = metrics.map((m) => ({ value: m.key, label: m.name }));
  const name = tile.title ?? tile.metric.name;
  return (
    <details className="tile-edit" open={Boolean(lastResult && lastResult.status === 'error')}>
      <summary aria-label={`Edit ${name}`}>Edit tile</summary>
      <Form method="post" className="form" {...getFormProps(form)} preventScrollReset>
        <input type="hidden" name="tileId" value={tile.id} />
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <div className="tile-edit__grid">
          <SelectField
            id={id('metric')}
            name={fields.metricKey.name}
            label="Metric"
            defaultValue={tile.metric.key}
            options={options}
            errors={fields.metricKey.errors}
          />
          <SelectField
            id={id('kind')}
            name={fields.kind.name}
            label="Show as"
            defaultValue={tile.kind}
            options={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
            errors={fields.kind.errors}
          />
          {MORE.map((i) => (
            <SelectField
              key={i}
              id={id(`more${i}`)}
              name={`${fields.moreMetricKeys.name}[${i}]`}
              label={`Metric ${i + 2} (charts)`}
              defaultValue={tile.more[i]?.key ?? ''}
              options={[{ value: '', label: '— none —' }, ...options]}
              errors={more[i]?.errors ?? (i === 0 ? fields.moreMetricKeys.errors : undefined)}
            />
          ))}
          <SelectField
            id={id('range')}
            name={fields.range.name}
            label="Range"
            defaultValue={tile.range ?? ''}
            options={[{ value: '', label: 'As the dashboard' }, ...RANGE_OPTIONS]}
            errors={fields.range.errors}
          />
          <SelectField
            id={id('grain')}
            name={fields.grain.name}
            label="Grain"
            defaultValue={tile.grain ?? ''}
            options={[{ value: '', label: 'As the dashboard' }, ...GRAIN_OPTIONS]}
            errors={fields.grain.errors}
          />
          <SelectField
            id={id('compare')}
            name={fields.compareTo.name}
            label="Compare with"
            defaultValue={tile.compareTo}
            options={[
              { value: 'previous_period', label: 'Previous period' },
              { value: 'previous_year', label: 'Same period last year' },
            ]}
            errors={fields.compareTo.errors}
          />
          <SelectField
            id={id('width')}
            name={fields.width.name}
            label="Width"
            defaultValue={String(tile.width)}
            options={[
              { value: '1', label: 'One column' },
              { value: '2', label: 'Two columns' },
            ]}
            errors={fields.width.errors}
          />
        </div>
        <TextField
          id={id('title')}
          name={fields.title.name}
          label="Title (optional)"
          maxLength={100}
          defaultValue={tile.title ?? ''}
          hint="Empty: the metric's name."
          errors={fields.title.errors}
        />
        <div>
          <label className="checkbox">
            <input type="checkbox" name={fields.showPrevious.name} defaultChecked={tile.showPrevious} /> Show the
            comparison
          </label>
          <label className="checkbox">
            <input type="checkbox" name={fields.showTarget.name} defaultChecked={tile.showTarget} /> Show targets
          </label>
        </div>
        <div className="form__actions">
          <button type="submit" name="intent" value="update-tile" className="button" disabled={busy}>
            Save tile
          </button>
        </div>
      </Form>
    </details>
  );
}
