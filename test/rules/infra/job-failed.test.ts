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

  test('CronJob deadline: only the failed Job speaks (no log of an earlier run), earlier run times show the trend', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'reconcile', namespace: 'shop' },
      spec: { jobTemplate: { spec: { activeDeadlineSeconds: 1200, template: { spec: { containers: [] } } } } },
    };
    const run0 = (n: number, mins: number) =>
      pod(`reconcile-2884${n}-abcde`, {
        phase: 'Succeeded',
        labels: { 'job-name': `reconcile-2884${n}` },
        status: {
          containerStatuses: [
            {
              name: 'reconcile',
              state: {
                terminated: {
                  exitCode: 0,
                  reason: 'Completed',
                  startedAt: T(`0${n}:00:00`),
                  finishedAt: T(`0${n}:${String(mins).padStart(2, '0')}:30`),
                },
              },
            },
          ],
        },
      });
    const f = facts(
      {
        pods: [run0(6, 14), run0(7, 16), run0(8, 17)].map((p) => {
          p.metadata!.ownerReferences = [{ kind: 'Job', name: p.metadata!.labels!['job-name']!, controller: true }];
          return p;
        }),
        events: [
          ev({
            kind: 'Job',
            object: 'reconcile-28849',
            reason: 'DeadlineExceeded',
            source: 'job-controller',
            message: 'Job was active longer than specified deadline',
          }),
        ],
        logs: [
          {
            pod: 'reconcile-28846-abcde',
            namespace: 'shop',
            container: 'reconcile',
            previous: false,
            truncated: false,
            error: null,
            lines: ['2026-03-04T06:14:30Z INFO reconciled 1712400 entries in 14m30s'],
          },
        ],
      },
      cron,
    );
    const m = match(jobFailed, f);
    assert.doesNotMatch(m.summary, /reconciled 1712400/);
    assert.ok(!m.signals.some((x) => x.kind === 'log'));
    assert.match(
      m.summary,
      /ran longer than its deadline \(1200s\) .*earlier runs took 14m30s, 16m30s, 17m30s, growing/,
    );
    assert.ok(m.signals.some((x) => /3 earlier successful runs .* keep growing/.test(x.text)));
    assert.match(m.advice, /raise activeDeadlineSeconds with headroom/);
  });
});
