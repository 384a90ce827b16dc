import { SelectField, TextField } from './field.tsx';

export interface MetricValues {
  name: string;
  description: string;
  unit: string;
  currency: string | null;
  aggregation: string;
  direction: string;
  defaultGrain: string;
  ownerMembershipId: string | null;
  tags: string[];
  formula: string | null;
}

const opts = (values: string[], labels?: Record<string, string>) =>
  values.map((v) => ({ value: v, label: labels?.[v] ?? v }));

/** The definition fields shared by the create and edit forms (the key is shown separately: it never changes). */
export function MetricFields({
  values,
  owners,
  errors,
  isFormula,
}: {
  values?: MetricValues;
  owners: { membershipId: string; displayName: string }[];
  errors: Record<string, string[]>;
  isFormula?: boolean;
}) {
  return (
    <>
      <TextField
        name="name"
        label="Name"
        required
        maxLength={100}
        defaultValue={values?.name ?? ''}
        errors={errors.name}
      />
      <TextField
        name="description"
        label="Description"
        maxLength={2000}
        defaultValue={values?.description ?? ''}
        errors={errors.description}
      />
      <SelectField
        name="unit"
        label="Unit"
        defaultValue={values?.unit ?? 'number'}
        options={opts(['number', 'currency', 'percent', 'duration'])}
        errors={errors.unit}
      />
      <TextField
        name="currency"
        label="Currency (for currency metrics)"
        maxLength={3}
        placeholder="EUR"
        defaultValue={values?.currency ?? ''}
        errors={errors.currency}
        hint="An ISO 4217 code such as USD or EUR."
      />
      <SelectField
        name="aggregation"
        label="Aggregation over a period"
        defaultValue={values?.aggregation ?? 'sum'}
        options={opts(['sum', 'avg', 'min', 'max', 'count', 'last'], { avg: 'average', last: 'last value' })}
        errors={errors.aggregation}
      />
      <SelectField
        name="direction"
        label="Better when"
        defaultValue={values?.direction ?? 'higher'}
        options={opts(['higher', 'lower'])}
        errors={errors.direction}
      />
      <SelectField
        name="defaultGrain"
        label="Default period"
        defaultValue={values?.defaultGrain ?? 'day'}
        options={opts(['day', 'week', 'month', 'quarter'])}
        errors={errors.defaultGrain}
      />
      <SelectField
        name="ownerMembershipId"
        label="Owner"
        defaultValue={values?.ownerMembershipId ?? ''}
        options={[
          { value: '', label: 'No owner' },
          ...owners.map((o) => ({ value: o.membershipId, label: o.displayName })),
        ]}
        errors={errors.ownerMembershipId}
      />
      <TextField
        name="tags"
        label="Tags"
        maxLength={900}
        defaultValue={values?.tags.join(', ') ?? ''}
        errors={errors.tags}
        hint="Separated by commas."
      />
      {isFormula === false ? null : (
        <TextField
          name="formula"
          label="Formula (optional)"
          maxLength={1000}
          placeholder="revenue / signups"
          defaultValue={values?.formula ?? ''}
          errors={errors.formula}
          hint="Combine other metrics by key with + - * / and parentheses; computed per period. A formula metric takes no data."
        />
      )}
    </>
  );
}

/** Reads the definition fields back from a submitted form, in the shape the API takes. */
export function metricFromForm(form: FormData) {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  return {
    name: text('name'),
    description: text('description'),
    unit: text('unit') as 'number',
    currency: text('currency') || null,
    aggregation: text('aggregation') as 'sum',
    direction: text('direction') as 'higher',
    defaultGrain: text('defaultGrain') as 'day',
    ownerMembershipId: text('ownerMembershipId') || null,
    tags: text('tags')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    formula: text('formula') || null,
  };
}
