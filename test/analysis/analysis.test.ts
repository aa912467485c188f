import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytes, millicores, niceMemoryAtLeast } from '../../src/analysis/containers.js';
import { derive, durationIn, measureRecovery, rolloutExonerated } from '../../src/analysis/derive.js';
import { answeredUnhealthy, answerLabel, parseProbeEvent, parseProbeKill } from '../../src/analysis/probes.js';
import { clock, human, parseLogTime, relative } from '../../src/analysis/time.js';
import { at, ev, log, nodeEv } from '../rules/fixtures.js';
import { seedFacts } from '../rules/seed.js';

describe('time', () => {
  test('human durations', () => {
    assert.equal(human(3500), '3.5 s');
    assert.equal(human(40_000), '40 s');
    assert.equal(human(120_000), '2 min');
    assert.equal(human(80 * 60_000), '1h 20 min');
    assert.equal(human(5 * 3600_000 + 57 * 60_000), '6h');
    assert.equal(human(4 * 24 * 3600_000), '4d');
  });

  test('clock formatting (UTC, nearest minute, date when far from now)', () => {
    assert.equal(clock('2026-04-26T01:46:55Z'), '01:47 UTC');
    assert.equal(clock('2026-04-25T19:52:18Z', '2026-04-26T02:00:00Z'), '19:52 UTC');
    assert.equal(clock('2026-04-20T19:52:18Z', '2026-04-26T02:00:00Z'), '2026-04-20 19:52 UTC');
    assert.equal(relative(at('01:47'), at('01:49')), '2 min before');
  });

  test('log timestamps in common formats', () => {
    const ref = Date.UTC(2026, 3, 26, 1, 47, 3, 600);
    assert.equal(parseLogTime('2026-04-26T01:47:03.600Z 1:M * Ready to accept connections'), ref);
    assert.equal(parseLogTime('2026-04-26T01:47:03.600123456Z foo'), ref);
    assert.equal(parseLogTime('1:M 26 Apr 2026 01:47:03.600 * Ready to accept connections'), ref);
    assert.equal(parseLogTime('2026/04/26 01:47:03 [notice] 1#1: signal 15'), ref - 600);
    assert.equal(parseLogTime('2026-04-26 01:47:03,600 UTC [1] LOG: ready'), ref);
    assert.equal(parseLogTime('I0426 01:47:03.600000 1 main.go:1] hi', 2026), ref);
    assert.equal(parseLogTime('{"time":"2026-04-26T01:47:03.600Z","msg":"ready"}'), ref);
    assert.equal(parseLogTime('no time here'), null);
  });
});

describe('probes', () => {
  test('parses Unhealthy messages into probe, mode, url and port', () => {
    const t = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message:
          'Liveness probe failed: Get "http://10.0.1.12:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      }),
    );
    assert.deepEqual([t?.probe, t?.mode, t?.port, t?.path], ['liveness', 'timeout', 8080, '/healthz']);
    const r = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: dial tcp 10.244.1.5:6379: connect: connection refused',
      }),
    );
    assert.deepEqual([r?.probe, r?.mode, r?.port], ['readiness', 'refused', 6379]);
    const s = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message: '(combined from similar events): Startup probe failed: HTTP probe failed with statuscode: 503',
      }),
    );
    assert.deepEqual([s?.probe, s?.mode, s?.status], ['startup', 'status', 503]);
    const x = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message: 'Readiness probe failed: LOADING Redis is loading the dataset in memory',
      }),
    );
    assert.deepEqual([x?.mode, x?.output], ['exec', 'LOADING Redis is loading the dataset in memory']);
    const k = parseProbeKill(
      ev({ object: 'p', reason: 'Killing', message: 'Container api failed startup probe, will be restarted' }),
    );
    assert.deepEqual([k?.probe, k?.container], ['startup', 'api']);
    assert.equal(parseProbeKill(ev({ object: 'p', reason: 'Killing', message: 'Stopping container api' })), null);
  });

  test('gRPC probe messages: NOT_SERVING is an unhealthy answer, a health rpc deadline is a timeout', () => {
    const n = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message: 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")',
      }),
    );
    assert.deepEqual([n?.probe, n?.mode, n?.grpcStatus], ['liveness', 'unhealthy', 'NOT_SERVING']);
    assert.ok(n && answeredUnhealthy(n));
    assert.equal(n && answerLabel(n), 'NOT_SERVING');
    const t = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message: 'Liveness probe failed: timeout: health rpc did not complete within 1s',
      }),
    );
    assert.equal(t?.mode, 'timeout');
    const u = parseProbeEvent(
      ev({
        object: 'p',
        reason: 'Unhealthy',
        message:
          'Readiness probe failed: error: this server does not implement the grpc health protocol (grpc.health.v1.Health): rpc error: code = Unimplemented',
      }),
    );
    assert.equal(u?.mode, 'other');
  });
});

describe('durations', () => {
  test('JSON durations count, budgets (expected-duration) do not', () => {
    assert.equal(
      durationIn('{"msg":"apply request took too long","took":"1.945s","expected-duration":"100ms"}'),
      1.945,
    );
    assert.equal(durationIn('{"msg":"slow","expected-duration":"100ms"}'), null);
    assert.equal(durationIn('WARN health check slow took=3182ms'), 3.182);
  });
});

describe('quantities', () => {
  test('memory and cpu', () => {
    assert.equal(bytes('100Mi'), 100 * 1024 ** 2);
    assert.equal(bytes('1G'), 1e9);
    assert.equal(niceMemoryAtLeast(200 * 1024 ** 2), '256Mi');
    assert.equal(niceMemoryAtLeast(1024 ** 3), '1Gi');
    assert.equal(niceMemoryAtLeast(1.2 * 1024 ** 3), '1.5Gi');
    assert.equal(millicores('250m'), 250);
    assert.equal(millicores('1.5'), 1500);
  });
});

describe('derive (seed facts)', () => {
  const f = seedFacts();
  const d = derive(f);

  test('first failure is the earliest failure sign of the target', () => {
    assert.equal(d.firstFailure, at('01:49:00'));
    assert.equal(d.probeFailures.length, 3);
    assert.equal(d.probeKills.length, 3);
    assert.equal(d.backOffs.length, 3);
  });

  test('node episode of the recycled node', () => {
    assert.equal(d.nodeEpisodes.length, 1);
    const ep = d.nodeEpisodes[0]!;
    assert.deepEqual([ep.node, ep.kind, ep.at, ep.spot], ['ip-10-0-1-5', 'recycled', at('01:47:00'), true]);
    assert.equal(
      ep.text,
      'Node ip-10-0-1-5 recycled at 01:47 UTC (NotReady 01:42, kubelet restarted 01:45, Ready 01:47)',
    );
  });

  test('last rollout and its exoneration', () => {
    assert.equal(d.lastRollout?.revision.revision, 14);
    assert.equal(d.lastRollout?.podsOnIt, 3);
    assert.deepEqual(d.lastRollout?.changes, [
      'image payments: registry.example.com/payments-service:2.14.0 → registry.example.com/payments-service:2.14.1',
    ]);
    assert.match(
      rolloutExonerated(d)?.reason ?? '',
      /^last rollout 6h before the first failure; ReplicaSet unchanged since/,
    );
  });

  test('dependency disruption: recreated on the recycled node, 3.5 s recovery from its log', () => {
    const x = d.dependencies[0]?.disruption;
    assert.ok(x);
    assert.deepEqual(
      [x.pod, x.node, x.verb, x.episode?.node],
      ['redis-cache-0', 'ip-10-0-1-5', 'recreated', 'ip-10-0-1-5'],
    );
    assert.equal(x.recovery?.ms, 3500);
    assert.equal(x.recovery?.source, 'log');
  });

  test('health: the seed target is not healthy', () => {
    assert.equal(d.health.healthy, false);
    assert.ok(d.health.symptoms.some((s) => /CrashLoopBackOff on 3 pods/.test(s)));
  });
});

describe('derive helpers', () => {
  test('recovery needs a start and a ready line, and ignores sub-second restarts', () => {
    assert.equal(
      measureRecovery(
        log('m', 'c', ['2026-04-26T01:47:03.880Z server listening', '2026-04-26T01:47:03.881Z server listening']),
        2026,
      ),
      null,
    );
    const r = measureRecovery(
      log('pg', 'postgres', [
        '2026-04-26 01:47:30.100 UTC [1] LOG:  starting PostgreSQL 14.7',
        '2026-04-26 01:47:36.400 UTC [1] LOG:  database system is ready to accept connections',
      ]),
      2026,
    );
    assert.equal(r?.ms, 6300);
  });

  test('durations written in logs', () => {
    assert.equal(durationIn('GET /health took 2900 ms (cache warm 6%)'), 2.9);
    assert.equal(durationIn('INF GET /healthz status=200 duration=5.41s'), 5.41);
    assert.equal(durationIn('Started PricingApplication in 23.9 seconds'), null);
  });

  test('a brand-new node that registers is not an episode; a cordon alone is not either', () => {
    const f = seedFacts({ nodeEvents: false });
    f.nodes.push({ ...f.nodes[1]!, name: 'ip-new', createdAt: at('01:40'), pods: [] });
    f.events.push(
      nodeEv('ip-new', 'Starting', at('01:40:30'), 'Starting kubelet.'),
      nodeEv('ip-new', 'NodeReady', at('01:41'), ''),
    );
    f.events.push(nodeEv('ip-10-0-2-14', 'NodeNotSchedulable', at('01:30'), ''));
    assert.equal(derive(f).nodeEpisodes.length, 0);
  });
});
