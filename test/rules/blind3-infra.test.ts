/**
 * Blind batch 3 (infra): CronJob runs killed at their deadline, Multi-Attach after the node that held
 * the volume died (StatefulSet), and disk-pressure evictions whose victims are not the writer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ev } from '../../src/domain/facts.js';
import type { Pod, Workload } from '../../src/domain/k8s.js';
import { jobFailed } from '../../src/rules/infra/job-failed.js';
import { nodeDiskPressure } from '../../src/rules/infra/node-disk-pressure.js';
import { volumeMultiAttach } from '../../src/rules/infra/volume-multi-attach.js';
import { container, deployment, ev, facts, job, match, NS, node, pod, pvc, T, template } from './infra/fixtures.js';

// ---------------------------------------------------------------------------------------------
// FM-36: CronJob runs stopped at activeDeadlineSeconds

const cron = (deadline = 900): Workload => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'rollup', namespace: NS },
  spec: {
    schedule: '*/20 * * * *',
    concurrencyPolicy: 'Forbid',
    jobTemplate: {
      spec: {
        activeDeadlineSeconds: deadline,
        backoffLimit: 2,
        template: template({ restartPolicy: 'Never', containers: [container({ name: 'rollup' })] }, { app: 'rollup' }),
      },
    },
  },
  status: { lastScheduleTime: T('10:00:00'), lastSuccessfulTime: T('08:53:10') },
});

/** The CronJob's own records of one run: created at `start`, seen Failed at `end`. */
const cronRun = (job: string, start: string, end: string): Ev[] => [
  ev({
    kind: 'CronJob',
    object: 'rollup',
    reason: 'SuccessfulCreate',
    type: 'Normal',
    source: 'cronjob-controller',
    first: start,
    last: start,
    message: `Created job ${job}`,
  }),
  ev({
    kind: 'CronJob',
    object: 'rollup',
    reason: 'SawCompletedJob',
    type: 'Normal',
    source: 'cronjob-controller',
    first: end,
    last: end,
    message: `Saw completed job: ${job}, condition: Failed`,
  }),
];

const running = (job: string, started: string): Pod => {
  const p = pod(`${job}-w5pmj`, {
    labels: { app: 'rollup', 'job-name': job },
    status: {
      startTime: started,
      containerStatuses: [{ name: 'rollup', ready: true, restartCount: 0, state: { running: { startedAt: started } } }],
    },
  });
  p.metadata!.ownerReferences = [{ kind: 'Job', name: job, controller: true }];
  return p;
};

describe('blind3 job-failed: deadline vs backoff', () => {
  test('CronJob target with only the CronJob events: runs failed exactly at the deadline → DeadlineExceeded, ≥3 signals', () => {
    const f = facts(
      {
        events: [
          ...cronRun('rollup-29613700', T('09:00:00'), T('09:15:04')),
          ...cronRun('rollup-29613720', T('09:20:00'), T('09:35:04')),
          ...cronRun('rollup-29613740', T('09:40:00'), T('09:55:04')),
        ],
        pods: [running('rollup-29613760', T('10:00:04'))],
        logs: [
          {
            pod: 'rollup-29613760-w5pmj',
            namespace: NS,
            container: 'rollup',
            previous: false,
            truncated: false,
            error: null,
            lines: [
              '2026-03-04T10:00:05.368Z INFO rollup: window start',
              '2026-03-04T10:10:10.477Z INFO rollup: progress 764,963/1,912,408 rows (40%) rate=2000 rows/s',
            ],
          },
        ],
      },
      cron(),
    );
    const m = match(jobFailed, f);
    assert.match(m.summary, /Job rollup-29613740 ran longer than its deadline \(900s\)/);
    assert.doesNotMatch(m.summary, /exited with errors/);
    assert.match(m.summary, /3 runs in a row failed/);
    assert.match(m.summary, /40% done .* will hit the deadline too/);
    assert.ok(m.signals.length >= 3, `signals: ${m.signals.map((s) => s.text).join(' | ')}`);
    // Distinct observations: the failure record, the recurrence, the timing vs the spec, the running job's log.
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['event', 'event', 'spec', 'log'],
    );
    assert.ok(m.signals.some((s) => /failed 15m04s after it started: stopped at the deadline/.test(s.text)));
    assert.doesNotMatch(m.advice, /logs job\/\S+ --previous/);
    assert.match(m.advice, /why it is slow/);
    assert.match(m.advice, /raise activeDeadlineSeconds/);
    assert.deepEqual(m.explains, []);
    assert.equal(m.fix, null);
  });

  test('runs that failed well before the deadline are not called deadline failures', () => {
    const f = facts(
      {
        events: [
          ...cronRun('rollup-29613720', T('09:20:00'), T('09:22:10')),
          ...cronRun('rollup-29613740', T('09:40:00'), T('09:42:30')),
        ],
      },
      cron(),
    );
    const m = match(jobFailed, f);
    assert.doesNotMatch(m.summary, /deadline \(900s\)/);
    assert.doesNotMatch(m.summary, /exited with errors/);
    assert.match(m.summary, /do not say whether it hit its backoff limit or its deadline/);
    assert.ok(!m.signals.some((s) => s.kind === 'spec'));
    assert.match(m.advice, /describe job rollup-29613740/);
  });

  test('Job target: DeadlineExceeded event + condition are one observation; the run time against the spec is another', () => {
    const w = job({
      name: 'export-1',
      spec: { activeDeadlineSeconds: 600 },
      status: {
        startTime: T('10:00:00'),
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
            lastTransitionTime: T('10:10:01'),
          },
        ],
      },
    });
    const f = facts(
      {
        events: [
          ev({
            kind: 'Job',
            object: 'export-1',
            reason: 'DeadlineExceeded',
            source: 'job-controller',
            first: T('10:10:01'),
            last: T('10:10:01'),
            message: 'Job was active longer than specified deadline',
          }),
        ],
      },
      w,
    );
    const m = match(jobFailed, f);
    assert.equal(m.signals.length, 2);
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['event', 'spec'],
    );
    assert.match(m.signals[1]?.text ?? '', /activeDeadlineSeconds is 600s .* failed 10m01s after it started/);
    assert.match(m.summary, /ran longer than its deadline \(600s\) and was failed: the job controller stopped it/);
    assert.doesNotMatch(m.advice, /--previous;/);
  });

  test('CronJob whose Jobs hit the backoff limit: pods errored, read the logs (recurrence still counts once)', () => {
    const backoffEv = (j: string, at: string) =>
      ev({
        kind: 'Job',
        object: j,
        reason: 'BackoffLimitExceeded',
        source: 'job-controller',
        first: at,
        last: at,
        message: 'Job has reached the specified backoff limit',
      });
    const f = facts(
      {
        events: [
          backoffEv('rollup-29613720', T('09:22:00')),
          backoffEv('rollup-29613740', T('09:42:00')),
          ...cronRun('rollup-29613740', T('09:40:00'), T('09:42:03')),
        ],
      },
      cron(),
    );
    const m = match(jobFailed, f);
    assert.match(
      m.summary,
      /Job rollup-29613740 failed \(BackoffLimitExceeded, backoffLimit 2\); 2 runs in a row failed/,
    );
    assert.match(m.summary, /its pods exited with errors/);
    assert.equal(m.signals.length, 2);
    assert.match(m.advice, /logs job\/rollup-29613740 --previous/);
    assert.deepEqual(m.explains, ['app-crash']);
  });
});

// ---------------------------------------------------------------------------------------------
// FM-16: Multi-Attach after the node holding the volume died

const VOL = 'pvc-759a7619-ff47-4a91-a890-b39def92c3ef';
const sts: Workload = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'broker', namespace: NS },
  spec: {
    replicas: 3,
    serviceName: 'broker',
    selector: { matchLabels: { app: 'broker' } },
    template: template({ containers: [container({ name: 'broker' })] }, { app: 'broker' }),
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
  },
};
const stuckPod = (): Pod => {
  const p = pod('broker-1', {
    node: 'node-e',
    phase: 'Pending',
    labels: { app: 'broker' },
    status: { containerStatuses: [{ name: 'broker', state: { waiting: { reason: 'ContainerCreating' } } }] },
  });
  p.metadata!.creationTimestamp = T('10:12:48');
  p.metadata!.ownerReferences = [{ kind: 'StatefulSet', name: 'broker', controller: true }];
  return p;
};
const multiEv = ev({
  reason: 'FailedAttachVolume',
  source: 'attachdetach-controller',
  object: 'broker-1',
  first: T('10:12:50'),
  last: T('10:16:48'),
  count: 9,
  message: `Multi-Attach error for volume "${VOL}" Volume is already exclusively attached to one node and can't be attached to another`,
});
/** node-controller's per-pod NodeNotReady (the old instance): it names no node. */
const podNotReady = (at: string) =>
  ev({
    reason: 'NodeNotReady',
    source: 'node-controller',
    object: 'broker-1',
    first: at,
    last: at,
    message: 'Node is not ready',
  });
const nodeNotReadyEv = (name: string, at: string) =>
  ev({
    kind: 'Node',
    object: name,
    reason: 'NodeNotReady',
    type: 'Normal',
    source: 'node-controller',
    first: at,
    last: at,
    message: `Node ${name} status is now: NodeNotReady`,
  });
const downNode = (name: string, at: string) =>
  node(name, {
    ready: 'Unknown',
    conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: at }],
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at }],
  });

describe('blind3 volume-multi-attach: StatefulSet after a node died', () => {
  test('the dead node is found from the per-pod NodeNotReady: trigger names it, node-not-ready explained, dead-node advice', () => {
    const f = facts(
      {
        pods: [pod('broker-0', { node: 'node-a', labels: { app: 'broker' } }), stuckPod()],
        pvcs: [pvc('data-broker-1', { volumeName: VOL })],
        nodes: [node('node-a'), downNode('node-c', T('10:03:19')), node('node-e')],
        events: [multiEv, podNotReady(T('10:03:19')), nodeNotReadyEv('node-c', T('10:03:19'))],
      },
      sts,
    );
    const m = match(volumeMultiAttach, f);
    assert.match(m.trigger ?? '', /node-c/);
    assert.ok(m.explains.includes('node-not-ready'));
    assert.equal(m.fix, null);
    assert.match(m.summary, /still attached to node node-c, which is down/);
    assert.ok(m.signals.some((s) => s.ref === 'default/Node/node-c'));
    assert.match(m.advice, /Confirm node node-c is really down/);
    assert.match(m.advice, /about 6 min after the old pod was deleted \(around 10:18:48Z/);
    assert.match(m.advice, /node\.kubernetes\.io\/out-of-service=nodeshutdown:NoExecute/);
    assert.match(m.advice, /volumeattachment/);
    assert.doesNotMatch(m.advice, /Recreate|one replica|ReadWriteMany/);
  });

  test('a node that went NotReady at another moment is not taken for the holder; StatefulSet advice stays storage-side', () => {
    const f = facts(
      {
        pods: [stuckPod()],
        pvcs: [pvc('data-broker-1', { volumeName: VOL })],
        nodes: [downNode('node-c', T('09:35:00')), node('node-e')],
        events: [multiEv, podNotReady(T('10:03:19')), nodeNotReadyEv('node-c', T('09:35:00'))],
      },
      sts,
    );
    const m = match(volumeMultiAttach, f);
    assert.equal(m.trigger, null);
    assert.ok(!m.explains.includes('node-not-ready'));
    assert.match(m.summary, /still attached to another node/);
    assert.match(m.advice, /previous instance of broker-1/);
    assert.match(m.advice, /stale attachment/);
    assert.doesNotMatch(m.advice, /Recreate|run one replica/);
  });
});

// ---------------------------------------------------------------------------------------------
// FM-18: the evicted target is a victim when its usage is a small share of the node's used disk

const CAPACITY = { 'ephemeral-storage': '98831908Ki' };
const diskNode = () => {
  const n = node(
    'node-d',
    {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', lastTransitionTime: T('10:02:00') },
      ],
    },
    { 'ephemeral-storage': '47060071478' },
  );
  n.object!.status!.capacity = CAPACITY;
  return n;
};
const evictMsg = (available: string, usage: string) =>
  `The node was low on resource: ephemeral-storage. Threshold quantity: 10120387379, available: ${available}. Container thumbs was using ${usage}, request is 0, has larger consumption of ephemeral-storage. `;
const thumbs = template({ containers: [container({ name: 'thumbs' })] });
const nodeEvents = (): Ev[] => [
  ev({
    kind: 'Node',
    object: 'node-d',
    reason: 'EvictionThresholdMet',
    message: 'Attempting to reclaim ephemeral-storage',
    count: 19,
  }),
  ev({
    kind: 'Node',
    object: 'node-d',
    reason: 'ImageGCFailed',
    message:
      'Failed to garbage collect required amount of images. Attempted to free 21474836480 bytes, but only found 1394120704 bytes eligible to free.',
  }),
];

describe('blind3 node-disk-pressure: victim vs writer', () => {
  test('victims: 2 pods using ~2Gi of 85Gi in use, evicting one freed nothing → no patch, no blame, no 2Gi/10Gi mix-up', () => {
    const f = facts(
      {
        pods: [pod('api-7c9d8f6b5d-b7w9k', { node: 'node-f' })],
        nodes: [diskNode()],
        events: [
          ev({
            reason: 'Evicted',
            object: 'api-7c9d8f6b5d-c5kx2',
            host: 'node-d',
            first: T('10:04:28'),
            last: T('10:04:28'),
            message: evictMsg('9627108Ki', '2136584Ki'),
          }),
          ev({
            reason: 'Evicted',
            object: 'api-7c9d8f6b5d-tn8wj',
            host: 'node-d',
            first: T('10:05:10'),
            last: T('10:05:10'),
            message: evictMsg('9581312Ki', '1893240Ki'),
          }),
          ...nodeEvents(),
        ],
      },
      deployment({ template: thumbs }),
    );
    const m = match(nodeDiskPressure, f);
    assert.equal(m.fix, null);
    assert.match(m.summary, /victims of the pressure, not its cause/);
    assert.match(m.summary, /only 5% of the 85\.1Gi in use on the node/);
    assert.match(m.summary, /evicting a pod that used 2Gi did not give the space back/);
    assert.doesNotMatch(m.summary, /Container thumbs was using/);
    assert.doesNotMatch(m.trigger ?? '', /of the target using/);
    assert.doesNotMatch(m.advice, /--limits=ephemeral-storage/);
    assert.match(m.advice, /Find what fills node node-d's disk/);
    assert.match(m.advice, /hostPath/);
    assert.ok(m.signals.length >= 3);
  });

  test('writer: the target used most of the used disk → bounded, and the advice quotes the same size as the patch', () => {
    const f = facts(
      {
        pods: [pod('api-7c9d8f6b5d-b7w9k', { node: 'node-f' })],
        nodes: [diskNode()],
        events: [
          ev({
            reason: 'Evicted',
            object: 'api-7c9d8f6b5d-c5kx2',
            host: 'node-d',
            message: evictMsg('9627108Ki', '60Gi'),
          }),
          ...nodeEvents(),
        ],
      },
      deployment({ template: thumbs }),
    );
    const m = match(nodeDiskPressure, f);
    assert.ok(m.fix, 'expected a fix');
    assert.match(m.fix.summary, /limits\.ephemeral-storage 10Gi/);
    assert.match(m.advice, /--limits=ephemeral-storage=10Gi/);
    assert.match(m.summary, /Container thumbs was using 60Gi/);
    assert.match(m.trigger ?? '', /container thumbs of the target using 60Gi/);
  });
});
