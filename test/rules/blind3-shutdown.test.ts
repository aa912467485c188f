/**
 * A rollout whose old pods are SIGKILLed one grace period after "Stopping container" (FM-28), with
 * the red herrings that come with it: start-up readiness failures on the new pods, exit 137 that is
 * not an OOM kill, and a new revision that is fine.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Facts } from '../../src/domain/facts.js';
import type { Container, ContainerStatus, Pod } from '../../src/domain/k8s.js';
import { conclude } from '../../src/engine/conclude.js';
import { badRollout } from '../../src/rules/bad-rollout.js';
import { execScript, gracefulShutdownTimeout, shellForm } from '../../src/rules/graceful-shutdown-timeout.js';
import { readinessProbeFailing } from '../../src/rules/readiness-probe-failing.js';
import { base, PODS, RS } from './base.js';
import { at, container, ev, log, match, pod, run } from './fixtures.js';

const OLD_RS = 'web-5c7d6b8a4';
const OLD_POD = `${OLD_RS}-zz9x1`;
const STARTING = `${RS}-q7w8e`;

interface Opts {
  /** The container's command (default `/bin/sh -c 'java $JAVA_OPTS -jar /app/app.jar'`). */
  command?: string[];
  args?: string[];
  preStop?: unknown;
  grace?: number;
  /** Seconds between the stop request and the recorded exit of the old pod. */
  killAfter?: number;
  exit?: { reason: string; exitCode: number };
  /** The old pod's log (its current, terminated run). */
  oldLog?: string[];
  /** Add a new-revision pod that started `startingAge` seconds before now and is not Ready yet. */
  startingAge?: number;
  /** Readiness failures of the starting pod. */
  startingFailure?: string;
}

const READINESS_REFUSED =
  'Readiness probe failed: Get "http://10.0.0.30:8080/ready": dial tcp 10.0.0.30:8080: connect: connection refused';

function statusRunning(started: string, ready: boolean): Partial<ContainerStatus> & { name: string } {
  return { name: 'app', ready, restartCount: 0, started: true, state: { running: { startedAt: started } } };
}

function withConditions(p: Pod, ready: boolean, readyAt: string): Pod {
  p.status!.conditions = [
    { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: readyAt },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: readyAt },
  ];
  return p;
}

/**
 * Revision 3 rolled out at 01:50; its two pods started at 01:50:05 and became Ready at 01:50:50
 * after a few start-up readiness failures. The old pod of revision 2 got "Stopping container" at
 * 01:55:00 and ended at 01:55:00 + killAfter.
 */
function rollout(o: Opts = {}): Facts {
  const grace = o.grace ?? 45;
  const app: Container = container('app', {
    command: o.command ?? ['/bin/sh', '-c', 'java $JAVA_OPTS -jar /app/app.jar'],
    ...(o.args ? { args: o.args } : {}),
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
    ...(o.preStop ? { lifecycle: { preStop: o.preStop } } : {}),
  });
  const f = base({
    containers: [app],
    extraSpec: { terminationGracePeriodSeconds: grace },
    rolloutAt: at('01:50'),
    statuses: [statusRunning(at('01:50:05'), true)],
  });
  for (const p of f.pods) withConditions(p, true, at('01:50:50'));
  const killed = new Date(Date.parse(at('01:55:00')) + (o.killAfter ?? grace) * 1000).toISOString();
  const old = pod(OLD_POD, {
    owner: { kind: 'ReplicaSet', name: OLD_RS },
    containers: [app],
    extraSpec: { terminationGracePeriodSeconds: grace },
    created: at('09:00', '2026-04-20'),
    node: 'node-1',
    phase: 'Failed',
    statuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 0,
        state: {
          terminated: {
            reason: o.exit?.reason ?? 'Error',
            exitCode: o.exit?.exitCode ?? 137,
            startedAt: at('09:00:05', '2026-04-20'),
            finishedAt: killed,
          },
        },
      },
    ],
  });
  withConditions(old, false, killed);
  old.metadata!.deletionTimestamp = killed;
  f.pods.push(old);
  f.events.push(
    ev({
      object: OLD_POD,
      container: 'app',
      reason: 'Killing',
      type: 'Normal',
      message: 'Stopping container app',
      first: at('01:55:00'),
    }),
    ...PODS.map((p) =>
      ev({
        object: p,
        container: 'app',
        reason: 'Unhealthy',
        message: READINESS_REFUSED,
        count: 4,
        first: at('01:50:20'),
        last: at('01:50:40'),
      }),
    ),
  );
  if (o.oldLog) f.logs.push(log(OLD_POD, 'app', o.oldLog));
  if (o.startingAge !== undefined) {
    const started = new Date(Date.parse(f.now) - o.startingAge * 1000).toISOString();
    const p = pod(STARTING, {
      owner: { kind: 'ReplicaSet', name: RS },
      containers: [app],
      extraSpec: { terminationGracePeriodSeconds: grace },
      created: started,
      node: 'node-2',
      statuses: [statusRunning(started, false)],
    });
    withConditions(p, false, started);
    f.pods.push(p);
    f.events.push(
      ev({
        object: STARTING,
        container: 'app',
        reason: 'Unhealthy',
        message: o.startingFailure ?? READINESS_REFUSED,
        count: 3,
        first: new Date(Date.parse(started) + 10_000).toISOString(),
        last: f.now,
      }),
    );
  }
  return f;
}

const patchedContainer = (f: Facts) => {
  const m = match(gracefulShutdownTimeout, f);
  const spec = (m.fix?.patch as { spec: { template: { spec: Record<string, unknown> } } } | undefined)?.spec.template
    .spec;
  return { m, spec, c: (spec?.containers as Record<string, unknown>[] | undefined)?.[0] };
};

describe('graceful-shutdown-timeout on a rollout', () => {
  test('SIGKILL one grace period (45 s here) after "Stopping container" of a replaced pod, app under sh -c: match, exec fix, rollout trigger', () => {
    const { m, c, spec } = patchedContainer(rollout());
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['status', 'spec'],
    );
    assert.match(m.signals[0]!.text, /SIGKILL \(exit 137, reason Error, not OOMKilled\) 45s/);
    assert.match(m.signals[1]!.text, /runs under a shell .* without exec/);
    assert.match(m.summary, /PID 1 is a shell/);
    assert.match(
      m.trigger ?? '',
      /rollout to revision 3 \(ReplicaSet web-6d8f7c9b5\).*stopped 1 pod\(s\) of the previous revision/,
    );
    assert.equal(m.fix?.resource.kind, 'Deployment');
    assert.equal(m.fix?.resource.name, 'web');
    assert.deepEqual(c, { name: 'app', command: ['/bin/sh', '-c', 'exec java $JAVA_OPTS -jar /app/app.jar'] });
    assert.equal(spec?.terminationGracePeriodSeconds, undefined, 'the grace period is not what is wrong');
  });

  test('the script in args is patched in args', () => {
    const { c } = patchedContainer(rollout({ command: ['sh', '-ec'], args: ['node server.js --port 8080'] }));
    assert.deepEqual(c, { name: 'app', args: ['exec node server.js --port 8080'] });
  });

  test('the killed run kept logging after the stop with no shutdown line: a third, log signal', () => {
    const m = match(
      gracefulShutdownTimeout,
      rollout({
        oldLog: [
          '2026-04-26T01:40:00.000Z INFO started in 20 s',
          '2026-04-26T01:55:10.000Z INFO POST /orders 201 80ms',
          '2026-04-26T01:55:40.000Z INFO GET /orders/7 200 12ms',
        ],
      }),
    );
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['status', 'log', 'spec'],
    );
    assert.match(m.signals[1]!.text, /kept working after the stop request .*2 log line/);
    assert.match(m.signals[1]!.text, /SIGTERM never reached the app/);
  });

  test('the app logged its shutdown after the stop: it got SIGTERM, so no shell claim and no exec patch', () => {
    const m = match(
      gracefulShutdownTimeout,
      rollout({
        oldLog: ['2026-04-26T01:55:01.000Z INFO Commencing graceful shutdown. Waiting for active requests to complete'],
      }),
    );
    assert.ok(!m.signals.some((s) => s.kind === 'spec'));
    assert.equal(m.fix, null);
    assert.match(m.summary, /shutdown takes longer than the 45s grace period/);
  });

  test('a script that is more than one command is not rewritten (exec would change it): advice only', () => {
    const m = match(gracefulShutdownTimeout, rollout({ command: ['/bin/bash', '-c', 'cd /app && java -jar app.jar'] }));
    assert.ok(m.signals.some((s) => s.kind === 'spec'));
    assert.equal(m.fix, null);
    assert.match(m.advice, /PID 1/);
  });

  test('an app already exec-ed by its shell is not blamed on the shell; one lone SIGKILL is not enough', () => {
    assert.equal(run(gracefulShutdownTimeout, rollout({ command: ['/bin/sh', '-c', 'exec java -jar app.jar'] })), null);
  });

  test('a preStop sleep that uses up the grace period: raise terminationGracePeriodSeconds, keep the command', () => {
    const { m, spec } = patchedContainer(
      rollout({ command: ['java', '-jar', 'app.jar'], grace: 30, preStop: { exec: { command: ['sleep', '40'] } } }),
    );
    assert.match(
      m.signals[1]?.text ?? '',
      /preStop of app sleeps 40s, not less than terminationGracePeriodSeconds 30s/,
    );
    assert.equal(spec?.terminationGracePeriodSeconds, 70);
    assert.equal(spec?.containers, undefined);
  });

  test('red herrings: OOMKilled 137, and a 137 that is not one grace period after the stop', () => {
    assert.equal(run(gracefulShutdownTimeout, rollout({ exit: { reason: 'OOMKilled', exitCode: 137 } })), null);
    assert.equal(run(gracefulShutdownTimeout, rollout({ killAfter: 8 })), null);
    assert.equal(
      run(gracefulShutdownTimeout, rollout({ exit: { reason: 'Error', exitCode: 143 }, killAfter: 2 })),
      null,
    );
  });
});

describe('exec rewrite of a shell script', () => {
  test('one simple command gets exec, with its expansions and redirections kept', () => {
    assert.equal(execScript('java $JAVA_OPTS -jar /app/app.jar'), 'exec java $JAVA_OPTS -jar /app/app.jar');
    assert.equal(execScript(`node server.js --name 'a;b' 2>&1`), `exec node server.js --name 'a;b' 2>&1`);
    assert.equal(execScript('"$APP_BIN" serve'), 'exec "$APP_BIN" serve');
  });

  test('anything exec would change is left alone', () => {
    for (const s of [
      'cd /app && java -jar app.jar',
      'migrate; serve',
      'serve | tee /tmp/log',
      'serve &',
      'JAVA_OPTS=-Xmx1g java -jar app.jar',
      'export X=1',
      'if true; then serve; fi',
      '(serve)',
      'serve `hostname`',
      'serve $(hostname)',
      'serve "$(hostname)"',
      "serve 'unbalanced",
      'line1\nline2',
      'exec serve',
      "trap 'kill -TERM $PID' TERM; serve & PID=$!; wait $PID",
      '',
    ]) {
      assert.equal(execScript(s), null, s);
    }
  });

  test('shell form is read from command and args; exec-form commands are not shells', () => {
    assert.deepEqual(shellForm(container('a', { command: ['/bin/sh', '-c', 'x'] })), {
      script: 'x',
      field: 'command',
      index: 2,
    });
    assert.deepEqual(shellForm(container('a', { command: ['bash', '-lc'], args: ['x'] })), {
      script: 'x',
      field: 'args',
      index: 0,
    });
    assert.equal(shellForm(container('a', { command: ['java', '-jar', 'app.jar'] })), null);
    // Without a command the image's entrypoint runs: args alone say nothing about PID 1.
    assert.equal(shellForm(container('a', { args: ['sh', '-c', 'x'] })), null);
  });
});

describe('readiness-probe-failing: start-up failures are not a readiness problem', () => {
  test('pods that failed only while starting and a young pod still starting next to Ready siblings: ruled out', () => {
    const out = run(readinessProbeFailing, rollout({ startingAge: 25 }));
    assert.equal(out?.kind, 'ruled-out');
    assert.match(out?.kind === 'ruled-out' ? out.reason : '', /ordinary start-up/);
    assert.match(
      out?.kind === 'ruled-out' ? out.reason : '',
      new RegExp(`${STARTING} started 25 s ago and is still starting`),
    );
    assert.match(out?.kind === 'ruled-out' ? out.reason : '', new RegExp(`${PODS[0]} became Ready 45 s after`));
  });

  test('a pod not Ready long after its start is not start-up, and the summary does not say "never" while pods are Ready', () => {
    const m = match(readinessProbeFailing, rollout({ startingAge: 8 * 60 }));
    assert.doesNotMatch(m.summary, /never becomes Ready/);
    assert.match(m.summary, /is not Ready on 1\/3 pods/);
  });

  test('young pods with no Ready sibling are not excused (it may be a wrong port)', () => {
    const f = rollout({ startingAge: 25 });
    // Every pod of the new revision unready since its start: nothing proves the probe can pass.
    for (const p of f.pods.filter((x) => x.metadata?.name !== OLD_POD)) {
      const started = p.status!.containerStatuses![0]!.state!.running!.startedAt!;
      p.status!.containerStatuses![0]!.ready = false;
      withConditions(p, false, started);
    }
    const m = match(readinessProbeFailing, f);
    assert.match(m.summary, /never becomes Ready/);
  });
});

describe('bad-rollout when the new revision is fine', () => {
  test('new pods Ready (one still starting), the old one terminating: ruled out with the evidence, not a match', () => {
    const out = run(badRollout, rollout({ startingAge: 25 }));
    assert.equal(out?.kind, 'ruled-out');
    assert.match(
      out?.kind === 'ruled-out' ? out.reason : '',
      /pods of revision 3 .* are not failing: 2\/3 Ready, 1 still starting \(25 s old\), 0 restart/,
    );
  });

  test('a new pod that is not Ready long after its start still counts as failing', () => {
    const out = run(badRollout, rollout({ startingAge: 8 * 60 }));
    assert.notEqual(out?.kind, 'ruled-out');
  });
});

describe('the whole conclusion', () => {
  test('graceful-shutdown-timeout wins; readiness, bad-rollout and oom-killed are ruled out, none left open', () => {
    const r = conclude(rollout({ startingAge: 25 }));
    assert.equal(r.rootCause.id, 'graceful-shutdown-timeout');
    assert.equal(r.rootCause.confidence, 'medium');
    assert.ok(r.rootCause.fix);
    const out = new Set(r.ruledOut.map((x) => x.id));
    for (const id of ['readiness-probe-failing', 'bad-rollout', 'oom-killed'] as const) assert.ok(out.has(id), id);
    for (const h of r.hypotheses) if (out.has(h.id)) assert.equal(h.confidence, 'low', h.id);
  });
});
