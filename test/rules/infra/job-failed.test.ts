import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jobFailed } from '../../../src/rules/infra/job-failed.js';
import { deployment, ev, facts, job, match, pod, ruledOut, run, T } from './fixtures.js';

const failedPod = (name: string) =>
  pod(name, {
    phase: 'Failed',
    labels: { 'job-name': 'nightly-export' },
    owner: 'nightly-export',
    status: { containerStatuses: [{ name: 'export', state: { terminated: { exitCode: 1, reason: 'Error' } } }] },
  });

describe('job-failed', () => {
  test('FM-36: BackoffLimitExceeded, failed pods, and the error from their logs', () => {
    const f = facts(
      {
        pods: [failedPod('nightly-export-bcdfg'), failedPod('nightly-export-hjklm')],
        events: [
          ev({
            kind: 'Job',
            object: 'nightly-export',
            reason: 'BackoffLimitExceeded',
            source: 'job-controller',
            message: 'Job has reached the specified backoff limit',
          }),
        ],
        logs: [
          {
            pod: 'nightly-export-hjklm',
            namespace: 'shop',
            container: 'export',
            previous: false,
            truncated: false,
            error: null,
            lines: [
              'starting export',
              'curl: (7) Failed to connect to prod-db port 3333: Connection refused',
              'exit 1',
            ],
          },
        ],
      },
      job({
        status: {
          failed: 2,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        },
      }),
    );
    const m = match(jobFailed, f);
    assert.equal(m.signals.length, 3);
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['event', 'status', 'log'],
    );
    assert.match(
      m.summary,
      /Job nightly-export failed \(BackoffLimitExceeded, backoffLimit 6\): curl: \(7\) Failed to connect to prod-db port 3333/,
    );
    assert.match(m.signals[1]?.text ?? '', /exit 1 \(Error\)/);
  });

  test('red herring: CronJob whose latest run completed after the failed one', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cka-cronjob', namespace: 'shop' },
      spec: {},
    };
    const f = facts(
      {
        events: [
          ev({
            kind: 'CronJob',
            object: 'cka-cronjob',
            reason: 'SawCompletedJob',
            type: 'Normal',
            last: T('10:00:00'),
            message: 'Saw completed job: cka-cronjob-29272469, condition: Failed',
          }),
          ev({
            kind: 'CronJob',
            object: 'cka-cronjob',
            reason: 'SawCompletedJob',
            type: 'Normal',
            last: T('10:10:00'),
            message: 'Saw completed job: cka-cronjob-29272479, condition: Complete',
          }),
        ],
      },
      cron,
    );
    assert.match(ruledOut(jobFailed, f), /latest run of CronJob cka-cronjob completed/);
  });

  test('not a Job target: nothing', () => {
    assert.equal(run(jobFailed, facts({}, deployment())), null);
  });
});
