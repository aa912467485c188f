import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conclude } from '../../src/engine/conclude.js';
import { probeTimeoutSlowDependency as rule } from '../../src/rules/probe-timeout-slow-dependency.js';
import { at, ev, log, match, nodeEv, run } from './fixtures.js';
import { APP_PODS, seedFacts } from './seed.js';

const probePatch = (fix: unknown) =>
  (
    fix as {
      patch: {
        spec: { template: { spec: { containers: { name: string; livenessProbe: Record<string, number> }[] } } };
      };
    }
  ).patch.spec.template.spec.containers[0];

describe('probe-timeout-slow-dependency (seed)', () => {
  const facts = seedFacts();
  const result = conclude(facts);
  const rc = result.rootCause;

  test('the seed incident is diagnosed with high confidence from 4 independent signals', () => {
    assert.equal(rc.id, 'probe-timeout-slow-dependency');
    assert.equal(rc.confidence, 'high');
    assert.equal(rc.signals, 4);
    assert.deepEqual(
      rc.evidence.map((e) => e.kind),
      ['rollout', 'event', 'status', 'spec'],
    );
    assert.match(rc.summary, /Liveness probe timeout \(2s\) on payments-service/);
    assert.match(rc.summary, /redis-cache-0 requires 3\.5 s to accept connections/);
  });

  test('evidence reads like the postmortem', () => {
    const [rollout, nodeSig, depSig, specSig] = rc.evidence;
    assert.equal(nodeSig?.ref, 'default/Node/ip-10-0-1-5');
    assert.match(
      nodeSig?.text ?? '',
      /Node ip-10-0-1-5 recycled at 01:47 UTC \(NotReady 01:42, kubelet restarted 01:45, Ready 01:47\), 2 min before the crash loop/,
    );
    assert.equal(depSig?.ref, 'production/Pod/redis-cache-0');
    assert.match(depSig?.text ?? '', /redis-cache-0 .* was on ip-10-0-1-5 and was recreated at 01:47 UTC/);
    assert.match(specSig?.text ?? '', /Liveness probe timeout 2s .* vs\. redis-cache-0 needing 3\.5 s/);
    assert.match(specSig?.text ?? '', /3\/3 pods from 01:49 UTC/);
    assert.match(rollout?.text ?? '', /Last rollout 6h before the first failure/);
  });

  test('the trigger names the spot node and the dependency pod', () => {
    assert.equal(rc.trigger, 'spot node ip-10-0-1-5 recycled at 01:47 UTC (redis-cache-0 recreated)');
  });

  test('bad-rollout is ruled out by timing', () => {
    const r = result.ruledOut.find((x) => x.id === 'bad-rollout');
    assert.ok(r, JSON.stringify(result.ruledOut));
    assert.match(r.reason, /last rollout 6h before the first failure; ReplicaSet unchanged/);
    assert.ok(result.ruledOut.some((x) => x.id === 'oom-killed' && /not OOMKilled/.test(x.reason)));
  });

  test('the fix is the postmortem patch: timeoutSeconds 10, initialDelaySeconds 15 on container payments', () => {
    assert.ok(rc.fix);
    assert.deepEqual(rc.fix.resource, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'production',
      name: 'payments-service',
    });
    assert.equal(rc.fix.patchType, 'strategic');
    assert.deepEqual(probePatch(rc.fix), {
      name: 'payments',
      livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 },
    });
    assert.equal(
      rc.fix.summary,
      'raise livenessProbe.timeoutSeconds 2→10 and initialDelaySeconds 0→15 on container payments',
    );
    assert.match(rc.advice ?? '', /readiness only/);
    assert.match(rc.advice ?? '', /PodDisruptionBudget/);
  });

  test('the timeline is ordered and crosses namespaces', () => {
    const times = result.timeline.map((t) => Date.parse(t.time));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok(result.timeline.some((t) => t.ref === 'default/Node/ip-10-0-1-5'));
    assert.ok(result.timeline.some((t) => t.ref === 'production/Pod/redis-cache-0'));
    assert.ok(result.timeline.length <= 40);
  });

  test('an app log that stops at "connecting to redis" is a fifth signal', () => {
    const f = seedFacts();
    f.logs.push(
      log(
        APP_PODS[0]!,
        'payments',
        ['2026-04-26T01:54:32.180Z INFO starting', '2026-04-26T01:54:32.245Z INFO connecting to redis-cache:6379'],
        true,
      ),
    );
    const m = match(rule, f);
    assert.equal(m.signals.length, 5);
    assert.ok(
      m.signals.some(
        (s) =>
          s.kind === 'log' && /ends at "2026-04-26T01:54:32.245Z INFO connecting to redis-cache:6379"/.test(s.text),
      ),
    );
  });
});

describe('probe-timeout-slow-dependency (variants and red herrings)', () => {
  test('"spot" only when the node is spot', () => {
    const m = match(rule, seedFacts({ spot: false }));
    assert.equal(m.trigger, 'node ip-10-0-1-5 recycled at 01:47 UTC (redis-cache-0 recreated)');
  });

  test('recovery unknown: floors 10/15', () => {
    const m = match(rule, seedFacts({ redisLog: null }));
    assert.deepEqual(probePatch(m.fix), {
      name: 'payments',
      livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 },
    });
  });

  test('a slower dependency raises the values (8 s → 20/30)', () => {
    const m = match(
      rule,
      seedFacts({
        redisLog: [
          '2026-04-26T01:47:00Z * Redis is starting',
          '2026-04-26T01:47:08Z * Ready to accept connections tcp',
        ],
      }),
    );
    assert.deepEqual(probePatch(m.fix), {
      name: 'payments',
      livenessProbe: { timeoutSeconds: 20, initialDelaySeconds: 30 },
    });
  });

  test('only raises: an existing larger delay is kept, the timeout still goes up', () => {
    const m = match(
      rule,
      seedFacts({
        liveness: { httpGet: { path: '/healthz', port: 8080 }, timeoutSeconds: 5, initialDelaySeconds: 30 },
      }),
    );
    assert.deepEqual(probePatch(m.fix), { name: 'payments', livenessProbe: { timeoutSeconds: 10 } });
  });

  test('no fix when the probe already allows more than needed', () => {
    const m = match(
      rule,
      seedFacts({
        liveness: { httpGet: { path: '/healthz', port: 8080 }, timeoutSeconds: 15, initialDelaySeconds: 30 },
      }),
    );
    assert.equal(m.fix, null);
  });

  test('red herring: the replicas’ own node was recycled → not this cause', () => {
    const f = seedFacts({ appNodes: ['ip-10-0-1-5', 'ip-10-0-1-5', 'ip-10-0-1-5'] });
    assert.equal(run(rule, f), null);
  });

  test('red herring: connection refused on the probe → not this cause', () => {
    const f = seedFacts({
      failure:
        'Liveness probe failed: Get "http://10.0.1.12:8081/healthz": dial tcp 10.0.1.12:8081: connect: connection refused',
    });
    assert.equal(run(rule, f), null);
  });

  test('red herring: dependency stable for days → stands down, the answer is not high', () => {
    const f = seedFacts({ nodeEvents: false, redisCreated: at('11:00', '2026-04-19') });
    f.dependencies[0]!.pods[0]!.status!.containerStatuses![0]!.state = {
      running: { startedAt: at('11:00', '2026-04-19') },
    };
    f.logs = [];
    assert.equal(run(rule, f), null);
    const rc = conclude(f).rootCause;
    assert.notEqual(rc.id, 'probe-timeout-slow-dependency');
    assert.notEqual(rc.confidence, 'high');
  });

  test('no visible trigger (dependency restarted on its own): at most medium, rollout not counted', () => {
    const f = seedFacts({ nodeEvents: false });
    const m = match(rule, f);
    assert.equal(m.signals.filter((s) => s.kind === 'rollout').length, 0);
    assert.equal(m.trigger, 'redis-cache-0 recreated at 01:47 UTC (recreated)');
    const rc = conclude(f).rootCause;
    assert.equal(rc.id, 'probe-timeout-slow-dependency');
    assert.equal(rc.confidence, 'medium');
  });

  test('deleted node: its episode is linked by the time the pod was told its node failed', () => {
    const gone = 'ip-10-0-1-77';
    const f = seedFacts({
      nodeEvents: false,
      extraEvents: [
        nodeEv(gone, 'NodeNotReady', at('01:41:00'), `Node ${gone} status is now: NodeNotReady`),
        nodeEv(gone, 'RemovingNode', at('01:46:30'), `Node ${gone} event: Removing Node ${gone} from Controller`),
        ev({
          object: 'redis-cache-0',
          reason: 'NodeNotReady',
          message: 'Node is not ready',
          first: at('01:41:01'),
          source: 'node-controller',
        }),
      ],
    });
    f.nodes.push({ ...f.nodes[0]!, name: gone, exists: false, spot: false, pods: [] });
    const m = match(rule, f);
    assert.equal(m.trigger, `node ${gone} removed at 01:41 UTC (redis-cache-0 rescheduled)`);
    assert.ok(m.signals.some((s) => s.ref === `default/Node/${gone}`));
  });

  test('HTTP 503 while the dependency is down: failureThreshold covers the outage', () => {
    const f = seedFacts({ failure: 'Liveness probe failed: HTTP probe failed with statuscode: 503' });
    const m = match(rule, f);
    assert.match(m.summary, /fails \(HTTP 503\) while its dependency redis-cache is down/);
    assert.ok(m.fix === null || /failureThreshold/.test(m.fix.summary));
  });

  test('gRPC liveness probe: NOT_SERVING while the dependency is down, then health rpc timeouts', () => {
    const f = seedFacts({
      liveness: { grpc: { port: 9090 }, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3 },
      failure: 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")',
    });
    const unhealthyOnly = match(rule, f);
    assert.match(unhealthyOnly.summary, /fails \(NOT_SERVING\) while its dependency redis-cache is down/);
    f.events.push(
      ...APP_PODS.map((p) =>
        ev({
          object: p,
          container: 'payments',
          reason: 'Unhealthy',
          message: 'Liveness probe failed: timeout: health rpc did not complete within 1s',
          count: 30,
          first: at('01:50:30'),
          last: at('01:58:30'),
        }),
      ),
    );
    f.logs.push(
      log(APP_PODS[0]!, 'payments', ['2026-04-26T01:55:00Z WARN health check slow check=redis took=3400ms'], true),
    );
    const m = match(rule, f);
    assert.match(m.summary, /Liveness probe timeout \(1s\) .* the gRPC health check takes up to 3\.4 s/);
    assert.equal(conclude(f).rootCause.id, 'probe-timeout-slow-dependency');
  });

  test('a config line naming the dependency (`dial-timeout=3s`) is not an error talking to it', () => {
    const f = seedFacts();
    f.logs.push(
      log(APP_PODS[0]!, 'payments', ['2026-04-26T01:54:32Z INFO backend=redis-cache:6379 dial-timeout=3s', 'x'], true),
    );
    assert.equal(match(rule, f).signals.filter((s) => s.kind === 'log').length, 0);
  });

  test('a slow dependency that did not restart: app log errors talking to it → medium at most', () => {
    const f = seedFacts({ nodeEvents: false, redisCreated: at('11:00', '2026-04-19') });
    f.dependencies[0]!.pods[0]!.status!.containerStatuses![0]!.state = {
      running: { startedAt: at('11:00', '2026-04-19') },
    };
    f.logs = [
      log(
        APP_PODS[1]!,
        'payments',
        ['2026-04-26T01:49:10Z ERROR redis-cache:6379: i/o timeout', '2026-04-26T01:49:12Z INFO serving'],
        true,
      ),
    ];
    const m = match(rule, f);
    assert.equal(m.signals.length, 2);
    assert.equal(m.trigger, null);
    assert.notEqual(conclude(f).rootCause.confidence, 'high');
  });

  test('Karpenter interruption: the old replica’s events name the interrupted spot node', () => {
    const old = 'pricing-6d8b7c9f4-q8w2n';
    const f = seedFacts({
      nodeEvents: false,
      extraEvents: [
        ev({
          object: old,
          reason: 'SpotInterrupted',
          message: 'Pod will be evicted from the node due to a spot interruption warning',
          first: at('01:46:02'),
          source: 'karpenter',
        }),
        ev({
          object: old,
          reason: 'Killing',
          type: 'Normal',
          message: 'Stopping container pricing',
          first: at('01:46:03'),
          host: 'ip-10-0-3-47',
        }),
      ],
    });
    const dep = f.dependencies[0]!.pods[0]!;
    dep.metadata!.name = 'pricing-6d8b7c9f4-7hx5m';
    dep.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'pricing-6d8b7c9f4', controller: true }];
    dep.spec!.nodeName = 'ip-10-0-3-112';
    f.logs = [];
    const m = match(rule, f);
    assert.equal(
      m.trigger,
      'spot node ip-10-0-3-47 interrupted at 01:46 UTC (pricing-6d8b7c9f4-7hx5m rescheduled to ip-10-0-3-112)',
    );
    assert.ok(m.signals.some((s) => /rescheduled from ip-10-0-3-47 to ip-10-0-3-112/.test(s.text)));
  });
});
