/**
 * The link to an object's history on the audit page: the log filtered to that target. Pages that
 * show an object (members, settings, metrics, dashboards, API keys) link with this, so the filter
 * format lives in one place. Show the link only when the viewer has 'audit:read'.
 */
export function historyHref(slug: string, target: { type: string; id?: string | null }): string {
  const params = new URLSearchParams({ targetType: target.type });
  if (target.id) params.set('targetId', target.id);
  return `/orgs/${encodeURIComponent(slug)}/audit?${params.toString()}`;
}
