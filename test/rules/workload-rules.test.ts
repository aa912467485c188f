/** Table-driven tests of the workload rules: a positive case and a red herring each. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Facts } from '../../src/domain/facts.js';
import { conclude } from '../../src/engine/conclude.js';
import { appCrash } from '../../src/rules/app-crash.js';
import { badRollout } from '../../src/rules/bad-rollout.js';
import { cpuThrottling } from '../../src/rules/cpu-throttling.js';
import { dnsFailure } from '../../src/rules/dns-failure.js';
import { gracefulShutdownTimeout } from '../../src/rules/graceful-shutdown-timeout.js';
import { imageNotFound } from '../../src/rules/image-not-found.js';
import { imagePullAuth } from '../../src/rules/image-pull-auth.js';
import { initContainerFailed } from '../../src/rules/init-container-failed.js';
import { lifecycleHookFailed } from '../../src/rules/lifecycle-hook-failed.js';
import { livenessProbeMisconfigured } from '../../src/rules/liveness-probe-misconfigured.js';
import { missingConfigReference } from '../../src/rules/missing-config-reference.js';
import { oomKilled } from '../../src/rules/oom-killed.js';
import { podSandboxFailed } from '../../src/rules/pod-sandbox-failed.js';
import { readinessProbeFailing } from '../../src/rules/readiness-probe-failing.js';
import type { Rule } from '../../src/rules/rule.js';
import { startupProbeTooShort } from '../../src/rules/startup-probe-too-short.js';
import { volumeMountFailed } from '../../src/rules/volume-mount-failed.js';
import { base, PODS } from './base.js';
import { at, container, crashing, dependency, ev, log, run, template } from './fixtures.js';

const P0 = PODS[0]!;
const P1 = PODS[1]!;
const patchOf = (f: Facts, rule: Rule) => {
  const out = run(rule, f);
  return out?.kind === 'match' ? (out.fix?.patch as Record<string, never>) : undefined;
};
const container0 = (patch: unknown) =>
  (patch as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }).spec.template.spec
    .containers[0];

interface Case {
  name: string;
  rule: Rule;
  facts: () => Facts;
  /** 'match' with at least `signals`, 'ruled-out', or null. */
  expect: 'match' | 'ruled-out' | null;
  signals?: number;
  check?: (f: Facts) => void;
}

const killedBy = (probe: string, c = 'app') =>
  PODS.map((p) =>
    ev({
      object: p,
      container: c,
      reason: 'Killing',
      type: 'Normal',
      message: `Container ${c} failed ${probe} probe, will be restarted`,
      count: 4,
      first: at('01:10'),
      last: at('01:50'),
    }),
  );

const cases: Case[] = [
  // ---- oom-killed
  {
    name: 'oom-killed: OOMKilled on both replicas, limit 256Mi → patch 512Mi',
    rule: oomKilled,
    facts: () => {
      const f = base({
        containers: [container('app', { resources: { requests: { memory: '256Mi' }, limits: { memory: '256Mi' } } })],
        statuses: [crashing('app', { reason: 'OOMKilled', exitCode: 137, restarts: 7 })],
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            reason: 'BackOff',
            message: `Back-off restarting failed container app in pod ${p}`,
            count: 20,
            first: at('01:20'),
          }),
        ),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      assert.deepEqual(container0(patchOf(f, oomKilled)), {
        name: 'app',
        resources: { limits: { memory: '512Mi' }, requests: { memory: '512Mi' } },
      });
    },
  },
  {
    name: 'oom-killed red herring: exit 137 with reason Error is not an OOM',
    rule: oomKilled,
    facts: () => base({ statuses: [crashing('app', { reason: 'Error', exitCode: 137 })] }),
    expect: 'ruled-out',
  },
  {
    name: 'oom-killed: a JVM -Xmx not below the limit is named and the new limit covers the heap',
    rule: oomKilled,
    facts: () =>
      base({
        containers: [
          container('app', {
            env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseG1GC -Xmx1536m' }],
            resources: { requests: { memory: '768Mi' }, limits: { memory: '1Gi' } },
          }),
        ],
        statuses: [crashing('app', { reason: 'OOMKilled', exitCode: 137, restarts: 7 })],
      }),
    expect: 'match',
    signals: 2,
    check: (f) => {
      const m = run(oomKilled, f);
      assert.ok(m?.kind === 'match');
      assert.ok(m.signals.some((x) => /-Xmx1536m \(env JAVA_TOOL_OPTIONS\) lets the JVM heap/.test(x.text)));
      assert.match(m.advice, /JVM heap is allowed past the limit/);
      assert.deepEqual(container0(patchOf(f, oomKilled)), {
        name: 'app',
        resources: { limits: { memory: '2Gi' }, requests: { memory: '2Gi' } },
      });
    },
  },
  {
    name: 'readiness-probe-failing red herring: readiness fails only while the container restarts (OOMKilled)',
    rule: readinessProbeFailing,
    facts: () => {
      const f = base({
        statuses: [crashing('app', { reason: 'OOMKilled', exitCode: 137, restarts: 7 })],
        ready: false,
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message:
              'Readiness probe failed: Get "http://10.0.0.10:8080/ready": dial tcp 10.0.0.10:8080: connect: connection refused',
            count: 20,
            first: at('01:00'),
          }),
        ),
      );
      return f;
    },
    expect: 'ruled-out',
  },
  // ---- app-crash
  {
    name: 'app-crash: exit 1 with an env variable the spec does not set',
    rule: appCrash,
    facts: () => {
      const f = base({ statuses: [crashing('app', { exitCode: 1, restarts: 9 })] });
      f.logs.push(
        log(P0, 'app', ['2026-04-26T01:55:00Z starting', '2026-04-26T01:55:01Z FATAL: DEPLOY_ENV is undefined'], true),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
  },
  {
    name: 'app-crash red herring: restarts are liveness kills (exit 143) → ruled out',
    rule: appCrash,
    facts: () => {
      const f = base({ statuses: [crashing('app', { exitCode: 143 })] });
      f.events.push(...killedBy('liveness'));
      return f;
    },
    expect: 'ruled-out',
  },
  // ---- missing-config-reference
  {
    name: 'missing-config-reference: secretKeyRef to a missing Secret',
    rule: missingConfigReference,
    facts: () => {
      const app = container('app', {
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'DB_PASSWORD' } } }],
      });
      const f = base({
        containers: [app],
        phase: 'Pending',
        statuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db-credentials" not found' } },
          },
        ],
      });
      f.events.push(
        ev({
          object: P0,
          container: 'app',
          reason: 'Failed',
          message: 'Error: secret "db-credentials" not found',
          count: 15,
          first: at('01:30'),
        }),
      );
      f.references.push({ kind: 'Secret', name: 'db-credentials', exists: false, keys: [] });
      return f;
    },
    expect: 'match',
    signals: 3,
  },
  {
    name: 'missing-config-reference red herring: a scheduling failure is not a config error',
    rule: missingConfigReference,
    facts: () => {
      const f = base({
        phase: 'Pending',
        statuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      });
      f.events.push(
        ev({ object: P0, reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu.' }),
      );
      return f;
    },
    expect: null,
  },
  // ---- volume-mount-failed
  {
    name: 'volume-mount-failed: configMap volume source missing',
    rule: volumeMountFailed,
    facts: () => {
      const f = base({
        extraSpec: { volumes: [{ name: 'config', configMap: { name: 'app-config' } }] },
        phase: 'Pending',
        statuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      });
      f.events.push(
        ev({
          object: P0,
          reason: 'FailedMount',
          message: 'MountVolume.SetUp failed for volume "config" : configmap "app-config" not found',
          count: 9,
          first: at('01:40'),
        }),
      );
      f.references.push({ kind: 'ConfigMap', name: 'app-config', exists: false, keys: [] });
      return f;
    },
    expect: 'match',
    signals: 3,
  },
  {
    name: 'volume-mount-failed red herring: a CSI attach timeout is not a missing ConfigMap',
    rule: volumeMountFailed,
    facts: () => {
      const f = base();
      f.events.push(
        ev({
          object: P0,
          reason: 'FailedMount',
          message:
            'MountVolume.MountDevice failed for volume "pvc-1" : rpc error: code = Aborted desc = an operation with the given Volume ID already exists',
        }),
      );
      return f;
    },
    expect: null,
  },
  // ---- image-not-found / image-pull-auth
  {
    name: 'image-not-found: the new tag does not exist (rollout changed it), old pods keep serving',
    rule: imageNotFound,
    facts: () => {
      const f = base({
        rolloutAt: at('01:40'),
        previousTemplate: template([container('app', { image: 'registry.example.com/app:1.8.2' })]),
        containers: [container('app', { image: 'registry.example.com/app:1.8.3' })],
      });
      f.pods[0]!.status!.containerStatuses = [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.example.com/app:1.8.3"' },
          },
        },
      ];
      f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
      f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
      f.events.push(
        ev({
          object: P0,
          container: 'app',
          reason: 'Failed',
          message:
            'Failed to pull image "registry.example.com/app:1.8.3": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/app:1.8.3": not found',
          count: 4,
          first: at('01:41'),
        }),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const out = run(imageNotFound, f);
      assert.ok(out?.kind === 'match' && /set image deploy\/web app=registry.example.com\/app:1.8.2/.test(out.advice));
      // The previous revision's pods run 1.8.2 and are Ready: the patch puts that image back.
      assert.deepEqual(container0(out.fix?.patch), { name: 'app', image: 'registry.example.com/app:1.8.2' });
      assert.equal(run(imagePullAuth, f)?.kind, 'ruled-out');
    },
  },
  {
    name: 'image-pull-auth: 401 from a private registry, no imagePullSecrets; not-found stands down',
    rule: imagePullAuth,
    facts: () => {
      const f = base();
      f.events.push(
        ev({
          object: P0,
          container: 'app',
          reason: 'Failed',
          message:
            'Failed to pull image "harbor.example.io/docs/app:3.2.0": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized',
          count: 5,
          first: at('01:41'),
        }),
      );
      f.references.push({ kind: 'Secret', name: 'harbor-pull', exists: true, keys: ['.dockerconfigjson'] });
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const out = run(imagePullAuth, f);
      assert.ok(out?.kind === 'match');
      assert.deepEqual(out.fix?.patch, {
        spec: { template: { spec: { imagePullSecrets: [{ name: 'harbor-pull' }] } } },
      });
      assert.equal(run(imageNotFound, f)?.kind, 'ruled-out');
    },
  },
  // ---- readiness-probe-failing
  {
    name: 'readiness-probe-failing: 503 because the dependency Service is empty, its Deployment scaled to 0 → trigger + scale-back patch',
    rule: readinessProbeFailing,
    facts: () => {
      const f = base({
        containers: [container('app', { env: [{ name: 'DATABASE_HOST', value: 'orders-db' }] })],
        ready: false,
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
            count: 40,
            first: at('01:20:30'),
          }),
        ),
        // The target's own rollout also scaled an old ReplicaSet to 0: not the dependency.
        ev({
          kind: 'Deployment',
          object: 'web',
          reason: 'ScalingReplicaSet',
          type: 'Normal',
          message: 'Scaled down replica set web-5c7d6b8a4 from 1 to 0',
          first: at('00:50'),
        }),
        ev({
          kind: 'Deployment',
          object: 'orders-db',
          reason: 'ScalingReplicaSet',
          type: 'Normal',
          message: 'Scaled down replica set orders-db-7c9d5f8b46 from 1 to 0',
          first: at('01:20:00'),
        }),
      );
      f.dependencies.push(
        dependency('orders-db', [], {
          sources: [{ container: 'app', via: 'env DATABASE_HOST' }],
          endpoints: { exists: true, ready: 0, notReady: 0 },
          backing: { kind: 'Deployment', name: 'orders-db', namespace: 'production', replicas: 0 },
        }),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const m = run(readinessProbeFailing, f);
      assert.ok(m?.kind === 'match');
      assert.match(
        m.trigger ?? '',
        /^orders-db scaled to 0 at 01:20 UTC \(Deployment production\/orders-db: Scaled down replica set orders-db-7c9d5f8b46 from 1 to 0\)/,
      );
      assert.match(m.summary, /because its dependency orders-db has no endpoints/);
      assert.deepEqual(m.fix?.resource, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'production',
        name: 'orders-db',
      });
      assert.deepEqual(m.fix?.patch, { spec: { replicas: 1 } });
      assert.equal(m.fix?.patchType, 'merge');
    },
  },
  {
    name: 'readiness-probe-failing: probe on an undeclared port, Service without ready endpoints → port patch',
    rule: readinessProbeFailing,
    facts: () => {
      const f = base({
        containers: [container('app', { readinessProbe: { httpGet: { path: '/ready', port: 9090 } } })],
        ready: false,
        statuses: [
          { name: 'app', ready: false, started: true, restartCount: 0, state: { running: { startedAt: at('01:00') } } },
        ],
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message:
              'Readiness probe failed: Get "http://10.0.0.10:9090/ready": dial tcp 10.0.0.10:9090: connect: connection refused',
            count: 25,
            first: at('01:01'),
          }),
        ),
      );
      f.services.push({
        name: 'web',
        namespace: 'production',
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 8080 }],
        matchesTemplate: true,
        endpoints: { exists: true, ready: 0, notReady: 2 },
      });
      return f;
    },
    expect: 'match',
    signals: 4,
    check: (f) =>
      assert.deepEqual(container0(patchOf(f, readinessProbeFailing)), {
        name: 'app',
        readinessProbe: { httpGet: { port: 8080 } },
      }),
  },
  {
    name: 'readiness-probe-failing red herring: readiness failures of pods killed by liveness are a symptom',
    rule: readinessProbeFailing,
    facts: () => {
      const f = base({ ready: false, statuses: [crashing('app', { exitCode: 137 })] });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
            count: 9,
            first: at('01:01'),
          }),
        ),
      );
      f.events.push(...killedBy('liveness'));
      return f;
    },
    expect: null,
  },
  // ---- startup-probe-too-short
  {
    name: 'startup-probe-too-short: killed at 30 s while the log is still warming up',
    rule: startupProbeTooShort,
    facts: () => {
      const f = base({
        containers: [
          container('app', {
            startupProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 5, failureThreshold: 6 },
          }),
        ],
        statuses: [
          {
            name: 'app',
            ready: false,
            started: false,
            restartCount: 8,
            state: { running: { startedAt: at('01:55') } },
            lastState: {
              terminated: { reason: 'Error', exitCode: 143, startedAt: at('01:54:00'), finishedAt: at('01:54:32') },
            },
          },
        ],
      });
      f.events.push(...killedBy('startup'));
      f.logs.push(
        log(
          P0,
          'app',
          [
            '2026-04-26T01:54:00Z starting scorer',
            '2026-04-26T01:54:31Z loading model: download progress 2.1/2.6 GB (84%)',
          ],
          true,
        ),
      );
      return f;
    },
    expect: 'match',
    signals: 4,
    check: (f) => {
      const c = container0(patchOf(f, startupProbeTooShort)) as { startupProbe: { failureThreshold: number } };
      assert.ok(c.startupProbe.failureThreshold > 6);
    },
  },
  {
    name: 'startup-probe-too-short red herring: liveness kills of an app that did start',
    rule: startupProbeTooShort,
    facts: () => {
      const f = base({
        containers: [container('app', { livenessProbe: { httpGet: { path: '/healthz', port: 8081 } } })],
        statuses: [crashing('app', { exitCode: 0 })],
      });
      f.events.push(...killedBy('liveness'));
      f.logs.push(
        log(
          P0,
          'app',
          ['2026-04-26T01:54:00Z listening on :8080', '2026-04-26T01:54:31Z signal 15 (SIGTERM) received, exiting'],
          true,
        ),
      );
      return f;
    },
    expect: null,
  },
  // ---- liveness-probe-misconfigured
  {
    name: 'liveness-probe-misconfigured: refused on undeclared 8080, container declares 80 → port patch',
    rule: livenessProbeMisconfigured,
    facts: () => {
      const nginx = container('web', {
        ports: [{ name: 'http', containerPort: 80 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      });
      const f = base({
        containers: [nginx],
        statuses: [
          {
            name: 'web',
            ready: true,
            restartCount: 11,
            state: { running: { startedAt: at('01:58') } },
            lastState: {
              terminated: { reason: 'Completed', exitCode: 0, startedAt: at('01:57'), finishedAt: at('01:57:40') },
            },
          },
        ],
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'web',
            reason: 'Unhealthy',
            message:
              'Liveness probe failed: Get "http://10.0.0.10:8080/healthz": dial tcp 10.0.0.10:8080: connect: connection refused',
            count: 33,
            first: at('01:00'),
          }),
        ),
      );
      f.events.push(...killedBy('liveness', 'web'));
      f.logs.push(
        log(P0, 'web', ['2026/04/26 01:57:39 [notice] 1#1: signal 15 (SIGTERM) received from 1, exiting'], true),
      );
      return f;
    },
    expect: 'match',
    signals: 4,
    check: (f) =>
      assert.deepEqual(container0(patchOf(f, livenessProbeMisconfigured)), {
        name: 'web',
        livenessProbe: { httpGet: { port: 80 } },
      }),
  },
  {
    name: 'liveness-probe-misconfigured red herring: timeouts are not a wrong port',
    rule: livenessProbeMisconfigured,
    facts: () => {
      const f = base();
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message: 'Liveness probe failed: Get "http://10.0.0.10:8080/healthz": context deadline exceeded',
            count: 9,
          }),
        ),
      );
      return f;
    },
    expect: null,
  },
  // ---- bad-rollout
  {
    name: 'bad-rollout: revision 3 (image only) 5 min before the crash loop, old pods fine → image restore patch',
    rule: badRollout,
    facts: () => {
      const f = base({
        rolloutAt: at('01:45'),
        previousTemplate: template([container('app', { image: 'registry.example.com/app:1.0.0' })]),
        containers: [container('app', { image: 'registry.example.com/app:1.1.0' })],
        statuses: (i) =>
          i === 0
            ? [crashing('app', { exitCode: 2, finished: at('01:50') })]
            : [{ name: 'app', ready: true, restartCount: 0 }],
      });
      f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
      f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
      f.events.push(
        ev({
          object: P0,
          reason: 'BackOff',
          message: `Back-off restarting failed container app in pod ${P0}`,
          first: at('01:47'),
        }),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const out = run(badRollout, f);
      assert.ok(out?.kind === 'match');
      assert.match(out.advice, /kubectl -n production rollout undo deploy\/web --to-revision=2/);
      assert.deepEqual(container0(out.fix?.patch), { name: 'app', image: 'registry.example.com/app:1.0.0' });
    },
  },
  {
    name: 'bad-rollout: revision 3 added flags and an env var → trigger names the ReplicaSet, patch restores args and drops the env',
    rule: badRollout,
    facts: () => {
      const old = container('app', { args: ['-addr=:8080'], env: [{ name: 'MODE', value: 'a' }] });
      const f = base({
        rolloutAt: at('01:45'),
        previousTemplate: template([old]),
        containers: [
          container('app', {
            args: ['-addr=:8080', '-enable-tracing', '-otlp-endpoint=collector:4317'],
            env: [
              { name: 'MODE', value: 'a' },
              { name: 'OTEL', value: 'on' },
            ],
          }),
        ],
        statuses: (i) =>
          i === 0
            ? [crashing('app', { exitCode: 2, finished: at('01:50') })]
            : [{ name: 'app', ready: true, restartCount: 0 }],
      });
      f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
      f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
      f.logs.push(log(P0, 'app', ['flag provided but not defined: -enable-tracing', 'Usage of /app:'], true));
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const out = run(badRollout, f);
      assert.ok(out?.kind === 'match');
      assert.equal(out.trigger, 'rollout to revision 3 (ReplicaSet web-6d8f7c9b5) at 01:45 UTC');
      assert.match(out.summary, /args app changed \(\+-enable-tracing, \+-otlp-endpoint=…\)/);
      assert.match(out.summary, /its pods fail with "flag provided but not defined: -enable-tracing"/);
      assert.equal(out.fix?.patchType, 'strategic');
      assert.deepEqual(container0(out.fix?.patch), {
        name: 'app',
        args: ['-addr=:8080'],
        env: [{ name: 'OTEL', $patch: 'delete' }],
      });
    },
  },
  {
    name: 'bad-rollout: revision 3 also changed resources → no patch, rollout undo advice',
    rule: badRollout,
    facts: () => {
      const f = base({
        rolloutAt: at('01:45'),
        previousTemplate: template([container('app', { args: ['-v'] })]),
        containers: [
          container('app', {
            args: ['-v', '-new'],
            resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } },
          }),
        ],
        statuses: (i) =>
          i === 0
            ? [crashing('app', { exitCode: 2, finished: at('01:50') })]
            : [{ name: 'app', ready: true, restartCount: 0 }],
      });
      f.pods[1]!.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-5c7d6b8a4', controller: true }];
      f.pods[1]!.metadata!.labels = { app: 'web', 'pod-template-hash': '5c7d6b8a4' };
      return f;
    },
    expect: 'match',
    signals: 3,
    check: (f) => {
      const out = run(badRollout, f);
      assert.ok(out?.kind === 'match');
      assert.equal(out.fix, null);
      assert.match(out.advice, /rollout undo deploy\/web --to-revision=2/);
    },
  },
  {
    name: 'bad-rollout red herring: rollout 6 h before the first failure, pods unchanged → ruled out',
    rule: badRollout,
    facts: () => {
      const f = base({ rolloutAt: at('19:52', '2026-04-25'), statuses: [crashing('app', { exitCode: 1 })] });
      f.events.push(
        ev({
          object: P0,
          reason: 'BackOff',
          message: `Back-off restarting failed container app in pod ${P0}`,
          first: at('01:49'),
        }),
      );
      return f;
    },
    expect: 'ruled-out',
    check: (f) => {
      const out = run(badRollout, f);
      assert.ok(
        out?.kind === 'ruled-out' && /last rollout 6h before the first failure.*ReplicaSet unchanged/.test(out.reason),
      );
    },
  },
  // ---- dns-failure
  {
    name: 'dns-failure: lookups fail and a NetworkPolicy blocks port 53 → JSON patch adding DNS egress',
    rule: dnsFailure,
    facts: () => {
      const f = base({ statuses: [crashing('app', { exitCode: 1 })] });
      f.logs.push(
        log(
          P0,
          'app',
          [
            '2026-04-26T01:50:00Z dial tcp: lookup postgres.db.svc.cluster.local on 10.96.0.10:53: read udp 10.0.0.10:41234->10.96.0.10:53: i/o timeout',
          ],
          true,
        ),
      );
      f.networkPolicies.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny-egress', namespace: 'production' },
        spec: { podSelector: {}, policyTypes: ['Egress'] },
      });
      return f;
    },
    expect: 'match',
    signals: 2,
    check: (f) => {
      const out = run(dnsFailure, f);
      assert.ok(out?.kind === 'match' && out.fix?.patchType === 'json' && out.fix.resource.kind === 'NetworkPolicy');
    },
  },
  {
    name: 'dns-failure red herring: DNSConfigForming alone → ruled out',
    rule: dnsFailure,
    facts: () => {
      const f = base();
      f.events.push(
        ev({
          object: P0,
          reason: 'DNSConfigForming',
          message:
            'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.0.0.2 8.8.8.8 1.1.1.1',
        }),
      );
      return f;
    },
    expect: 'ruled-out',
  },
  {
    name: 'dns-failure red herring: DNS noise on other pods (kube-system DNSConfigForming, a CoreDNS readiness blip) → ruled out',
    rule: dnsFailure,
    facts: () => {
      const f = base({ statuses: [crashing('app', { exitCode: 1 })] });
      const sys = { namespace: 'kube-system', objectNamespace: 'kube-system' };
      f.events.push(
        ev({
          ...sys,
          object: 'kube-proxy-x7k2p',
          reason: 'DNSConfigForming',
          message:
            'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.0.0.2 8.8.8.8 1.1.1.1',
          first: at('01:30'),
        }),
        ev({
          ...sys,
          object: 'coredns-7c5d8f6b94-ss5dl',
          reason: 'Unhealthy',
          message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
          first: at('00:50'),
        }),
      );
      f.logs.push(log(P0, 'app', ['2026-04-26T01:55:01Z ERROR cannot open /data/db: permission denied'], true));
      return f;
    },
    expect: 'ruled-out',
    check: (f) => {
      const out = run(dnsFailure, f);
      assert.ok(out?.kind === 'ruled-out');
      assert.match(
        out.reason,
        /DNSConfigForming on kube-proxy-x7k2p .*cluster DNS pod coredns-7c5d8f6b94-ss5dl had Unhealthy/,
      );
      assert.match(out.reason, /no name-resolution error in the logs of/);
    },
  },
  // ---- init-container-failed
  {
    name: 'init-container-failed: StartError "wge" not found in the init command',
    rule: initContainerFailed,
    facts: () => {
      const init = container('fetch', {
        image: 'busybox:1.36.1',
        command: ['sh', '-c', 'wge -O /data/db.mmdb https://example.com/db'],
      });
      const msg =
        'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "wge": executable file not found in $PATH: unknown';
      return base({
        initContainers: [init],
        phase: 'Pending',
        ready: false,
        statuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
        initStatuses: [
          {
            name: 'fetch',
            ready: false,
            restartCount: 6,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: {
              terminated: {
                reason: 'StartError',
                exitCode: 128,
                message: msg,
                startedAt: '1970-01-01T00:00:00Z',
                finishedAt: at('01:55'),
              },
            },
          },
        ],
      });
    },
    expect: 'match',
    signals: 2,
  },
  {
    name: 'init-container-failed red herring: init containers that completed',
    rule: initContainerFailed,
    facts: () =>
      base({
        initContainers: [container('migrate')],
        initStatuses: [
          {
            name: 'migrate',
            ready: true,
            restartCount: 0,
            state: {
              terminated: { reason: 'Completed', exitCode: 0, startedAt: at('01:00'), finishedAt: at('01:01') },
            },
          },
        ],
      }),
    expect: null,
  },
  // ---- lifecycle-hook-failed
  {
    name: 'lifecycle-hook-failed: FailedPostStartHook kills the container',
    rule: lifecycleHookFailed,
    facts: () => {
      const app = container('app', {
        lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'register.sh'] } } },
      });
      const f = base({
        containers: [app],
        statuses: [
          {
            ...crashing('app', { exitCode: 137 }),
            state: { waiting: { reason: 'PostStartHookError', message: 'command exited with 7' } },
          },
        ],
      });
      f.events.push(
        ev({
          object: P0,
          container: 'app',
          reason: 'FailedPostStartHook',
          message: 'PostStartHook failed',
          count: 6,
          first: at('01:30'),
        }),
      );
      return f;
    },
    expect: 'match',
    signals: 3,
  },
  {
    name: 'lifecycle-hook-failed red herring: a normal Killing on rollout is no hook failure',
    rule: lifecycleHookFailed,
    facts: () => {
      const f = base();
      f.events.push(
        ev({ object: P0, container: 'app', reason: 'Killing', type: 'Normal', message: 'Stopping container app' }),
      );
      return f;
    },
    expect: null,
  },
  // ---- cpu-throttling
  {
    name: 'cpu-throttling: 200m limit, probe timeouts, GC stalls in the log → limit patch',
    rule: cpuThrottling,
    facts: () => {
      const app = container('app', {
        resources: { requests: { cpu: '200m' }, limits: { cpu: '200m' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, timeoutSeconds: 1 },
      });
      const f = base({ containers: [app] });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message:
              'Liveness probe failed: Get "http://10.0.0.10:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
            count: 6,
            first: at('01:30'),
          }),
        ),
      );
      f.logs.push(log(P1, 'app', ['2026-04-26T01:29:00Z [GC pause (G1 Evacuation Pause) 2400ms]'], false));
      return f;
    },
    expect: 'match',
    // Probe timeouts and GC stalls are one slowness observation; no throttling measurement: at most medium.
    signals: 2,
    check: (f) =>
      assert.deepEqual(container0(patchOf(f, cpuThrottling)), { name: 'app', resources: { limits: { cpu: '500m' } } }),
  },
  {
    name: 'cpu-throttling red herring: timeouts right after a dependency restart → ruled out',
    rule: cpuThrottling,
    facts: () => {
      const app = container('app', {
        resources: { limits: { cpu: '200m' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      });
      const f = base({ containers: [app] });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Unhealthy',
            message: 'Liveness probe failed: Get "http://x/healthz": context deadline exceeded',
            first: at('01:30'),
          }),
        ),
      );
      f.dependencies.push({
        host: 'cache',
        port: 6379,
        sources: [{ container: 'app', via: 'env CACHE_HOST' }],
        service: { name: 'cache', namespace: 'production', exists: true, selector: {}, type: 'ClusterIP' },
        endpoints: { ready: 1, notReady: 0, exists: true },
        pods: [
          {
            metadata: { name: 'cache-0', namespace: 'production', creationTimestamp: at('01:28') },
            spec: { nodeName: 'node-9', containers: [container('cache')] },
            status: { phase: 'Running' },
          },
        ],
      });
      return f;
    },
    expect: 'ruled-out',
  },
  // ---- graceful-shutdown-timeout
  {
    name: 'graceful-shutdown-timeout: SIGKILL exactly 30 s after Stopping, app runs under sh -c',
    rule: gracefulShutdownTimeout,
    facts: () => {
      const app = container('app', { command: ['/bin/sh', '-c', 'node server.js'] });
      const f = base({
        containers: [app],
        statuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 1,
            state: { running: { startedAt: at('01:41') } },
            lastState: {
              terminated: { reason: 'Error', exitCode: 137, startedAt: at('00:10'), finishedAt: at('01:40:30') },
            },
          },
        ],
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Killing',
            type: 'Normal',
            message: 'Stopping container app',
            first: at('01:40:00'),
            last: at('01:40:00'),
          }),
        ),
      );
      return f;
    },
    expect: 'match',
    signals: 2,
  },
  {
    name: 'graceful-shutdown-timeout red herring: exit 143 (handled SIGTERM)',
    rule: gracefulShutdownTimeout,
    facts: () => {
      const f = base({
        statuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 1,
            lastState: {
              terminated: { reason: 'Error', exitCode: 143, startedAt: at('00:10'), finishedAt: at('01:40:02') },
            },
          },
        ],
      });
      f.events.push(
        ev({
          object: P0,
          container: 'app',
          reason: 'Killing',
          type: 'Normal',
          message: 'Stopping container app',
          first: at('01:40:00'),
        }),
      );
      return f;
    },
    expect: null,
  },
  {
    name: 'graceful-shutdown-timeout red herring: SIGKILL after the grace period of a liveness kill (the probe story)',
    rule: gracefulShutdownTimeout,
    facts: () => {
      const f = base({
        statuses: [
          crashing('app', { reason: 'Error', exitCode: 137, started: at('01:49:00'), finished: at('01:50:30') }),
        ],
      });
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            container: 'app',
            reason: 'Killing',
            type: 'Normal',
            message: 'Container app failed liveness probe, will be restarted',
            count: 5,
            first: at('01:20:00'),
            last: at('01:50:00'),
          }),
        ),
      );
      return f;
    },
    expect: null,
  },
  // ---- pod-sandbox-failed
  {
    name: 'pod-sandbox-failed: IP exhaustion on the target pods',
    rule: podSandboxFailed,
    facts: () => {
      const f = base({
        phase: 'Pending',
        ready: false,
        podIP: '',
        statuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      });
      for (const p of f.pods) delete p.status!.podIP;
      f.events.push(
        ...PODS.map((p) =>
          ev({
            object: p,
            reason: 'FailedCreatePodSandBox',
            message:
              'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "d0a4": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
            count: 30,
            first: at('01:30'),
          }),
        ),
      );
      return f;
    },
    expect: 'match',
    signals: 2,
  },
  {
    name: 'pod-sandbox-failed red herring: a sandbox storm on another workload',
    rule: podSandboxFailed,
    facts: () => {
      const f = base();
      f.events.push(
        ev({
          object: 'batch-7f9c-zz1aa',
          reason: 'FailedCreatePodSandBox',
          message: 'Failed to create pod sandbox: failed to assign an IP address to container',
          count: 100,
        }),
      );
      return f;
    },
    expect: null,
  },
];

describe('workload rules', () => {
  for (const c of cases) {
    test(c.name, () => {
      const f = c.facts();
      const out = run(c.rule, f);
      if (c.expect === null) assert.equal(out, null, JSON.stringify(out));
      else {
        assert.equal(out?.kind, c.expect, JSON.stringify(out));
        if (out?.kind === 'match' && c.signals !== undefined) {
          assert.ok(
            out.signals.length >= c.signals,
            `${out.signals.length} signals: ${out.signals.map((s) => s.text).join(' | ')}`,
          );
          for (const s of out.signals) assert.match(s.ref, /^[a-z0-9-]+\/[A-Za-z]+\/.+/);
          assert.ok(out.advice.length > 0);
        }
      }
      c.check?.(f);
    });
  }

  test('every positive case is also the conclusion of the whole registry', () => {
    for (const c of cases.filter((x) => x.expect === 'match')) {
      const rc = conclude(c.facts()).rootCause;
      assert.equal(rc.id, c.rule.id, `${c.name}: got ${rc.id} (${rc.summary})`);
    }
  });
});
