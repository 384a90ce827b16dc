import { CONTACT_TOPICS } from '@mfiq/api/contact';
import { sql } from '@mfiq/db';
import { EXIT, UsageError, type CliCommand } from '../command.ts';
import { operatorContext, platformAudit, stringOpt } from '../operator.ts';

const SINCE = /^(\d{1,4})([hd])$/;

/**
 * `mfiq contact list [--topic security] [--since 7d] [--json]`: messages from the public contact
 * form, newest first (at most 200). Each was also mailed to its contact when it arrived; this is
 * the record. Reading them is recorded in the platform trail (contact_messages.listed).
 */
export const command: CliCommand = {
  name: ['contact', 'list'],
  summary: 'List messages sent through /contact (vulnerability reports: --topic security)',
  audits: 'contact_messages.listed',
  options: {
    topic: { type: 'string', description: `one of ${CONTACT_TOPICS.join(', ')}` },
    since: { type: 'string', description: 'how far back: 24h or 30d (default 30d)' },
    json: { type: 'boolean', description: 'print one JSON object per line' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const topic = stringOpt(values, 'topic');
    if (topic && !(CONTACT_TOPICS as readonly string[]).includes(topic))
      throw new UsageError(`--topic must be one of ${CONTACT_TOPICS.join(', ')}.`);
    const m = SINCE.exec(stringOpt(values, 'since') ?? '30d');
    if (!m) throw new UsageError('--since takes a number and a unit: 24h or 30d.');
    const interval = `${Number(m[1])} ${m[2] === 'h' ? 'hours' : 'days'}`;
    let q = ctx.db
      .selectFrom('contactMessages')
      .select(['id', 'createdAt', 'topic', 'name', 'email', 'message', 'ip', 'requestId'])
      .where('createdAt', '>', sql<Date>`now() - ${interval}::interval`)
      .orderBy('createdAt', 'desc')
      .limit(200);
    if (topic) q = q.where('topic', '=', topic);
    const rows = await q.execute();
    await platformAudit(ctx, {
      action: 'contact_messages.listed',
      after: { topic: topic ?? null, since: interval, shown: rows.length },
    });
    for (const r of rows) {
      if (values.json) ctx.out(JSON.stringify(r));
      else {
        ctx.out(
          `${r.createdAt.toISOString()}  [${r.topic}]  ${r.name} <${r.email}>  (ip ${r.ip ?? '?'}, request ${r.requestId ?? '?'})`,
        );
        for (const line of r.message.split('\n')) ctx.out(`    ${line}`);
      }
    }
    if (!rows.length && !values.json) ctx.out('No messages.');
    return EXIT.ok;
  },
};
