export const STATUS_LABELS: Record<string, string> = {
  uploaded: 'Waiting for a column mapping',
  queued: 'Queued',
  running: 'Importing',
  completed: 'Completed',
  failed: 'Failed',
};

export const FORMAT_OPTIONS = [
  { value: 'iso', label: 'ISO 8601 (2024-03-01T09:30:00Z)' },
  { value: 'ymd', label: 'YYYY-MM-DD' },
  { value: 'dmy', label: 'DD/MM/YYYY' },
  { value: 'mdy', label: 'MM/DD/YYYY' },
  { value: 'unix_s', label: 'Unix seconds' },
  { value: 'unix_ms', label: 'Unix milliseconds' },
];

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
