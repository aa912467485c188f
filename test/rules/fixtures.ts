/**
 * Small hand-built Facts for rule and engine tests: Pods, Evs, NodeFacts, DependencyFacts, logs.
 * Times are written as `HH:MM:SS` on the fixture day (`at('01:49')`).
 */
import { derive } from '../../src/analysis/derive.js';
import type { DependencyFacts, Ev, Facts, LogFacts, NodeFacts, Revision, TargetFacts } from '../../src/domain/facts.js';
import type { Container, ContainerStatus, Pod, PodTemplate, Workload } from '../../src/domain/k8s.js';
import { emptyFacts } from '../../src/engine/merge-facts.js';
import type { Rule, RuleMatch, RuleOutcome } from '../../src/rules/rule.js';

/** Every Facts list empty (fresh arrays: tests push into them), as the engine starts; `facts()` sets the rest. */
const empty = () =>
  emptyFacts({ kind: 'Deployment', name: '', namespace: '', context: null }, new Date(0), new Date(0));

export const DAY = '2026-04-26';
export const NS = 'production';

/** `at('01:49')` → `2026-04-26T01:49:00Z`; `at('19:52', '2026-04-25')`. */
export function at(hms: string, day = DAY): string {
  const t = hms.length === 5 ? `${hms}:00` : hms;
  return `${day}T${t}Z`;
}

export function container(name = 'app', over: Partial<Container> = {}): Container {
  return {
    name,
    image: `registry.example.com/${name}:1.0.0`,
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    ...over,
  };
}

export function template(containers: Container[], extra: Partial<NonNullable<PodTemplate['spec']>> = {}): PodTemplate {
  return { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } };
}

export function deployment(
  name: string,
  tpl: PodTemplate,
  replicas = 3,
  status: Record<string, unknown> = {},
): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: tpl },
    status: { replicas, ...status },
  };
}

export function revision(
  n: number,
  name: string,
  createdAt: string,
  tpl: PodTemplate | null,
  current = false,
): Revision {
  const images = (tpl?.spec?.containers ?? []).map((c) => c.image ?? '');
  return {
    revision: n,
    kind: 'ReplicaSet',
    name,
    createdAt,
    images,
    changeCause: null,
    replicas: 3,
    readyReplicas: 3,
    current,
    template: tpl,
  };
}

export interface PodOpts {
  ns?: string;
  node?: string;
  created?: string;
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  containers?: Container[];
  initContainers?: Container[];
  statuses?: (Partial<ContainerStatus> & { name: string })[];
  initStatuses?: (Partial<ContainerStatus> & { name: string })[];
  ready?: boolean;
  readySince?: string;
  phase?: string;
  podIP?: string;
  extraSpec?: Record<string, unknown>;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const containers = o.containers ?? [container()];
  const statuses =
    o.statuses ??
    containers.map((c) => ({
      name: c.name,
      ready: o.ready ?? true,
      restartCount: 0,
      state: { running: { startedAt: o.created ?? at('00:00') } },
    }));
  const ready = o.ready ?? statuses.every((s) => s.ready !== false);
  const hash = o.owner?.name.split('-').pop();
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? NS,
      creationTimestamp: o.created ?? at('00:00', '2026-04-25'),
      labels: {
        app: 'web',
        ...(hash && o.owner?.kind === 'ReplicaSet' ? { 'pod-template-hash': hash } : {}),
        ...(o.labels ?? {}),
      },
      ownerReferences: o.owner ? [{ kind: o.owner.kind, name: o.owner.name, controller: true }] : [],
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers,
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.extraSpec ?? {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.podIP ? { podIP: o.podIP } : {}),
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          ...(o.readySince ? { lastTransitionTime: o.readySince } : {}),
        },
      ],
      containerStatuses: statuses as ContainerStatus[],
      ...(o.initStatuses ? { initContainerStatuses: o.initStatuses as ContainerStatus[] } : {}),
    },
  };
}

let seq = 0;
/** An event about a Pod in `production` unless told otherwise; Node events land in `default`. */
export function ev(o: Partial<Ev> & { reason: string; object: string; message?: string }): Ev {
  seq += 1;
  const kind = o.kind ?? 'Pod';
  const node = kind === 'Node';
  const last = o.last ?? o.first ?? at('01:50');
  return {
    namespace: node ? 'default' : NS,
    name: `${o.object}.${(0x18a9c4a0d3c2f000 + seq).toString(16)}`,
    kind,
    objectNamespace: node ? null : NS,
    fieldPath: o.container ? `spec.containers{${o.container}}` : null,
    container: null,
    init: false,
    type: 'Warning',
    message: '',
    count: 1,
    first: o.first ?? last,
    source: node ? 'kubelet' : 'kubelet',
    host: null,
    ...o,
    last,
  };
}

export function nodeEv(node: string, reason: string, time: string, message = ''): Ev {
  return ev({
    kind: 'Node',
    object: node,
    reason,
    type: reason === 'Rebooted' ? 'Warning' : 'Normal',
    message,
    first: time,
    last: time,
  });
}

export function node(name: string, o: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name,
    exists: true,
    object: null,
    ready: 'True',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at('00:00', '2026-04-20') }],
    taints: [],
    unschedulable: false,
    spot: false,
    createdAt: at('00:00', '2026-04-20'),
    labels: {},
    pods: [],
    ...o,
  };
}

export function dependency(host: string, pods: Pod[], o: Partial<DependencyFacts> = {}): DependencyFacts {
  return {
    host,
    port: null,
    sources: [{ container: 'app', via: `env ${host.toUpperCase().replace(/-/g, '_')}_URL` }],
    service: { name: host, namespace: NS, exists: true, selector: { app: host }, type: 'ClusterIP' },
    endpoints: { ready: pods.length, notReady: 0, exists: true },
    pods,
    ...o,
  };
}

export function log(podName: string, containerName: string, lines: string[], previous = false, ns = NS): LogFacts {
  return { pod: podName, namespace: ns, container: containerName, previous, lines, truncated: false, error: null };
}

export function facts(
  o: Partial<Omit<Facts, 'target'>> & { target?: Partial<TargetFacts>; workload?: Workload } = {},
): Facts {
  const { target, workload, ...rest } = o;
  const w = workload ?? null;
  return {
    ...empty(),
    now: at('02:00'),
    since: at('00:00'),
    target: {
      kind: 'Deployment',
      name: w?.metadata?.name ?? 'web',
      namespace: NS,
      context: 'test',
      apiVersion: 'apps/v1',
      object: w,
      workload: w,
      selector: { app: 'web' },
      labelSelector: 'app=web',
      template: w?.spec?.template ?? null,
      ownerChain: [],
      ...(target ?? {}),
    },
    ...rest,
  };
}

export function run(rule: Rule, f: Facts): RuleOutcome {
  return rule.evaluate(f, derive(f));
}

export function match(rule: Rule, f: Facts): RuleMatch {
  const out = run(rule, f);
  if (out?.kind !== 'match') throw new Error(`${rule.id}: expected a match, got ${JSON.stringify(out)}`);
  return out;
}

/** A crash-looping main container status. */
export function crashing(
  name: string,
  o: {
    restarts?: number;
    reason?: string;
    exitCode?: number;
    started?: string;
    finished?: string;
    message?: string;
  } = {},
): Partial<ContainerStatus> & { name: string } {
  return {
    name,
    ready: false,
    restartCount: o.restarts ?? 5,
    state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 1m20s restarting failed container=${name}` } },
    lastState: {
      terminated: {
        reason: o.reason ?? 'Error',
        exitCode: o.exitCode ?? 1,
        startedAt: o.started ?? at('01:55:00'),
        finishedAt: o.finished ?? at('01:55:02'),
        ...(o.message ? { message: o.message } : {}),
      },
    },
  };
}
