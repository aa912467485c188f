/**
 * The tempting alternative is ruled out with a reason when the evidence contradicts it:
 * oom-killed when containers exit on their own (no OOMKilled, no 137, no OOM event), and
 * probe-timeout-slow-dependency when a dependency restarted near the first failure but no liveness
 * probe failed and the containers exit on their own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ev, Facts } from '../../src/domain/facts.js';
import type { ContainerStatus } from '../../src/domain/k8s.js';
import { conclude } from '../../src/engine/conclude.js';
import { oomKilled } from '../../src/rules/oom-killed.js';
import { probeTimeoutSlowDependency } from '../../src/rules/probe-timeout-slow-dependency.js';
import { base, PODS } from './base.js';
import { at, crashing, ev, log, match, nodeEv, run } from './fixtures.js';
import { APP_PODS, seedFacts } from './seed.js';

function ruledOut(out: ReturnType<typeof run>): string {
  if (out?.kind !== 'ruled-out') throw new Error(`expected ruled-out, got ${JSON.stringify(out)}`);
  return out.reason;
}

describe('oom-killed: ruled out when containers exit on their own', () => {
  test('a crash loop with exit 1 (Error) on every pod is not an OOM kill', () => {
    const f = base({ statuses: [crashing('app', { exitCode: 1, reason: 'Error' })], ready: false });
    assert.equal(
      ruledOut(run(oomKilled, f)),
      'app on 2/2 pods exits with code 1 (Error), never OOMKilled (no exit 137); the memory limit 512Mi never killed it and no OOM event',
    );
  });

  test('the reason reaches the answer next to the app-crash root cause', () => {
    const f = base({ statuses: [crashing('app', { exitCode: 1, reason: 'Error' })], ready: false });
    const r = conclude(f);
    assert.equal(r.rootCause.id, 'app-crash');
    assert.ok(
      r.ruledOut.some((x) => x.id === 'oom-killed' && /never OOMKilled/.test(x.reason)),
      JSON.stringify(r.ruledOut),
    );
  });

  test('nothing crashed: no termination evidence, no verdict', () => {
    assert.equal(run(oomKilled, base()), null);
  });

  test('a restart long before the window is no evidence either', () => {
    const f = base({
      statuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 1,
          state: { running: { startedAt: at('10:00', '2026-04-24') } },
          lastState: {
            terminated: {
              reason: 'Error',
              exitCode: 1,
              startedAt: at('09:00', '2026-04-24'),
              finishedAt: at('10:00', '2026-04-24'),
            },
          },
        },
      ],
    });
    assert.equal(run(oomKilled, f), null);
  });

  test('mixed terminations: one replica OOMKilled is still an OOM match', () => {
    const f = base({
      statuses: (i) => [
        i === 0 ? crashing('app', { reason: 'OOMKilled', exitCode: 137 }) : crashing('app', { exitCode: 1 }),
      ],
      ready: false,
    });
    assert.equal(match(oomKilled, f).kind, 'match');
  });

  test('an OOM event on a pod or a SystemOOM on its node leaves it open', () => {
    const pods = base({ statuses: [crashing('app', { exitCode: 1 })], ready: false });
    pods.events.push(
      ev({ object: PODS[0]!, reason: 'OOMKilling', message: 'Memory cgroup out of memory', last: at('01:55') }),
    );
    assert.equal(run(oomKilled, pods), null);
    const nodes = base({ statuses: [crashing('app', { exitCode: 1 })], ready: false });
    nodes.events.push(nodeEv('node-1', 'SystemOOM', at('01:55'), 'System OOM encountered, victim process: app'));
    assert.equal(run(oomKilled, nodes), null);
  });

  test('a signal exit reads as a termination, and 137 keeps its own reason', () => {
    const f143 = base({ statuses: [crashing('app', { exitCode: 143 })], ready: false });
    assert.match(
      ruledOut(run(oomKilled, f143)),
      /^app on 2\/2 pods terminated with code 143 \(Error\), never OOMKilled/,
    );
    const f137 = base({ statuses: [crashing('app', { exitCode: 137 })], ready: false });
    assert.match(ruledOut(run(oomKilled, f137)), /exit code 137 on .* has reason Error, not OOMKilled/);
  });

  test('no memory limit: said so', () => {
    const f = base({ statuses: [crashing('app', { exitCode: 2 })], ready: false });
    const tpl = f.target.template?.spec?.containers[0];
    if (tpl?.resources) tpl.resources = { requests: { cpu: '250m' } };
    assert.match(
      ruledOut(run(oomKilled, f)),
      /exits with code 2 \(Error\), .*; no memory limit is set and no OOM event$/,
    );
  });
});

/** The seed incident turned into a config crash: redis-cache-0 still recreated at 01:47, but the
 * app exits 1 after a second with no liveness failure or kill (only BackOff events). */
function ownExits(o: { exitCode?: number; events?: (e: Ev) => boolean } = {}): Facts {
  const f = seedFacts({ nodeEvents: false });
  f.events = f.events.filter(o.events ?? ((e) => e.reason === 'BackOff'));
  for (const p of f.pods) {
    p.status!.containerStatuses = [
      crashing('payments', {
        exitCode: o.exitCode ?? 1,
        started: at('01:57:40'),
        finished: at('01:57:41'),
      }) as ContainerStatus,
    ];
  }
  f.logs.push(
    log(
      APP_PODS[0]!,
      'payments',
      ['2026-04-26T01:57:41.100Z level=fatal msg="invalid configuration" error="SESSION_TTL: unknown unit"'],
      true,
    ),
  );
  return f;
}

describe('probe-timeout-slow-dependency: ruled out when the containers exit on their own', () => {
  test('dependency restarted near the first failure, no liveness failure, exit 1', () => {
    assert.equal(
      ruledOut(run(probeTimeoutSlowDependency, ownExits())),
      'redis-cache-0 (behind Service redis-cache) was recreated at 01:47 UTC, 3 min before the first failure ' +
        '(Ready again at 01:47 UTC, the exits go on), but no liveness probe failed or killed a container: ' +
        'payments on 3/3 pods exits with code 1 (Error) on its own after 1 s',
    );
  });

  test('conclude: app-crash is the cause and the dependency restart is ruled out, not dropped', () => {
    const r = conclude(ownExits());
    assert.equal(r.rootCause.id, 'app-crash');
    const x = r.ruledOut.find((o) => o.id === 'probe-timeout-slow-dependency');
    assert.ok(x, JSON.stringify(r.ruledOut));
    assert.match(x.reason, /redis-cache-0 .* but no liveness probe failed/);
    assert.ok(!r.hypotheses.some((h) => h.id === 'probe-timeout-slow-dependency'));
  });

  test('liveness failures and kills present: the seed match is unchanged', () => {
    assert.equal(match(probeTimeoutSlowDependency, seedFacts()).kind, 'match');
  });

  test('a liveness kill without the Unhealthy events still blocks the verdict', () => {
    const f = ownExits({ events: (e) => e.reason === 'BackOff' || e.reason === 'Killing' });
    assert.equal(run(probeTimeoutSlowDependency, f), null);
  });

  test('exit 137/143 without events (expired?) is not "on its own": no verdict', () => {
    assert.equal(run(probeTimeoutSlowDependency, ownExits({ exitCode: 137 })), null);
    assert.equal(run(probeTimeoutSlowDependency, ownExits({ exitCode: 143 })), null);
  });

  test('no dependency disruption near the first failure: nothing tempting, no verdict', () => {
    const f = ownExits();
    const redis = f.dependencies[0]!.pods[0]!;
    redis.metadata!.creationTimestamp = at('10:00', '2026-04-25');
    assert.equal(run(probeTimeoutSlowDependency, f), null);
  });

  test('nothing terminated (only readiness trouble): no verdict', () => {
    const f = seedFacts({ nodeEvents: false });
    f.events = [];
    for (const p of f.pods) {
      p.status!.containerStatuses = [
        { name: 'payments', ready: false, restartCount: 0, state: { running: { startedAt: at('01:40') } } },
      ];
    }
    assert.equal(run(probeTimeoutSlowDependency, f), null);
  });

  test('events of the target namespace unreadable: the liveness events could be hidden', () => {
    const f = ownExits();
    f.gaps.push({
      step: 'pod-events',
      verb: 'list',
      resource: 'events',
      namespace: 'production',
      status: 403,
      message: 'forbidden',
    });
    assert.equal(run(probeTimeoutSlowDependency, f), null);
  });
});
