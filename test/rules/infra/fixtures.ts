/**
 * Small builders for infra-rule tests: a Facts with sane defaults (Deployment `api` in `shop`,
 * 3 replicas, window 09:30–10:30Z), plus Pods, Evs, NodeFacts, HPAs, PVCs, quotas, PDBs, Services.
 */
import { derive } from '../../../src/analysis/derive.js';
import type { Ev, Facts, NodeFacts, Revision, ServiceFacts } from '../../../src/domain/facts.js';
import type { Condition, Container, KubeObject, Pod, PodSpec, PodTemplate, Workload } from '../../../src/domain/k8s.js';
import { emptyFacts } from '../../../src/engine/merge-facts.js';
import type { Rule, RuleMatch, RuleOutcome } from '../../../src/rules/rule.js';

/** Every Facts list empty (fresh arrays: tests push into them), as the engine starts; `facts()` sets the rest. */
const empty = () =>
  emptyFacts({ kind: 'Deployment', name: '', namespace: '', context: null }, new Date(0), new Date(0));

export const NS = 'shop';
export const NOW = '2026-03-04T10:30:00Z';
export const SINCE = '2026-03-04T09:30:00Z';
export const T = (hhmm: string) => `2026-03-04T${hhmm}Z`;

export const LABELS = { app: 'api', version: 'v1' };

export function container(over: Partial<Container> = {}): Container {
  return {
    name: 'api',
    image: 'registry.example.com/shop/api:1.4.2',
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    ...over,
  };
}

export function template(spec: Partial<PodSpec> = {}, labels: Record<string, string> = LABELS): PodTemplate {
  return { metadata: { labels: { ...labels } }, spec: { containers: [container()], ...spec } };
}

export function deployment(
  opts: {
    name?: string;
    replicas?: number;
    template?: PodTemplate;
    status?: Record<string, unknown>;
    spec?: Record<string, unknown>;
  } = {},
): Workload {
  const replicas = opts.replicas ?? 3;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name ?? 'api', namespace: NS, creationTimestamp: '2026-02-01T00:00:00Z' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'api' } },
      template: opts.template ?? template(),
      ...(opts.spec ?? {}),
    },
    status: opts.status ?? { replicas, readyReplicas: replicas, availableReplicas: replicas },
  };
}

export function job(
  opts: { name?: string; status?: Record<string, unknown>; spec?: Record<string, unknown> } = {},
): Workload {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: opts.name ?? 'nightly-export', namespace: NS },
    spec: {
      backoffLimit: 6,
      template: template(
        { restartPolicy: 'Never', containers: [container({ name: 'export' })] },
        { 'job-name': opts.name ?? 'nightly-export' },
      ),
      ...(opts.spec ?? {}),
    },
    status: opts.status ?? {},
  };
}

export function pod(
  name: string,
  opts: {
    node?: string | null;
    phase?: string;
    ready?: boolean;
    labels?: Record<string, string>;
    conditions?: Condition[];
    status?: Partial<NonNullable<Pod['status']>>;
    spec?: Partial<PodSpec>;
    owner?: string;
  } = {},
): Pod {
  const node = opts.node === undefined ? 'node-a' : opts.node;
  const phase = opts.phase ?? (node ? 'Running' : 'Pending');
  const ready = opts.ready ?? phase === 'Running';
  const conditions: Condition[] = opts.conditions ?? [
    { type: 'Ready', status: ready ? 'True' : 'False' },
    { type: 'PodScheduled', status: node ? 'True' : 'False' },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: { ...(opts.labels ?? LABELS), 'pod-template-hash': '7c9d8f6b5d' },
      creationTimestamp: T('09:00:00'),
      ownerReferences: [{ kind: 'ReplicaSet', name: opts.owner ?? 'api-7c9d8f6b5d', controller: true }],
    },
    spec: { ...(node ? { nodeName: node } : {}), containers: [container()], ...(opts.spec ?? {}) },
    status: { phase, conditions, ...(opts.status ?? {}) },
  };
}

let seq = 0;
export function ev(over: Partial<Ev> & Pick<Ev, 'reason' | 'message'>): Ev {
  seq += 1;
  const kind = over.kind ?? 'Pod';
  const object = over.object ?? 'api-7c9d8f6b5d-x2k4q';
  const clusterScoped = kind === 'Node' || kind === 'PersistentVolume' || kind === 'StorageClass';
  return {
    namespace: clusterScoped ? 'default' : NS,
    name: `${object}.${(0x17e2a5c04f66588n + BigInt(seq)).toString(16)}`,
    kind,
    object,
    objectNamespace: clusterScoped ? null : NS,
    fieldPath: null,
    container: null,
    init: false,
    type: 'Warning',
    count: 1,
    first: T('10:00:00'),
    last: T('10:05:00'),
    source: 'kubelet',
    host: null,
    ...over,
  };
}

/** A scheduler event (events.k8s.io: no firstTimestamp, eventTime only). */
export function schedulerEv(object: string, message: string, last = T('10:20:00'), count = 5): Ev {
  return ev({ reason: 'FailedScheduling', object, message, first: null, last, count, source: 'default-scheduler' });
}

export function node(name: string, over: Partial<NodeFacts> = {}, allocatable: Record<string, string> = {}): NodeFacts {
  const ready = over.ready ?? 'True';
  return {
    name,
    exists: true,
    object: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: over.labels ?? {} },
      status: {
        allocatable: {
          cpu: '3920m',
          memory: '14873756Ki',
          pods: '58',
          'ephemeral-storage': '76224326324',
          ...allocatable,
        },
      },
    },
    ready,
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
        lastTransitionTime: T('08:00:00'),
      },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure' },
    ],
    taints: [],
    unschedulable: false,
    spot: false,
    createdAt: '2026-02-01T00:00:00Z',
    labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'us-west-2a' },
    pods: [],
    ...over,
  };
}

export function hpa(opts: {
  name?: string;
  min?: number;
  max?: number;
  current?: number;
  desired?: number;
  target?: number;
  utilization?: number | null;
  conditions?: Condition[];
}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: opts.name ?? 'api', namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: opts.min ?? 2,
      maxReplicas: opts.max ?? 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.target ?? 70 } },
        },
      ],
    },
    status: {
      currentReplicas: opts.current ?? 3,
      desiredReplicas: opts.desired ?? opts.current ?? 3,
      currentMetrics:
        opts.utilization === null
          ? []
          : [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: opts.utilization ?? 50 } } }],
      conditions: opts.conditions ?? [],
    },
  };
}

export function pvc(
  name: string,
  opts: { phase?: string; storageClassName?: string; volumeName?: string; accessModes?: string[] } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, creationTimestamp: T('09:50:00') },
    spec: {
      accessModes: opts.accessModes ?? ['ReadWriteOnce'],
      storageClassName: opts.storageClassName ?? 'gp3',
      ...(opts.volumeName ? { volumeName: opts.volumeName } : {}),
    },
    status: { phase: opts.phase ?? 'Bound' },
  };
}

export function quota(name: string, hard: Record<string, string>, used: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name, namespace: NS },
    spec: { hard },
    status: { hard, used },
  };
}

export function pdb(name: string, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec, status };
}

export function service(over: Partial<ServiceFacts> = {}): ServiceFacts {
  return {
    name: 'api',
    namespace: NS,
    selector: { ...LABELS },
    ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    matchesTemplate: true,
    endpoints: { exists: true, ready: 3, notReady: 0 },
    ...over,
  };
}

export function revision(n: number, name: string, tmpl: PodTemplate, over: Partial<Revision> = {}): Revision {
  return {
    revision: n,
    kind: 'ReplicaSet',
    name,
    createdAt: T('08:00:00'),
    images: [],
    changeCause: null,
    replicas: 3,
    readyReplicas: 3,
    current: false,
    template: tmpl,
    ...over,
  };
}

export function facts(over: Partial<Facts> = {}, workload: Workload | null = deployment()): Facts {
  const kind = (workload?.kind ?? 'Deployment') as Facts['target']['kind'];
  const name = workload?.metadata?.name ?? 'api';
  return {
    ...empty(),
    now: NOW,
    since: SINCE,
    target: {
      kind,
      name,
      namespace: NS,
      context: 'test',
      apiVersion: workload?.apiVersion ?? 'apps/v1',
      object: workload,
      workload,
      selector: { app: 'api' },
      labelSelector: 'app=api',
      template: workload?.spec?.template ?? null,
      ownerChain: workload ? [{ kind, name, namespace: NS }] : [],
    },
    ...over,
  };
}

export function run(rule: Rule, f: Facts): RuleOutcome {
  return rule.evaluate(f, derive(f));
}

export function match(rule: Rule, f: Facts): RuleMatch {
  const out = run(rule, f);
  if (out?.kind !== 'match') throw new Error(`expected a match from ${rule.id}, got ${JSON.stringify(out)}`);
  return out;
}

export function ruledOut(rule: Rule, f: Facts): string {
  const out = run(rule, f);
  if (out?.kind !== 'ruled-out') throw new Error(`expected ruled-out from ${rule.id}, got ${JSON.stringify(out)}`);
  return out.reason;
}
