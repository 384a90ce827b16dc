import { describe, expect, it } from 'vitest';
import { graphileLogger } from './logger.ts';
import { memoryLogger } from './testing/fixtures.ts';

const completed = (task: string) => ({
  job: {
    id: '7',
    task_identifier: task,
    attempts: 1,
    queue_name: null,
    payload: { secretish: 'payload stays out of logs' },
  },
  duration: 3.2,
  success: true,
});

describe('graphile-worker messages in our logs', () => {
  it('routine successes of the every-few-seconds tasks stay out of info; other tasks and failures do not', () => {
    const { logger, lines } = memoryLogger('info');
    const g = graphileLogger(logger).scope({ workerId: 'w1' });
    g.info('Completed task 7 (audit_drain, 3.20ms) with success', completed('audit_drain'));
    g.info('Completed task 8 (send_emails, 3.20ms) with success', completed('send_emails'));
    g.info('Completed task 8 (alerts_sweep, 13.76ms) with success', completed('alerts_sweep'));
    g.info('Completed task 9 (csv_import, 3.20ms) with success', completed('csv_import'));
    g.error('Failed task 10 (audit_drain) with error boom', {
      job: completed('audit_drain').job,
      error: new Error('boom'),
    });
    const out = lines();
    expect(out.map((l) => l.msg)).toEqual([
      'Completed task 9 (csv_import, 3.20ms) with success',
      'Failed task 10 (audit_drain) with error boom',
    ]);
    expect(out[0]).toMatchObject({
      level: 30,
      component: 'graphile-worker',
      workerId: 'w1',
      job: { id: '7', task: 'csv_import', attempts: 1, queue: null },
    });
    expect(out[1]).toMatchObject({ level: 50, err: expect.objectContaining({ message: 'boom' }) });
    // The job's payload is not copied into the line.
    expect(JSON.stringify(out)).not.toContain('payload stays out of logs');
  });

  it('at debug the routine lines are there', () => {
    const { logger, lines } = memoryLogger('debug');
    graphileLogger(logger).info('Completed task 7 (audit_drain, 3.20ms) with success', completed('audit_drain'));
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 20, msg: 'Completed task 7 (audit_drain, 3.20ms) with success' }),
    );
  });
});
