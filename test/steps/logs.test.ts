/** The logs step against an in-memory cluster: which runs it reads (current vs --previous), and how many calls. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from '../../src/domain/k8s.js';
import { mergeFacts } from '../../src/engine/merge-facts.js';
import { gracefulShutdownTimeout } from '../../src/rules/graceful-shutdown-timeout.js';
import { logs } from '../../src/steps/logs.js';
import { at, container, deployment, ev, facts, match, pod, template } from '../rules/fixtures.js';
import { memoryContext } from './memory-context.js';

const NEW = 'web-5f7d8c9b6d-p2jhn';
const OLD = 'web-7c6b9f4d8-v6nlt';

const starting = (name: string) =>
  pod(name, {
    owner: { kind: 'ReplicaSet', name: 'web-5f7d8c9b6d' },
    statuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: { startedAt: at('01:58') } } }],
  });

/** An old pod of a rollout, its container SIGKILLed at the grace period: terminated now, no previous run. */
const killed = (name: string, o: Partial<ContainerStatus> = {}) =>
  pod(name, {
    owner: { kind: 'ReplicaSet', name: 'web-7c6b9f4d8' },
    statuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 0,
        lastState: {},
        state: {
          terminated: { exitCode: 137, reason: 'Error', startedAt: at('00:00', '2026-04-20'), finishedAt: at('01:55') },
        },
        ...o,
      },
    ],
  });

const crashing = (name: string, restarts: number) =>
  pod(name, {
    owner: { kind: 'ReplicaSet', name: 'web-5f7d8c9b6d' },
    statuses: [
      {
        name: 'app',
        ready: false,
        restartCount: restarts,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: at('01:50') } },
      },
    ],
  });

const OLD_LOG = [
  '2026-04-26T01:54:21.443Z INFO POST /v2/labels 201 1187ms',
  '2026-04-26T01:54:29.276Z INFO POST /v2/labels 201 976ms',
  '2026-04-26T01:54:52.231Z INFO requesting label batch 48 (12 parcels)',
].join('\n');

const logCalls = (calls: string[]) => calls.filter((c) => c.startsWith('logs ')).sort();

test('a rollout: the old pod killed at its grace period is read without --previous (its terminated run), one call', async () => {
  const calls: string[] = [];
  const f = facts({ pods: [starting(NEW), killed(OLD)] });
  const out = await logs.run(
    memoryContext(
      { objects: {}, logs: { [`${NEW}/app/current`]: 'starting', [`${OLD}/app/current`]: OLD_LOG } },
      f,
      calls,
    ),
  );
  assert.deepEqual(logCalls(calls), [`logs ${NEW}/app/current`, `logs ${OLD}/app/current`]);
  const old = out.facts?.logs?.find((l) => l.pod === OLD);
  assert.equal(old?.previous, false);
  assert.equal(old?.lines.length, 3);
  assert.ok(out.notes?.some((n) => n.text.startsWith(`terminated run logs of ${OLD}/app`)));
});

test('the killed run log reaches graceful-shutdown-timeout: it kept working after the stop request', async () => {
  const tpl = template([container('app', { command: ['/bin/sh', '-c', 'java -jar /app/app.jar'] })], {
    terminationGracePeriodSeconds: 30,
  });
  const base = facts({
    workload: deployment('web', tpl, 3),
    pods: [starting(NEW), killed(OLD)],
    events: [
      ev({
        object: OLD,
        reason: 'Killing',
        type: 'Normal',
        container: 'app',
        message: 'Stopping container app',
        last: at('01:54:30'),
      }),
    ],
  });
  const out = await logs.run(memoryContext({ objects: {}, logs: { [`${OLD}/app/current`]: OLD_LOG } }, base, []));
  const m = match(gracefulShutdownTimeout, mergeFacts(base, out.facts ?? {}));
  const log = m.signals.find((s) => s.kind === 'log');
  assert.match(log?.text ?? '', /kept working after the stop request .*logged nothing about shutting down/);
  assert.deepEqual(m.signals.map((s) => s.kind).sort(), ['log', 'spec', 'status']);
});

test('an ended run beyond the two picked pods: its terminated run is read too (one more call)', async () => {
  const calls: string[] = [];
  const pods: Pod[] = [crashing('web-5f7d8c9b6d-aaaaa', 3), crashing('web-5f7d8c9b6d-bbbbb', 2), killed(OLD)];
  await logs.run(memoryContext({ objects: {} }, facts({ pods }), calls));
  assert.deepEqual(logCalls(calls), [
    'logs web-5f7d8c9b6d-aaaaa/app/current',
    'logs web-5f7d8c9b6d-aaaaa/app/previous',
    'logs web-5f7d8c9b6d-bbbbb/app/previous',
    `logs ${OLD}/app/current`,
  ]);
});

test('no extra read without an ended run in the window (completed, lost, or ended before it)', async () => {
  const calls: string[] = [];
  const pods: Pod[] = [
    crashing('web-5f7d8c9b6d-aaaaa', 3),
    crashing('web-5f7d8c9b6d-bbbbb', 2),
    killed('web-7c6b9f4d8-ccccc', {
      state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: at('01:55') } },
    }),
    killed('web-7c6b9f4d8-ddddd', {
      state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'could not be located' } },
    }),
    killed('web-7c6b9f4d8-eeeee', {
      state: { terminated: { exitCode: 137, reason: 'Error', finishedAt: at('23:10', '2026-04-25') } },
    }),
  ];
  await logs.run(memoryContext({ objects: {} }, facts({ pods }), calls));
  assert.deepEqual(logCalls(calls), [
    'logs web-5f7d8c9b6d-aaaaa/app/current',
    'logs web-5f7d8c9b6d-aaaaa/app/previous',
    'logs web-5f7d8c9b6d-bbbbb/app/previous',
  ]);
});

test('a second pod waiting to start is still read for --previous only', async () => {
  const calls: string[] = [];
  await logs.run(
    memoryContext(
      { objects: {} },
      facts({ pods: [crashing('web-5f7d8c9b6d-aaaaa', 3), crashing('web-5f7d8c9b6d-bbbbb', 2)] }),
      calls,
    ),
  );
  assert.equal(logCalls(calls).length, 3);
  assert.ok(!calls.includes('logs web-5f7d8c9b6d-bbbbb/app/current'));
});
