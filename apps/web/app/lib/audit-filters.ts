/** The audit page's filters as they travel in the URL and in the export form. */
export const FILTER_KEYS = ['actor', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
export type AuditFilters = Partial<Record<FilterKey, string>>;

/** Reads the filters from query parameters or form fields; empty fields are left out. */
export function readFilters(get: (key: string) => FormDataEntryValue | string | null): AuditFilters {
  const out: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = get(key);
    if (typeof value === 'string' && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}
