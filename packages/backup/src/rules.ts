/**
 * How a restore treats a tenant table, when plain "replace its rows with the backup's" would be
 * wrong. Every other tenant table is replaced in place and copied into a new organization as is.
 * A new table that is history, a credential, access or security policy, or derived by a trigger
 * adds a line here (docs/decisions/0042).
 */
export interface TableRule {
  /** In place: 'keep' leaves the organization's current rows alone and restores none from the backup. */
  inPlace: 'replace' | 'keep';
  /** In place, for a table that is replaced: columns whose current values stay (security settings). */
  keepColumns?: readonly string[];
  /** Into a new organization: 'skip' restores none of its rows. */
  copy: 'restore' | 'skip';
  /**
   * Into a new organization: columns whose copied value is an SQL expression over the backup's row
   * `r` instead of the value itself (state that belonged to the original alone).
   */
  copyAs?: Readonly<Record<string, string>>;
  /** Rows are recomputed by triggers from other tables: never inserted from the backup. */
  derived?: boolean;
  why: string;
}

export const TABLE_RULES: Readonly<Record<string, TableRule>> = {
  organizations: {
    inPlace: 'replace',
    copy: 'restore',
    keepColumns: [
      'locked_at',
      'locked_reason',
      // Whose lock it is and a pending deletion (0050): the lock's own state, kept with it.
      'lock_kind',
      'deletion_requested_at',
      'deletion_requested_by',
      'deletion_due_at',
      'require_two_factor',
      'session_idle_minutes',
      'session_absolute_hours',
      'audit_retention_days',
    ],
    // A pending deletion was the original owner's request about the original: a copy made from a
    // backup taken in the grace period is neither locked for it nor erased when it falls due. An
    // operator's lock is copied (the operator who restores decides whether to lift it).
    copyAs: {
      deletion_requested_at: 'null',
      deletion_requested_by: 'null',
      deletion_due_at: 'null',
      locked_at: "case when r.lock_kind = 'deletion' then null else r.locked_at end",
      locked_reason: "case when r.lock_kind = 'deletion' then null else r.locked_reason end",
      lock_kind: "case when r.lock_kind = 'deletion' then null else r.lock_kind end",
    },
    why: 'the lock and the security policy (two-factor, session limits, audit retention) are decided now: an older backup must not unlock an organization or loosen its policy',
  },
  memberships: {
    inPlace: 'keep',
    copy: 'restore',
    why: 'who may enter is decided now: a restore never brings back a removed member or an old role (references to a removed member are cleared as its deletion cleared them)',
  },
  audit_outbox: {
    inPlace: 'keep',
    copy: 'restore',
    why: 'history is not rewound, and events already drained must not be drained twice',
  },
  audit_log: {
    inPlace: 'keep',
    copy: 'skip',
    why: 'append-only and hash-chained: never rewritten; a copy starts its own chain',
  },
  audit_chain_heads: { inPlace: 'keep', copy: 'skip', why: 'the head of the audit chain kept above' },
  audit_checkpoints: { inPlace: 'keep', copy: 'skip', why: 'signed checkpoints of the audit chain kept above' },
  api_keys: {
    inPlace: 'keep',
    copy: 'skip',
    why: 'credentials: a restore never revives a revoked key, and a key belongs to one organization (its hash is globally unique)',
  },
  invitations: {
    inPlace: 'keep',
    copy: 'skip',
    why: 'credentials: a restore never revives a withdrawn or used invitation, and a token names its organization, so a copy could never be accepted',
  },
  data_form_links: {
    inPlace: 'keep',
    copy: 'skip',
    why: 'credentials: a restore never revives a rotated link, and a link is globally unique (a copied form gets a new link when an editor rotates it)',
  },
  dashboard_share_links: {
    inPlace: 'keep',
    copy: 'skip',
    why: 'credentials: a restore never revives a revoked or rotated share link, and a link is globally unique (a copy shares nothing until an editor creates a link)',
  },
  organization_slug_redirects: {
    inPlace: 'replace',
    copy: 'skip',
    why: 'an old address leads to the organization that gave it up; a copy starts with none (docs/decisions/0120)',
  },
  metric_daily_rollups: {
    inPlace: 'replace',
    copy: 'restore',
    derived: true,
    why: 'recomputed by the data_points triggers as the points are restored',
  },
  metric_data_revisions: {
    inPlace: 'replace',
    copy: 'restore',
    derived: true,
    why: "moved by the metric_daily_rollups triggers as the rollups are recomputed: a restored revision could name another state of the metric's data",
  },
};

export function ruleFor(table: string): TableRule {
  return TABLE_RULES[table] ?? { inPlace: 'replace', copy: 'restore', why: '' };
}

/** Whether a restore of this kind writes the backup's rows of this table. */
export function restoresRows(table: string, kind: 'same' | 'new'): boolean {
  const rule = ruleFor(table);
  if (rule.derived) return false;
  return kind === 'same' ? rule.inPlace === 'replace' : rule.copy === 'restore';
}
