/**
 * Shared helpers for the infrastructure rules (pure): target scope (which pods/owners/nodes are the
 * target's), evidence builders, label selectors, quantities, rollout context, FailedScheduling
 * observations and node losses (including the node an earlier pod instance ran on). Never keyed on
 * object names beyond the controllers' naming conventions.
 */

import { type Derived, parseScaling } from '../../analysis/derive.js';
import { isControlPlane, isNotReady, nodeCondition, nodeStatusFromMessage } from '../../analysis/nodes.js';
import {
  assessSchedulingFailure,
  describeClauses,
  parseFailedScheduling,
  type SchedulingAssessment,
  type SchedulingFailure,
} from '../../analysis/scheduling.js';
import type { CauseId } from '../../domain/causes.js';
import type { Ev, Facts, Revision } from '../../domain/facts.js';
import type { Container, KubeObject, LabelSelectorRequirement, Pod, PodTemplate } from '../../domain/k8s.js';
import type { Evidence, ResourceRef } from '../../domain/result.js';

// ---------------------------------------------------------------------------------------------
// Time and references

export function ms(t: string | null | undefined): number {
  return t ? Date.parse(t) : Number.NaN;
}

/** `10:05:12Z` style clock for sentences (full RFC 3339 stays in `time`). */
export function clock(t: string | null | undefined): string {
  if (!t) return 'unknown time';
  const m = /T(\d{2}:\d{2}:\d{2})/.exec(t);
  return m ? `${m[1]}Z` : t;
}

export function latestOf<T>(items: readonly T[], time: (x: T) => string | null | undefined): T | null {
  let best: T | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const t = ms(time(item));
    const v = Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
    if (best === null || v >= bestMs) {
      best = item;
      bestMs = v;
    }
  }
  return best;
}

export function earliestOf<T>(items: readonly T[], time: (x: T) => string | null | undefined): T | null {
  let best: T | null = null;
  let bestMs = Number.POSITIVE_INFINITY;
  for (const item of items) {
    const t = ms(time(item));
    const v = Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
    if (best === null || v < bestMs) {
      best = item;
      bestMs = v;
    }
  }
  return best;
}

export function ref(namespace: string | null | undefined, kind: string, name: string): string {
  return `${namespace || 'default'}/${kind}/${name}`;
}

export function evRef(ev: Ev): string {
  return ref(ev.objectNamespace || ev.namespace, ev.kind, ev.object);
}

export function eventSignal(ev: Ev, text: string): Evidence {
  return { kind: 'event', ref: evRef(ev), time: ev.last || null, text };
}

export function statusSignal(refStr: string, time: string | null | undefined, text: string): Evidence {
  return { kind: 'status', ref: refStr, time: time ?? null, text };
}

export function specSignal(refStr: string, text: string, time: string | null = null): Evidence {
  return { kind: 'spec', ref: refStr, time, text };
}

/** `(x12)` suffix when an event repeated. */
export function times(ev: Ev): string {
  return ev.count > 1 ? ` (x${ev.count})` : '';
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One-line excerpt of a message, without its trailing period (callers punctuate). */
export function quote(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim().replace(/\.+$/, '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

// ---------------------------------------------------------------------------------------------
// Target scope

const WORKLOAD_API: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
};

const KUBECTL_KIND: Record<string, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  ReplicaSet: 'replicaset',
  Job: 'job',
  CronJob: 'cronjob',
};

/** Characters of generated suffixes (`pod-template-hash`, pod name suffixes): no vowels. */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Scope {
  namespace: string;
  /** The top-level workload (null for a bare Pod, a Node or a Service target). */
  workload: ResourceRef | null;
  template: PodTemplate | null;
  /** Labels the target's pods carry (template labels, else the first live pod's). */
  podLabels: Record<string, string>;
  pods: Pod[];
  podNames: Set<string>;
  isPod(name: string, namespace?: string | null): boolean;
  isOwner(kind: string, name: string, namespace?: string | null): boolean;
  /** Node name → target pods that ran there (live, deleted, Scheduled events, NodeFacts.pods). */
  nodes: Map<string, Set<string>>;
}

/** `derived` (when given) adds the engine's own view of the target's pods and where they ran. */
export function buildScope(facts: Facts, derived?: Derived): Scope {
  const t = facts.target;
  const namespace = t.namespace;
  const w = t.workload;
  let workload: ResourceRef | null = null;
  if (w?.kind && w.metadata?.name) {
    workload = {
      apiVersion: w.apiVersion ?? WORKLOAD_API[w.kind] ?? 'apps/v1',
      kind: w.kind,
      namespace: w.metadata.namespace ?? namespace,
      name: w.metadata.name,
    };
  } else if (WORKLOAD_API[t.kind]) {
    workload = { apiVersion: t.apiVersion || WORKLOAD_API[t.kind] || 'apps/v1', kind: t.kind, namespace, name: t.name };
  }
  const template = t.template ?? w?.spec?.template ?? null;
  const pods = facts.pods;
  const podNames = new Set<string>([
    ...pods.map((p) => p.metadata?.name ?? ''),
    ...facts.deletedPods.map((p) => p.name),
  ]);
  for (const n of derived?.targetPodNames ?? []) podNames.add(n);
  podNames.delete('');
  if (t.kind === 'Pod') podNames.add(t.name);

  const rsNames = new Set(facts.revisions.filter((r) => r.kind === 'ReplicaSet').map((r) => r.name));
  const owners = new Set<string>(t.ownerChain.map((o) => `${o.kind}/${o.name}`));
  if (workload) owners.add(`${workload.kind}/${workload.name}`);
  for (const rs of rsNames) owners.add(`ReplicaSet/${rs}`);

  const podPatterns: RegExp[] = [];
  const ownerPatterns: { kind: string; re: RegExp }[] = [];
  if (workload) {
    const n = esc(workload.name);
    switch (workload.kind) {
      case 'Deployment':
        ownerPatterns.push({ kind: 'ReplicaSet', re: new RegExp(`^${n}-${SAFE}{5,10}$`) });
        podPatterns.push(new RegExp(`^${n}-${SAFE}{5,10}-${SAFE}{5}$`));
        break;
      case 'StatefulSet':
        podPatterns.push(new RegExp(`^${n}-\\d+$`));
        break;
      case 'CronJob':
        ownerPatterns.push({ kind: 'Job', re: new RegExp(`^${n}-\\d+$`) });
        podPatterns.push(new RegExp(`^${n}-\\d+-${SAFE}{5}$`));
        break;
      default:
        podPatterns.push(new RegExp(`^${n}-${SAFE}{5}$`));
    }
  }
  for (const rs of rsNames) podPatterns.push(new RegExp(`^${esc(rs)}-${SAFE}{5}$`));

  const nsOk = (ns: string | null | undefined) => !ns || ns === namespace;
  const isPod = (name: string, ns?: string | null) =>
    nsOk(ns) && (podNames.has(name) || podPatterns.some((re) => re.test(name)));
  const isOwner = (kind: string, name: string, ns?: string | null) =>
    nsOk(ns) && (owners.has(`${kind}/${name}`) || ownerPatterns.some((p) => p.kind === kind && p.re.test(name)));

  const nodes = new Map<string, Set<string>>();
  const add = (node: string | null | undefined, pod: string) => {
    if (!node) return;
    let set = nodes.get(node);
    if (!set) {
      set = new Set();
      nodes.set(node, set);
    }
    if (pod) set.add(pod);
  };
  for (const p of pods) add(p.spec?.nodeName, p.metadata?.name ?? '');
  for (const p of facts.deletedPods) add(p.node, p.name);
  for (const ev of facts.events) {
    if (ev.kind !== 'Pod' || !isPod(ev.object, ev.objectNamespace)) continue;
    if (ev.reason === 'Scheduled') add(/assigned \S+ to (\S+)/.exec(ev.message)?.[1], ev.object);
    else if (ev.source === 'kubelet' && ev.host) add(ev.host, ev.object);
  }
  for (const n of facts.nodes) for (const p of n.pods) if (isPod(p)) add(n.name, p);
  for (const [p, n] of derived?.nodeOf ?? []) if (podNames.has(p)) add(n, p);
  if (t.kind === 'Node') add(t.name, '');

  const podLabels = { ...(template?.metadata?.labels ?? pods[0]?.metadata?.labels ?? {}) };
  delete podLabels['pod-template-hash'];
  delete podLabels['controller-revision-hash'];
  return { namespace, workload, template, podLabels, pods, podNames, isPod, isOwner, nodes };
}

/** Events about the target's pods. */
export function podEvents(facts: Facts, scope: Scope, reasons: readonly string[]): Ev[] {
  return facts.events.filter(
    (e) => e.kind === 'Pod' && reasons.includes(e.reason) && scope.isPod(e.object, e.objectNamespace),
  );
}

/** Events about the target's owners (ReplicaSet, Deployment, StatefulSet, Job…). */
export function ownerEvents(facts: Facts, scope: Scope, reasons: readonly string[]): Ev[] {
  return facts.events.filter((e) => reasons.includes(e.reason) && scope.isOwner(e.kind, e.object, e.objectNamespace));
}

export function nodeEvents(facts: Facts, node: string, reasons?: readonly string[]): Ev[] {
  return facts.events.filter((e) => e.kind === 'Node' && e.object === node && (!reasons || reasons.includes(e.reason)));
}

export function kubectlTarget(workload: ResourceRef | null, fallback: string): string {
  if (!workload) return fallback;
  return `${KUBECTL_KIND[workload.kind] ?? workload.kind.toLowerCase()}/${workload.name}`;
}

/** Distinct messages (ignoring the `(combined from similar events): ` prefix), latest event of each. */
export function byMessage(events: readonly Ev[]): Ev[] {
  const map = new Map<string, Ev>();
  for (const e of events) {
    const key = e.message.replace(/^\(combined from similar events\):\s*/, '');
    const prev = map.get(key);
    if (!prev || ms(e.last) >= ms(prev.last)) map.set(key, e);
  }
  return [...map.values()];
}

// ---------------------------------------------------------------------------------------------
// Label selectors

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything, a missing one nothing. */
export function selectorMatches(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const v = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (v === undefined || !values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// Quantities

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Kubernetes quantity → number (cores for cpu, bytes for memory); null when unparseable. */
export function parseQuantity(q: string | number | null | undefined): number | null {
  if (q === null || q === undefined) return null;
  if (typeof q === 'number') return q;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?\s*$/.exec(q);
  if (!m) return null;
  return Number(m[1]) * (m[2] ? (SUFFIX[m[2]] ?? 1) : 1);
}

export function formatCpu(cores: number): string {
  if (Number.isInteger(cores)) return String(cores);
  return `${Math.ceil(cores * 1000)}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${Number((bytes / 2 ** 30).toFixed(1))}Gi`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}Mi`;
  if (bytes >= 2 ** 10) return `${Math.round(bytes / 2 ** 10)}Ki`;
  return String(bytes);
}

export function formatQuantity(resource: string, value: number): string {
  return /cpu/.test(resource) ? formatCpu(value) : /memory|storage/.test(resource) ? formatBytes(value) : String(value);
}

export function containersOf(template: PodTemplate | null | undefined): Container[] {
  return template?.spec?.containers ?? [];
}

/** Sum of `resources.<kind>.<resource>` over the template's containers (null when none sets it). */
export function templateResource(
  template: PodTemplate | null | undefined,
  kind: 'requests' | 'limits',
  resource: string,
): number | null {
  let sum: number | null = null;
  for (const c of containersOf(template)) {
    const v = parseQuantity(c.resources?.[kind]?.[resource]);
    if (v !== null) sum = (sum ?? 0) + v;
  }
  return sum;
}

/** Per-pod amount a quota key counts (`requests.cpu`, `cpu`, `limits.memory`, `pods`, `count/pods`). */
export function perPodQuotaUsage(template: PodTemplate | null | undefined, key: string): number | null {
  if (key === 'pods' || key === 'count/pods') return 1;
  const m = /^(?:(requests|limits)\.)?(cpu|memory|ephemeral-storage|nvidia\.com\/gpu)$/.exec(key);
  if (!m) return null;
  return templateResource(template, (m[1] as 'requests' | 'limits' | undefined) ?? 'requests', m[2] ?? '');
}

// ---------------------------------------------------------------------------------------------
// Patches on the workload's pod template

/** Strategic-merge patch body that sets `podSpec` fields on the workload's pod template. */
export function templatePatch(kind: string, podSpec: Record<string, unknown>): Record<string, unknown> {
  const template = { spec: podSpec };
  if (kind === 'CronJob') return { spec: { jobTemplate: { spec: { template } } } };
  return { spec: { template } };
}

/** Workload kinds whose pod template can be patched (bare Pods' resources are immutable). */
export function patchable(workload: ResourceRef | null): workload is ResourceRef {
  return (
    workload !== null && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'CronJob'].includes(workload.kind)
  );
}

// ---------------------------------------------------------------------------------------------
// Rollout context

export function currentRevision(facts: Facts): Revision | null {
  return facts.revisions.find((r) => r.current) ?? null;
}

export function previousRevision(facts: Facts): Revision | null {
  const cur = currentRevision(facts);
  if (!cur) return null;
  const older = facts.revisions.filter((r) => !r.current && r.revision < cur.revision);
  return older.sort((a, b) => b.revision - a.revision)[0] ?? null;
}

/**
 * A rollout is in flight or recent: the current revision is new in the window, or it is not fully
 * ready while an older revision still runs pods. (A current revision short of ready replicas with
 * every older one scaled down is a scale-up or a failing workload, not a rollout.)
 */
export function recentRollout(facts: Facts): Revision | null {
  const cur = currentRevision(facts);
  if (!cur || !previousRevision(facts)) return null;
  const recent = cur.createdAt !== null && ms(cur.createdAt) >= ms(facts.since);
  const olderRunning =
    cur.kind === 'ReplicaSet'
      ? facts.revisions.some((r) => !r.current && r.kind === 'ReplicaSet' && r.replicas > 0)
      : facts.pods.some((p) => {
          const hash = p.metadata?.labels?.['controller-revision-hash'];
          return hash !== undefined && hash !== cur.name;
        });
  return recent || (cur.readyReplicas < cur.replicas && olderRunning) ? cur : null;
}

/**
 * A scale-up of the target's workload (deployment-controller `ScalingReplicaSet` of its current
 * ReplicaSet, or an HPA `SuccessfulRescale`) in the window, no later than `before` + 1 min: what
 * asked for the pods that cannot be placed or created.
 */
export function scaleUpTrigger(facts: Facts, scope: Scope, before?: string | null): string | null {
  const w = scope.workload;
  if (!w) return null;
  const limit = before ? ms(before) + 60_000 : Number.POSITIVE_INFINITY;
  const cur = currentRevision(facts);
  const inWindow = (e: Ev) => ms(e.first ?? e.last) >= ms(facts.since) && ms(e.first ?? e.last) <= limit;
  const scaled = latestOf(
    facts.events.filter((e) => {
      if (e.reason !== 'ScalingReplicaSet' || e.kind !== w.kind || e.object !== w.name || !inWindow(e)) return false;
      const s = parseScaling(e.message);
      return s?.up === true && (s.from === null || s.to > s.from) && (!cur || s.rs === cur.name);
    }),
    (e) => e.first ?? e.last,
  );
  if (scaled) {
    const s = parseScaling(scaled.message);
    return `scale-up of ${w.kind.toLowerCase()}/${w.name}${s?.from !== null && s?.from !== undefined ? ` from ${s.from}` : ''} to ${s?.to} replicas at ${clock(scaled.first ?? scaled.last)}`;
  }
  const rescale = latestOf(
    facts.events.filter(
      (e) =>
        e.kind === 'HorizontalPodAutoscaler' &&
        e.reason === 'SuccessfulRescale' &&
        inWindow(e) &&
        facts.hpas.some((h) => objName(h) === e.object && h.spec?.scaleTargetRef?.name === w.name),
    ),
    (e) => e.first ?? e.last,
  );
  return rescale
    ? `HPA ${rescale.object} scale-up at ${clock(rescale.first ?? rescale.last)} (${quote(rescale.message, 80)})`
    : null;
}

/** `['bad-rollout']` when a recent rollout's symptoms are accounted for by an infrastructure cause. */
export function rolloutExplains(facts: Facts): CauseId[] {
  return recentRollout(facts) ? ['bad-rollout'] : [];
}

export function rolloutTrigger(facts: Facts): string | null {
  const cur = recentRollout(facts);
  if (!cur) return null;
  return `rollout to revision ${cur.revision} (${cur.kind} ${cur.name}) at ${clock(cur.createdAt)}`;
}

/** Desired vs created replicas of the workload (Deployment/StatefulSet/ReplicaSet), when short. */
export function replicaShortfall(facts: Facts, scope: Scope): Evidence | null {
  const w = facts.target.workload;
  if (!w || !scope.workload) return null;
  const desired = w.spec?.replicas;
  const status = w.status ?? {};
  if (typeof desired !== 'number' || desired === 0) return null;
  const created = typeof status.replicas === 'number' ? status.replicas : 0;
  if (created >= desired) {
    // A rollout whose new ReplicaSet got no pod at all while the old ones keep serving.
    const cur = recentRollout(facts);
    const updated = typeof status.updatedReplicas === 'number' ? status.updatedReplicas : 0;
    if (!cur || cur.replicas > 0 || updated >= desired) return null;
    const progressing = (status.conditions ?? []).find(
      (c: { type: string; status: string; reason?: string }) => c.type === 'Progressing' && c.status === 'False',
    );
    return statusSignal(
      ref(scope.namespace, cur.kind, cur.name),
      progressing?.lastTransitionTime ?? null,
      `The rollout to revision ${cur.revision} is stuck: ${cur.kind} ${cur.name} has 0 pods (${updated} of ${desired} replicas updated)${progressing?.reason ? `, Deployment Progressing=False ${progressing.reason}` : ''}.`,
    );
  }
  return statusSignal(
    ref(scope.namespace, scope.workload.kind, scope.workload.name),
    null,
    `${scope.workload.kind} ${scope.workload.name} wants ${desired} replicas but only ${created} pod(s) exist (ready ${status.readyReplicas ?? 0}).`,
  );
}

export function objName(o: KubeObject): string {
  return o.metadata?.name ?? '';
}

// ---------------------------------------------------------------------------------------------
// FailedScheduling observations

export interface SchedulingObservation {
  pod: string;
  failure: SchedulingFailure;
  time: string | null;
  /** null when read from the pod's `PodScheduled` condition. */
  event: Ev | null;
}

export interface SchedulingPicture {
  observations: SchedulingObservation[];
  /** Distinct pods that reported a scheduling failure. */
  pods: string[];
  /** Live target pods that are unscheduled now. */
  pending: string[];
  /** The observation that speaks for the current state (latest of a pending pod, else latest overall). */
  latest: SchedulingObservation | null;
  assessment: SchedulingAssessment | null;
  /** When nothing is pending any more: the last `Scheduled` event of a pod that had failed. */
  resolvedAt: string | null;
  /** Earliest scheduling failure seen (first occurrence of the event, or the condition's transition). */
  firstSeen: string | null;
}

function isUnscheduled(p: Pod): boolean {
  if (p.spec?.nodeName) return false;
  if (p.status?.phase && p.status.phase !== 'Pending') return false;
  return !p.metadata?.deletionTimestamp;
}

export function schedulingPicture(facts: Facts, scope: Scope): SchedulingPicture {
  const observations: SchedulingObservation[] = [];
  for (const ev of podEvents(facts, scope, ['FailedScheduling'])) {
    const failure = parseFailedScheduling(ev.message);
    if (failure) observations.push({ pod: ev.object, failure, time: ev.last, event: ev });
  }
  const withEvent = new Set(observations.map((o) => o.pod));
  for (const p of scope.pods) {
    const name = p.metadata?.name ?? '';
    const cond = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (!cond?.message || withEvent.has(name)) continue;
    const failure = parseFailedScheduling(cond.message);
    if (failure) observations.push({ pod: name, failure, time: cond.lastTransitionTime ?? null, event: null });
  }
  const pending = scope.pods.filter(isUnscheduled).map((p) => p.metadata?.name ?? '');
  const pendingSet = new Set(pending);
  const current = observations.filter((o) => pendingSet.has(o.pod));
  const latest = latestOf(current.length > 0 ? current : observations, (o) => o.time);
  const cp = facts.nodes.filter(isControlPlane).length;
  const assessment = latest ? assessSchedulingFailure(latest.failure, cp) : null;
  let resolvedAt: string | null = null;
  if (current.length === 0 && observations.length > 0) {
    const failed = new Set(observations.map((o) => o.pod));
    const scheduled = podEvents(facts, scope, ['Scheduled']).filter((e) => failed.has(e.object));
    resolvedAt = latestOf(scheduled, (e) => e.last)?.last ?? null;
  }
  const first = earliestOf(observations, (o) => o.event?.first ?? o.time);
  return {
    observations,
    pods: [...new Set(observations.map((o) => o.pod))],
    pending,
    latest,
    assessment,
    resolvedAt,
    firstSeen: first ? (first.event?.first ?? first.time) : null,
  };
}

/** One signal for all FailedScheduling reports (the event and the identical pod condition are one observation). */
export function schedulingSignal(pic: SchedulingPicture, scope: Scope): Evidence | null {
  const o = pic.latest;
  if (!o) return null;
  const n = pic.pods.length;
  const who = n > 1 ? `${n} pods` : `pod ${o.pod}`;
  if (o.event) {
    return eventSignal(o.event, `FailedScheduling on ${who}${times(o.event)}: ${quote(o.failure.text, 400)}`);
  }
  return statusSignal(
    ref(scope.namespace, 'Pod', o.pod),
    o.time,
    `${who} PodScheduled=False (Unschedulable): ${quote(o.failure.text, 400)}`,
  );
}

/** Why a scheduling rule stands down when the failure was transient. */
export function transientReason(pic: SchedulingPicture, what: string): string | null {
  if (pic.observations.length === 0 || pic.pending.length > 0) return null;
  const last = latestOf(pic.observations, (o) => o.time);
  const after = pic.resolvedAt ? ` (Scheduled at ${clock(pic.resolvedAt)})` : '';
  return `FailedScheduling (${what}) at ${clock(last?.time)} was transient: no target pod is unscheduled now${after}.`;
}

// ---------------------------------------------------------------------------------------------
// Node interruption as a trigger

const LOSS_LABEL: Record<string, string> = {
  SpotInterrupted: 'got a spot interruption',
  SpotInterruption: 'got a spot interruption',
  RebalanceRecommendation: 'got a rebalance recommendation',
  ScheduledEvent: 'got a scheduled maintenance event',
  ASGLifecycle: 'was terminated by its ASG',
  TerminatingOnInterruption: 'was terminated',
  InstanceTerminating: 'was terminated',
  DisruptionTerminating: 'was disrupted',
  CordonAndDrain: 'was drained',
  NodeNotSchedulable: 'was cordoned',
  NodeNotReady: 'went NotReady',
  Rebooted: 'rebooted',
  Shutdown: 'shut down',
  RemovingNode: 'was removed',
  DeletingNode: 'was deleted',
};

/** How `nodeLoss` words a node lifecycle/interruption event reason (`got a spot interruption`), or null. */
export function lossLabel(reason: string): string | null {
  return LOSS_LABEL[reason] ?? null;
}

export interface NodeLoss {
  /** The first node lost, and all of them (earliest first). */
  node: string;
  nodes: string[];
  reason: string;
  time: string;
  text: string;
  ev: Ev;
}

/**
 * Interruption/cordon/removal of the nodes that hosted the target's pods, within the window and
 * (when `before` is given) starting no later than `before` + 1 min. Used to name the trigger.
 */
export function nodeLoss(facts: Facts, scope: Scope, before?: string | null): NodeLoss | null {
  const limit = before ? ms(before) + 60_000 : Number.POSITIVE_INFINITY;
  const candidates = facts.events.filter(
    (e) =>
      e.kind === 'Node' &&
      scope.nodes.has(e.object) &&
      LOSS_LABEL[e.reason] !== undefined &&
      (e.reason !== 'NodeNotReady' || /NodeNotReady/.test(e.message)) &&
      ms(e.last) >= ms(facts.since),
  );
  const first = earliestOf(
    candidates.filter((e) => ms(e.first ?? e.last) <= limit),
    (e) => e.first ?? e.last,
  );
  if (!first) return null;
  const sorted = [...candidates].sort((a, b) => ms(a.first ?? a.last) - ms(b.first ?? b.last));
  const nodes = [...new Set(sorted.map((e) => e.object))];
  const labels = [...new Set(sorted.map((e) => LOSS_LABEL[e.reason] ?? e.reason))];
  const spot = nodes.some((n) => facts.nodes.find((x) => x.name === n)?.spot) ? 'spot ' : '';
  const gone = nodes.every((n) => facts.nodes.find((x) => x.name === n)?.exists === false) ? ' (no longer exists)' : '';
  const time = first.first ?? first.last;
  const who =
    nodes.length > 1
      ? `${spot}nodes ${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? '…' : ''}`
      : `${spot}node ${first.object}`;
  const verbs = labels.map((l) => (nodes.length > 1 ? l.replace(/^was /, 'were ').replace(/^got /, 'got ') : l));
  return {
    node: first.object,
    nodes,
    reason: first.reason,
    time,
    text: `${who} ${verbs.join(', then ')} from ${clock(time)}${gone}`,
    ev: first,
  };
}

/** Stand-down reason when pods are unschedulable now for a reason other than `what` (clause arithmetic). */
export function otherVerdictReason(pic: SchedulingPicture, what: string): string | null {
  const a = pic.assessment;
  const o = pic.latest;
  if (!a || !o || pic.pending.length === 0) return null;
  return `FailedScheduling names no ${what} clause (${describeClauses(o.failure.clauses) || o.failure.text}); ${describeClauses(a.decisive)} is what blocks the pod.`;
}

// ---------------------------------------------------------------------------------------------
// The node an earlier instance of a pod ran on

/** The node-controller marks a NotReady node's pods within moments of the node itself. */
export const NOT_READY_SAME_MOMENT_MS = 120_000;

/**
 * When `node` went NotReady (epoch ms, any order): its `NodeNotReady` node events (first and last
 * times, whatever the window), and, while it is still NotReady, its Ready condition's transition and
 * the `timeAdded` of its unreachable/not-ready taints.
 */
export function notReadyTimes(facts: Facts, node: string): number[] {
  const out: number[] = [];
  for (const e of facts.events) {
    if (e.kind !== 'Node' || e.object !== node || e.reason !== 'NodeNotReady') continue;
    if ((nodeStatusFromMessage(e.message) ?? 'NodeNotReady') !== 'NodeNotReady') continue;
    for (const t of [e.first, e.last]) if (t) out.push(ms(t));
  }
  const n = facts.nodes.find((x) => x.name === node);
  if (n && isNotReady(n)) {
    const t = nodeCondition(n, 'Ready')?.lastTransitionTime;
    if (t) out.push(ms(t));
    for (const taint of n.taints)
      if (/unreachable|not-ready/.test(taint.key) && taint.timeAdded) out.push(ms(taint.timeAdded));
  }
  return out.filter((t) => Number.isFinite(t));
}

/** Every node name the facts know: node objects and the subjects of node events. */
export function knownNodeNames(facts: Facts): Set<string> {
  return new Set([
    ...facts.nodes.map((n) => n.name),
    ...facts.events.filter((e) => e.kind === 'Node').map((e) => e.object),
  ]);
}

/**
 * The node a node-controller per-pod `NodeNotReady` event ("Node is not ready") is about, when that
 * is not the pod's `current` node (where its present instance runs, null if unscheduled or gone):
 * - the event's `host` when it has one (it usually has none: source.host is empty);
 * - null when `current` itself went NotReady within NOT_READY_SAME_MOMENT_MS of the event (the event
 *   is about the present instance);
 * - else the one other node whose NotReady time (`notReadyTimes`) is nearest the event's first time,
 *   within NOT_READY_SAME_MOMENT_MS; null when none is that close or two are equally close.
 * `names` are the candidate nodes (default: every node the facts know).
 */
export function nodeOfPodNotReady(
  facts: Facts,
  e: Ev,
  current: string | null,
  names: Iterable<string> = knownNodeNames(facts),
): string | null {
  if (e.host && e.host !== current) return e.host;
  const at = ms(e.first ?? e.last);
  if (current && notReadyTimes(facts, current).some((t) => Math.abs(t - at) <= NOT_READY_SAME_MOMENT_MS)) return null;
  let best: { node: string; gap: number } | null = null;
  let tie = false;
  for (const node of names) {
    if (node === current) continue;
    const gaps = notReadyTimes(facts, node).map((t) => Math.abs(t - at));
    const gap = gaps.length > 0 ? Math.min(...gaps) : Number.POSITIVE_INFINITY;
    if (gap > NOT_READY_SAME_MOMENT_MS) continue;
    if (!best || gap < best.gap) {
      best = { node, gap };
      tie = false;
    } else if (gap === best.gap) tie = true;
  }
  return best && !tie ? best.node : null;
}

/** The node a target pod runs on now (its live object's spec.nodeName), or null. */
export function currentNodeOf(scope: Scope, pod: string): string | null {
  return scope.pods.find((p) => p.metadata?.name === pod)?.spec?.nodeName ?? null;
}

/**
 * Nodes where earlier instances of `pods` ran (not where they run now), in discovery order: the
 * pods' own records (`scope.nodes`: Scheduled events, kubelet events, deleted pods), then, for each
 * of the node-controller's per-pod `NodeNotReady` events on them, `nodeOfPodNotReady`.
 */
export function previousNodes(facts: Facts, scope: Scope, pods: readonly string[]): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  const names = knownNodeNames(facts);
  const perPod = podEvents(facts, scope, ['NodeNotReady']);
  for (const pod of pods) {
    const current = currentNodeOf(scope, pod);
    for (const [node, set] of scope.nodes) if (set.has(pod) && node !== current) add(node);
    for (const e of perPod.filter((x) => x.object === pod)) {
      const node = nodeOfPodNotReady(facts, e, current, names);
      if (node) add(node);
    }
  }
  return out;
}
