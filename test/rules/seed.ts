/**
 * The reference incident (shared/seed-postmortem.md) as Facts, with knobs for its variants:
 * spot node ip-10-0-1-5 NotReady 01:42 / Starting 01:45 / NodeReady 01:47, redis-cache-0 recreated
 * there at 01:47 (log: ready after 3.5 s), payments-service liveness (timeout 2 s) timing out on
 * 3/3 replicas from 01:49, last rollout at 19:52 the evening before.
 */
import type { Ev, Facts } from '../../src/domain/facts.js';
import type { Probe } from '../../src/domain/k8s.js';
import {
  at,
  container,
  crashing,
  dependency,
  deployment,
  ev,
  facts,
  log,
  node,
  nodeEv,
  pod,
  revision,
  template,
} from './fixtures.js';

export const RS = 'payments-service-7d9f8b';
export const APP_NODES = ['ip-10-0-1-23', 'ip-10-0-2-14', 'ip-10-0-3-31'];
export const APP_PODS = [`${RS}-xkp2q`, `${RS}-mn4lw`, `${RS}-r5tvz`];

export interface SeedOpts {
  liveness?: Probe;
  /** Liveness failure message (default: the seed's timeout). */
  failure?: string;
  /** Nodes of the app pods (default: three healthy on-demand nodes). */
  appNodes?: string[];
  spot?: boolean;
  nodeEvents?: boolean;
  /** Redis start-up log lines (default: ready 3.5 s after start). */
  redisLog?: string[] | null;
  redisCreated?: string;
  rolloutAt?: string;
  extraEvents?: Ev[];
}

export function seedFacts(o: SeedOpts = {}): Facts {
  const liveness: Probe = o.liveness ?? {
    httpGet: { path: '/healthz', port: 8080 },
    timeoutSeconds: 2,
    periodSeconds: 10,
    failureThreshold: 3,
  };
  const payments = container('payments', {
    image: 'registry.example.com/payments-service:2.14.1',
    env: [{ name: 'REDIS_URL', value: 'redis://redis-cache:6379' }],
    livenessProbe: liveness,
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, timeoutSeconds: 1, periodSeconds: 5 },
  });
  const tpl = template([payments]);
  const w = deployment('payments-service', tpl, 3);
  const appNodes = o.appNodes ?? APP_NODES;
  const pods = APP_PODS.map((name, i) =>
    pod(name, {
      node: appNodes[i] ?? appNodes[0]!,
      created: at('19:52:30', '2026-04-25'),
      owner: { kind: 'ReplicaSet', name: RS },
      containers: [payments],
      statuses: [
        crashing('payments', { reason: 'Error', exitCode: 137, started: at('01:57:00'), finished: at('01:57:41') }),
      ],
      ready: false,
    }),
  );
  const failure =
    o.failure ??
    'Liveness probe failed: Get "http://10.0.1.12:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  const events: Ev[] = [];
  APP_PODS.forEach((p, i) => {
    const first = at(`01:49:0${i}`);
    events.push(
      ev({
        object: p,
        container: 'payments',
        reason: 'Unhealthy',
        message: failure,
        count: 18,
        first,
        last: at('01:58:30'),
      }),
      ev({
        object: p,
        container: 'payments',
        reason: 'Killing',
        type: 'Normal',
        message: 'Container payments failed liveness probe, will be restarted',
        count: 6,
        first: at(`01:49:2${i}`),
        last: at('01:58:35'),
      }),
      ev({
        object: p,
        container: 'payments',
        reason: 'BackOff',
        message: `Back-off restarting failed container payments in pod ${p}_production(uid)`,
        count: 30,
        first: at('01:50:00'),
        last: at('01:59:50'),
      }),
    );
  });
  const n5 = 'ip-10-0-1-5';
  if (o.nodeEvents !== false) {
    events.push(
      nodeEv(n5, 'NodeNotReady', at('01:42:03'), `Node ${n5} status is now: NodeNotReady`),
      nodeEv(n5, 'Starting', at('01:45:12'), 'Starting kubelet.'),
      nodeEv(n5, 'NodeReady', at('01:47:00'), `Node ${n5} status is now: NodeReady`),
    );
  }
  events.push(...(o.extraEvents ?? []));
  const redisCreated = o.redisCreated ?? at('01:47:00');
  const redis = pod('redis-cache-0', {
    node: n5,
    created: redisCreated,
    owner: { kind: 'StatefulSet', name: 'redis-cache' },
    labels: { app: 'redis-cache' },
    containers: [container('redis', { image: 'redis:7.2.4', ports: [{ containerPort: 6379 }] })],
    statuses: [{ name: 'redis', ready: true, restartCount: 0, state: { running: { startedAt: at('01:47:00') } } }],
    readySince: at('01:47:09'),
  });
  const redisLog =
    o.redisLog === undefined
      ? [
          '2026-04-26T01:47:00.100Z 1:C * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo',
          '2026-04-26T01:47:00.105Z 1:M * Server initialized',
          '2026-04-26T01:47:03.590Z 1:M * DB loaded from disk: 3.484 seconds',
          '2026-04-26T01:47:03.600Z 1:M * Ready to accept connections tcp',
        ]
      : o.redisLog;
  const nodes = [
    node(n5, {
      spot: o.spot ?? true,
      labels: o.spot === false ? {} : { 'eks.amazonaws.com/capacityType': 'SPOT' },
      pods: ['redis-cache-0'],
    }),
    ...APP_NODES.map((n, i) => node(n, { pods: [APP_PODS[i]!] })),
  ];
  return facts({
    workload: w,
    target: {
      name: 'payments-service',
      ownerChain: [
        { kind: 'ReplicaSet', name: RS },
        { kind: 'Deployment', name: 'payments-service' },
      ],
    },
    revisions: [
      revision(14, RS, o.rolloutAt ?? at('19:52:18', '2026-04-25'), tpl, true),
      revision(
        13,
        'payments-service-5b8c4d',
        at('15:10:04', '2026-04-21'),
        template([{ ...payments, image: 'registry.example.com/payments-service:2.14.0' }]),
      ),
    ],
    pods,
    events,
    nodes,
    logs: redisLog ? [log('redis-cache-0', 'redis', redisLog)] : [],
    dependencies: [
      dependency('redis-cache', [redis], { port: 6379, sources: [{ container: 'payments', via: 'env REDIS_URL' }] }),
    ],
  });
}
