/** The bounded rollout watch, against a scripted reader and a fake clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/domain/k8s.js';
import { rolloutPending, verifyRollout } from '../../src/fixes/verify.js';
import type { KubeReader } from '../../src/kube/reader.js';

const REF = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const OPTS = { timeoutMs: 10_000, intervalMs: 1000, stableMs: 3000 };

function deployment(status: Record<string, unknown>, generation = 5): KubeObject {
  return {
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', generation },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
    status,
  };
}

const DONE = { observedGeneration: 5, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };

function pod(name: string, restarts: number, ready = true, waiting?: string): KubeObject {
  return {
    metadata: { name, uid: name },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready,
          restartCount: restarts,
          state: waiting ? { waiting: { reason: waiting } } : { running: {} },
        },
      ],
    },
  };
}

/** A reader that serves poll `i` from the scripts (the last entry repeats), and a clock advanced by sleep. */
function scripted(deployments: (KubeObject | null)[], pods: KubeObject[][]) {
  let t = 0;
  let i = 0;
  const at = <T>(xs: T[]) => xs[Math.min(i, xs.length - 1)] as T;
  const reader = {
    async get() {
      return at(deployments);
    },
    async list() {
      return { items: at(pods), truncated: false, requests: 1 };
    },
  } as unknown as KubeReader;
  return {
    reader,
    deps: {
      clock: () => t,
      sleep: async (ms: number) => {
        t += ms;
        i++;
      },
    },
    polls: () => i + 1,
  };
}

test('rollout states: not observed, updating, old replicas, unavailable, done, deadline exceeded', () => {
  assert.match(rolloutPending(deployment({ observedGeneration: 4 }), 5) ?? '', /observedGeneration 4 < 5/);
  assert.match(
    rolloutPending(deployment({ observedGeneration: 5, updatedReplicas: 1 }), 5) ?? '',
    /1 of 2 replicas updated/,
  );
  assert.match(rolloutPending(deployment({ ...DONE, replicas: 3 }), 5) ?? '', /1 old replicas still running/);
  assert.match(
    rolloutPending(deployment({ ...DONE, availableReplicas: 1 }), 5) ?? '',
    /1 of 2 updated replicas available/,
  );
  assert.equal(rolloutPending(deployment(DONE), 5), null);
  const stuck = deployment({
    observedGeneration: 5,
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' }],
  });
  assert.equal(rolloutPending(stuck, 5), 'rollout failed: too slow');
});

test('verified once the rollout is done and the pods stay ready without restarts', async () => {
  const s = scripted(
    [deployment({ observedGeneration: 4 }), deployment({ ...DONE, updatedReplicas: 1 }), deployment(DONE)],
    [[pod('a', 3), pod('b', 1)]],
  );
  const out = await verifyRollout(s.reader, REF, deployment({}), OPTS, s.deps);
  assert.deepEqual(out, {
    status: 'verified',
    summary: 'rollout finished (2 pods ready) and no container restarted for 3 s',
  });
  assert.equal(s.polls(), 6, 'two polls to roll out, then 3 s of quiet');
});

test('not verified when the controller never picks the change up, within the time bound', async () => {
  const s = scripted([deployment({ observedGeneration: 4 })], [[]]);
  const out = await verifyRollout(s.reader, REF, deployment({}), OPTS, s.deps);
  assert.equal(out.status, 'not-verified');
  assert.match(out.status === 'not-verified' ? out.reason : '', /observedGeneration 4 < 5\).*watched for 10 s/);
  assert.ok(s.deps.clock() <= OPTS.timeoutMs);
});

test('not verified when a container keeps restarting after the rollout', async () => {
  const s = scripted(
    [deployment(DONE)],
    Array.from({ length: 20 }, (_, i) => [pod('a', i)]),
  );
  const out = await verifyRollout(s.reader, REF, deployment({}), OPTS, s.deps);
  assert.equal(out.status, 'not-verified');
  assert.match(out.status === 'not-verified' ? out.reason : '', /a restarted again after the rollout/);
});

test('crash-looping or unready pods, a failed rollout, a deleted target, other kinds, a stop', async () => {
  const looping = scripted([deployment(DONE)], [[pod('a', 4, false, 'CrashLoopBackOff')]]);
  const out = await verifyRollout(looping.reader, REF, deployment({}), OPTS, looping.deps);
  assert.match(out.status === 'not-verified' ? out.reason : '', /a: container app is CrashLoopBackOff/);

  const failed = scripted(
    [deployment({ observedGeneration: 5, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] })],
    [[]],
  );
  const f = await verifyRollout(failed.reader, REF, deployment({}), OPTS, failed.deps);
  assert.deepEqual(f, { status: 'not-verified', reason: 'rollout failed: progress deadline exceeded' });
  assert.equal(failed.polls(), 1, 'no point waiting for a failed rollout');

  const gone = scripted([null], [[]]);
  assert.match(
    JSON.stringify(await verifyRollout(gone.reader, REF, deployment({}), OPTS, gone.deps)),
    /no longer exists/,
  );

  const hpa = { ...REF, kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' };
  assert.equal((await verifyRollout(gone.reader, hpa, {}, OPTS, gone.deps)).status, 'skipped');

  const stopped = new AbortController();
  stopped.abort();
  const s = scripted([deployment(DONE)], [[pod('a', 0)]]);
  const out2 = await verifyRollout(s.reader, REF, deployment({}), OPTS, { ...s.deps, signal: stopped.signal });
  assert.match(JSON.stringify(out2), /Causa stopped/);
});
