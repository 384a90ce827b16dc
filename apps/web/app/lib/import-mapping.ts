/** The mapping form's fields (the same names in the preview's query string and the start form). */
export const MAPPING_FIELDS = [
  'metricColumn',
  'metricKey',
  'timestampColumn',
  'timestampFormat',
  'timezone',
  'valueColumn',
] as const;

export interface MappingForm {
  metricColumn?: string;
  metricKey?: string;
  timestampColumn?: string;
  timestampFormat: string;
  timezone: string | null;
  valueColumn?: string;
}

/** Empty choices are left out, so the API names what is missing. */
export function mappingFrom(get: (name: string) => string | null): MappingForm {
  const v = (name: string) => {
    const raw = get(name);
    return raw ? raw : undefined;
  };
  return {
    metricColumn: v('metricColumn'),
    metricKey: v('metricKey'),
    timestampColumn: v('timestampColumn'),
    timestampFormat: v('timestampFormat') ?? 'iso',
    timezone: v('timezone') ?? null,
    valueColumn: v('valueColumn'),
  } as MappingForm;
}

/** A first guess from the column names, so a typical file needs no changes. */
export function guessMapping(header: string[]): MappingForm {
  const find = (re: RegExp) => header.find((h) => re.test(h));
  return {
    metricColumn: find(/^(metric|key|metric[_ ]?key)$/i),
    timestampColumn: find(/^(ts|timestamp|time|date|datetime|day)$/i),
    timestampFormat: 'iso',
    timezone: null,
    valueColumn: find(/^(value|amount|count|total)$/i),
  };
}
