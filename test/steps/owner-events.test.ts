/**
 * The owner-events step against an in-memory cluster: a CronJob's recent runs (its Jobs, their
 * conditions and Warning events) in two bounded calls, none for other workloads; and what
 * job-failed concludes from them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Facts } from '../../src/domain/facts.js';
import type { KubeObject, Workload } from '../../src/domain/k8s.js';
import { mergeFacts } from '../../src/engine/merge-facts.js';
import { jobFailed } from '../../src/rules/infra/job-failed.js';
import { ownerEvents } from '../../src/steps/owner-events.js';
import { at, container, deployment, facts, match, NS, run, template } from '../rules/fixtures.js';
import { type Cluster, memoryContext } from './memory-context.js';

const CRON_UID = 'c0ffee00-0000-4000-8000-000000000001';

const cron = (active: string[] = []): Workload => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'rollup', namespace: NS, uid: CRON_UID },
  spec: {
    schedule: '*/20 * * * *',
    concurrencyPolicy: 'Forbid',
    jobTemplate: {
      metadata: { labels: { app: 'rollup' } },
      spec: {
        activeDeadlineSeconds: 900,
        backoffLimit: 0,
        template: { metadata: { labels: { app: 'rollup' } }, spec: { containers: [container('rollup')] } },
      },
    },
  },
  status: { active: active.map((name) => ({ kind: 'Job', name, namespace: NS })) },
});

/** A Job of the CronJob started at `start` (HH:MM), Failed/Complete at `end` when given. */
function job(
  name: string,
  start: string,
  end?: { type: 'Failed' | 'Complete'; at: string; reason?: string },
  owner: { name: string; uid: string } = { name: 'rollup', uid: CRON_UID },
): KubeObject {
  return {
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: at(start),
      labels: { app: 'rollup', 'job-name': name },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: owner.name, uid: owner.uid, controller: true },
      ],
    },
    spec: { activeDeadlineSeconds: 900, backoffLimit: 0 },
    status: {
      startTime: at(start),
      ...(end
        ? {
            conditions: [
              {
                type: end.type,
                status: 'True',
                reason: end.reason ?? (end.type === 'Complete' ? 'CompletionsReached' : 'BackoffLimitExceeded'),
                message: end.type === 'Failed' ? 'Job was active longer than specified deadline' : '',
                lastTransitionTime: at(end.at),
              },
            ],
            ...(end.type === 'Complete' ? { completionTime: at(end.at), succeeded: 1 } : { failed: 1 }),
          }
        : { active: 1 }),
    },
  };
}

function jobEvent(object: string, reason: string, time: string, type = 'Warning'): KubeObject {
  return {
    metadata: { name: `${object}.${reason}`, namespace: NS },
    involvedObject: { apiVersion: 'batch/v1', kind: 'Job', name: object, namespace: NS },
    reason,
    type,
    message: reason === 'DeadlineExceeded' ? 'Job was active longer than specified deadline' : reason,
    lastTimestamp: at(time),
    firstTimestamp: at(time),
    count: 1,
  };
}

function cronFacts(w: Workload): Facts {
  return facts({
    workload: w,
    target: {
      kind: 'CronJob',
      name: 'rollup',
      apiVersion: 'batch/v1',
      ownerChain: [{ kind: 'CronJob', name: 'rollup', namespace: NS }],
      template: w.spec?.jobTemplate?.spec?.template ?? null,
      selector: { app: 'rollup' },
      labelSelector: 'app=rollup',
    },
  });
}

async function step(cluster: Cluster, f: Facts, calls: string[] = []) {
  const out = await ownerEvents.run(memoryContext(cluster, f, calls));
  return { out, merged: mergeFacts(f, out.facts ?? {}) };
}

test('a CronJob: its newest Jobs (and a running older one) and their Warning events, in 2 more calls', async () => {
  const jobs = [
    job('rollup-1', '00:00'), // still running (status.active), older than the newest five
    job('rollup-2', '00:20', { type: 'Complete', at: '00:33' }),
    job('rollup-3', '00:40', { type: 'Complete', at: '00:52' }),
    job('rollup-4', '01:00', { type: 'Failed', at: '01:15', reason: 'DeadlineExceeded' }),
    job('rollup-5', '01:20', { type: 'Failed', at: '01:35', reason: 'DeadlineExceeded' }),
    job('rollup-6', '01:40', { type: 'Failed', at: '01:55', reason: 'DeadlineExceeded' }),
    job('rollup-7', '01:58'),
    // Same name, earlier CronJob (deleted and re-created): not this one's run.
    job('rollup-9', '01:59', undefined, { name: 'rollup', uid: 'another-uid' }),
  ];
  const events = [
    jobEvent('rollup-6', 'DeadlineExceeded', '01:55'),
    jobEvent('rollup-0', 'BackoffLimitExceeded', '00:10'), // a run the history limit already deleted
    jobEvent('invoice-export-29613750', 'BackoffLimitExceeded', '01:30'), // another CronJob's run
  ];
  const calls: string[] = [];
  const { out } = await step({ objects: { jobs, events } }, cronFacts(cron(['rollup-1'])), calls);
  assert.deepEqual(
    out.facts?.jobs?.map((j) => j.metadata?.name),
    ['rollup-7', 'rollup-6', 'rollup-5', 'rollup-4', 'rollup-3', 'rollup-1'],
  );
  assert.ok(out.facts?.jobs?.every((j) => j.kind === 'Job' && j.apiVersion === 'batch/v1'));
  assert.deepEqual(
    out.facts?.events?.filter((e) => e.kind === 'Job').map((e) => `${e.object} ${e.reason}`),
    ['rollup-6 DeadlineExceeded', 'rollup-0 BackoffLimitExceeded'],
  );
  assert.deepEqual(calls.sort(), [
    'list events involvedObject.kind=CronJob,involvedObject.name=rollup',
    'list events involvedObject.kind=Job,type=Warning',
    'list jobs',
  ]);
  assert.ok(out.notes?.some((n) => /rollup-6 failed \(DeadlineExceeded\)/.test(n.text)));
});

test('a Deployment: no Job reads', async () => {
  const calls: string[] = [];
  const f = facts({
    workload: deployment('web', template([container('app')]), 3),
    target: { ownerChain: [{ kind: 'Deployment', name: 'web', namespace: NS }] },
  });
  const { out } = await step({ objects: { jobs: [job('rollup-1', '00:00')] } }, f, calls);
  assert.equal(out.facts?.jobs, undefined);
  assert.deepEqual(calls, ['list events involvedObject.kind=Deployment,involvedObject.name=web']);
});

test('job-failed from the Jobs alone once the events have expired: DeadlineExceeded named by their condition', async () => {
  const jobs = [
    job('rollup-2', '00:20', { type: 'Complete', at: '00:33' }),
    job('rollup-3', '00:40', { type: 'Failed', at: '00:55', reason: 'DeadlineExceeded' }),
    job('rollup-4', '01:00', { type: 'Failed', at: '01:15', reason: 'DeadlineExceeded' }),
    job('rollup-5', '01:20', { type: 'Failed', at: '01:35', reason: 'DeadlineExceeded' }),
  ];
  const f = cronFacts(cron());
  // Without the Jobs nothing in the facts says a run failed.
  assert.equal(run(jobFailed, f), null);
  const { merged } = await step({ objects: { jobs } }, f);
  const m = match(jobFailed, merged);
  assert.match(m.summary, /^Job rollup-5 ran longer than its deadline \(900s\)/);
  assert.match(m.summary, /3 runs in a row failed/);
  const texts = m.signals.map((s) => s.text);
  assert.ok(texts.some((t) => /Job rollup-5 Failed=True \(DeadlineExceeded\)/.test(t)));
  assert.ok(
    texts.some((t) => /3 failed runs \(rollup-3, rollup-4, rollup-5\) each failed 15m00s after it started/.test(t)),
  );
});

test('job-failed: a CronJob whose newest Job completed after the failed ones is ruled out', async () => {
  const jobs = [
    job('rollup-3', '00:40', { type: 'Failed', at: '00:55', reason: 'DeadlineExceeded' }),
    job('rollup-4', '01:00', { type: 'Failed', at: '01:15', reason: 'DeadlineExceeded' }),
    job('rollup-5', '01:20', { type: 'Complete', at: '01:31' }),
  ];
  const { merged } = await step({ objects: { jobs } }, cronFacts(cron()));
  const out = run(jobFailed, merged);
  assert.equal(out?.kind, 'ruled-out');
  assert.match(out?.kind === 'ruled-out' ? out.reason : '', /Job rollup-5 Complete at 01:31/);
});
