import { AGGREGATIONS, DIRECTIONS, GRAINS, UNITS, type metricForm } from '@mfiq/api/shared';
import { fieldProps, type useApiForm } from '../lib/forms.ts';
import { SelectField, TextField } from './field.tsx';

type MetricFormFields = ReturnType<typeof useApiForm<typeof metricForm>>[1];

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

const opts = (values: readonly string[], labels?: Record<string, string>) =>
  values.map((v) => ({ value: v, label: labels?.[v] ?? v }));

/** The definition fields shared by the create and edit forms (the key is shown separately: it never changes). */
export function MetricFields({
  fields,
  values,
  owners,
  isFormula,
}: {
  fields: MetricFormFields;
  values?: MetricValues;
  owners: { membershipId: string; displayName: string }[];
  isFormula?: boolean;
}) {
  // What was typed (after a refused submission) wins over the stored definition.
  const field = (name: Exclude<keyof MetricFormFields, 'key'>, stored: string) => {
    const props = fieldProps(fields[name]);
    return { ...props, defaultValue: props.defaultValue ?? stored };
  };
  return (
    <>
      <TextField {...field('name', values?.name ?? '')} label="Name" required maxLength={100} />
      <TextField {...field('description', values?.description ?? '')} label="Description" maxLength={2000} />
      <SelectField {...field('unit', values?.unit ?? 'number')} label="Unit" options={opts(UNITS)} />
      <TextField
        {...field('currency', values?.currency ?? '')}
        label="Currency (for currency metrics)"
        maxLength={3}
        placeholder="EUR"
        hint="An ISO 4217 code such as USD or EUR."
      />
      <SelectField
        {...field('aggregation', values?.aggregation ?? 'sum')}
        label="Aggregation over a period"
        options={opts(AGGREGATIONS, { avg: 'average', last: 'last value' })}
      />
      <SelectField
        {...field('direction', values?.direction ?? 'higher')}
        label="Better when"
        options={opts(DIRECTIONS)}
      />
      <SelectField
        {...field('defaultGrain', values?.defaultGrain ?? 'day')}
        label="Default period"
        options={opts(GRAINS)}
      />
      <SelectField
        {...field('ownerMembershipId', values?.ownerMembershipId ?? '')}
        label="Owner"
        options={[
          { value: '', label: 'No owner' },
          ...owners.map((o) => ({ value: o.membershipId, label: o.displayName })),
        ]}
      />
      <TextField
        {...field('tags', values?.tags.join(', ') ?? '')}
        label="Tags"
        maxLength={900}
        hint="Separated by commas."
      />
      {isFormula === false ? null : (
        <TextField
          {...field('formula', values?.formula ?? '')}
          label="Formula (optional)"
          maxLength={1000}
          placeholder="revenue / signups"
          hint="Combine other metrics by key with + - * / and parentheses; computed per period. A formula metric takes no data."
        />
      )}
    </>
  );
}
