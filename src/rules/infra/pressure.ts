/**
 * Shared evaluation of node-pressure evictions (FM-18 DiskPressure / FM-19 MemoryPressure).
 * Keys on kubelet evictions of the target's pods (`Evicted` event / pod `status.reason: Evicted`,
 * one observation), the node's pressure condition or its `NodeHas…` event, `EvictionThresholdMet`
 * (eviction manager), image-GC failures or `SystemOOM`, and the evicted container's spec.
 * Stale Evicted pod objects (before the window) and pressure on nodes that host none of the
 * target's pods are ruled out.
 */

import type { Derived } from '../../analysis/derive.js';
import {
  type EvictionInfo,
  hasPressure,
  isDiskResource,
  nodeCondition,
  parseEvictionMessage,
  reclaimResource,
} from '../../analysis/nodes.js';
import type { Ev, Facts } from '../../domain/facts.js';
import type { Pod } from '../../domain/k8s.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  earliestOf,
  eventSignal,
  formatBytes,
  latestOf,
  ms,
  nodeEvents,
  parseQuantity,
  patchable,
  plural,
  podEvents,
  quote,
  ref,
  type Scope,
  specSignal,
  statusSignal,
  templatePatch,
  templateResource,
  times,
} from './common.js';

export type PressureKind = 'disk' | 'memory';

const GI = 2 ** 30;
const MI = 2 ** 20;

interface Eviction {
  pod: string;
  node: string | null;
  time: string | null;
  message: string;
  info: EvictionInfo;
  event: Ev | null;
}

const CONDITION = { disk: 'DiskPressure', memory: 'MemoryPressure' } as const;
const NODE_REASON = { disk: 'NodeHasDiskPressure', memory: 'NodeHasInsufficientMemory' } as const;

function matches(kind: PressureKind, info: EvictionInfo): boolean {
  return kind === 'disk' ? isDiskResource(info.resource) : info.resource === 'memory';
}

function podEvictionTime(p: Pod): string | null {
  const dt = p.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.lastTransitionTime;
  const fin = p.status?.containerStatuses?.map((c) => c.state?.terminated?.finishedAt).find(Boolean);
  return dt ?? fin ?? p.status?.startTime ?? p.metadata?.creationTimestamp ?? null;
}

function evictionsOf(facts: Facts, scope: Scope, kind: PressureKind): Eviction[] {
  const out: Eviction[] = [];
  const seen = new Set<string>();
  for (const e of podEvents(facts, scope, ['Evicted'])) {
    const info = parseEvictionMessage(e.message);
    if (!info || !matches(kind, info)) continue;
    const pod = scope.pods.find((p) => p.metadata?.name === e.object);
    out.push({
      pod: e.object,
      node: e.host ?? pod?.spec?.nodeName ?? null,
      time: e.last,
      message: e.message,
      info,
      event: e,
    });
    seen.add(e.object);
  }
  for (const p of scope.pods) {
    const name = p.metadata?.name ?? '';
    if (seen.has(name) || !p.status?.message) continue;
    const info = parseEvictionMessage(p.status.message);
    if (!info || !matches(kind, info)) continue;
    out.push({
      pod: name,
      node: p.spec?.nodeName ?? null,
      time: podEvictionTime(p),
      message: p.status.message,
      info,
      event: null,
    });
  }
  return out;
}

/** The largest consumer named by any eviction on the node (any pod: the writer is often not the victim). */
function largestConsumer(
  facts: Facts,
  kind: PressureKind,
  node: string | null,
): { pod: string; container: string; usage: string; ev: Ev } | null {
  let best: { pod: string; container: string; usage: string; ev: Ev; bytes: number } | null = null;
  for (const e of facts.events) {
    if (e.kind !== 'Pod' || e.reason !== 'Evicted' || (node && e.host && e.host !== node)) continue;
    const info = parseEvictionMessage(e.message);
    if (!info || !matches(kind, info)) continue;
    for (const c of info.containers) {
      const bytes = parseQuantity(c.usage) ?? 0;
      if (!best || bytes > best.bytes) best = { pod: e.object, container: c.name, usage: c.usage, ev: e, bytes };
    }
  }
  return best;
}

function nodeQuantity(
  facts: Facts,
  nodeName: string | null,
  field: 'allocatable' | 'capacity',
  key: string,
): number | null {
  const node = facts.nodes.find((n) => n.name === nodeName);
  return parseQuantity(node?.object?.status?.[field]?.[key]);
}

/** The per-writer disk bound the fix proposes: a quarter of the node's allocatable ephemeral storage. */
function diskCap(alloc: number): string {
  return `${Math.max(1, Math.floor(alloc / 4 / GI))}Gi`;
}

/** Share of the node's used disk the target's pods must account for to be the writer, not a victim. */
const WRITER_SHARE = 1 / 3;

interface DiskShare {
  /** What the target's evicted pods on the node were using (largest report per pod, summed over pods). */
  usage: number;
  /** Evicted target pods counted in `usage`. */
  pods: number;
  /** Disk in use on the node at the latest eviction (capacity − available), null when unknown. */
  used: number | null;
  /** `used` is a lower bound (allocatable + threshold − available: capacity was not known). */
  estimated: boolean;
  /** The target's pods account for the pressure (a large share of the used disk). */
  writer: boolean;
  /** Evictions that freed (almost) nothing: `available 9.2Gi → 9.1Gi after evicting 3 pods using 5.1Gi`. */
  freedNothing: string | null;
}

function evictionUsage(info: EvictionInfo): number {
  return info.containers.reduce((n, c) => n + (parseQuantity(c.usage) ?? 0), 0);
}

/**
 * How much of the node's disk the target's evicted pods used. The kubelet evicts the pods whose
 * usage most exceeds their request, which is not necessarily who filled the disk: hostPath volumes
 * (DaemonSet buffers), container logs and images are charged to no pod. The target is the writer
 * only when its pods held a large share of what is in use; otherwise it is a victim.
 */
function diskShare(facts: Facts, scope: Scope, recent: Eviction[], nodeName: string | null): DiskShare | null {
  const onNode = recent.filter((e) => e.info.kind === 'node-pressure' && (!nodeName || !e.node || e.node === nodeName));
  if (onNode.length === 0) return null;
  const perPod = new Map<string, number>();
  for (const e of onNode) perPod.set(e.pod, Math.max(perPod.get(e.pod) ?? 0, evictionUsage(e.info)));
  const usage = [...perPod.values()].reduce((a, b) => a + b, 0);
  const latest = latestOf(onNode, (e) => e.time);
  const available = parseQuantity(latest?.info.available);
  const threshold = parseQuantity(latest?.info.threshold);
  const capacity = nodeQuantity(facts, nodeName, 'capacity', 'ephemeral-storage');
  const alloc = nodeQuantity(facts, nodeName, 'allocatable', 'ephemeral-storage');
  let used: number | null = null;
  let estimated = false;
  if (capacity !== null && available !== null && capacity > available) used = capacity - available;
  else if (alloc !== null && threshold !== null && available !== null && alloc + threshold > available) {
    used = alloc + threshold - available;
    estimated = true;
  }
  const writer =
    usage > 0 && (used !== null ? usage >= used * WRITER_SHARE : alloc !== null ? usage >= alloc / 4 : true);

  // Every node-pressure eviction on the node (any pod): did evicting them give space back?
  const seq: { pod: string; time: string | null; available: number; usage: number }[] = [];
  for (const e of facts.events) {
    if (e.kind !== 'Pod' || e.reason !== 'Evicted' || (nodeName && e.host && e.host !== nodeName)) continue;
    if (!nodeName && !scope.isPod(e.object, e.objectNamespace)) continue;
    if (!e.host && !onNode.some((x) => x.pod === e.object)) continue;
    const info = parseEvictionMessage(e.message);
    const avail = parseQuantity(info?.available);
    if (info?.kind !== 'node-pressure' || !isDiskResource(info.resource) || avail === null) continue;
    if (ms(e.last) < ms(facts.since)) continue;
    seq.push({ pod: e.object, time: e.first ?? e.last, available: avail, usage: evictionUsage(info) });
  }
  for (const e of onNode) {
    const avail = parseQuantity(e.info.available);
    if (avail !== null && !seq.some((x) => x.pod === e.pod))
      seq.push({ pod: e.pod, time: e.time, available: avail, usage: evictionUsage(e.info) });
  }
  seq.sort((a, b) => ms(a.time) - ms(b.time));
  let freedNothing: string | null = null;
  const first = seq[0];
  const lastSeen = seq[seq.length - 1];
  if (first && lastSeen && seq.length >= 2) {
    const evictedPods = new Map<string, number>();
    for (const x of seq.slice(0, -1)) evictedPods.set(x.pod, Math.max(evictedPods.get(x.pod) ?? 0, x.usage));
    evictedPods.delete(lastSeen.pod);
    const freed = [...evictedPods.values()].reduce((a, b) => a + b, 0);
    if (freed > 0 && lastSeen.available - first.available < freed / 2) {
      freedNothing = `evicting ${evictedPods.size === 1 ? 'a pod' : `${evictedPods.size} pods`} that used ${formatBytes(freed)} did not give the space back (available ${formatBytes(first.available)} → ${formatBytes(lastSeen.available)})`;
    }
  }
  return { usage, pods: perPod.size, used, estimated, writer, freedNothing };
}

/**
 * Bound the target's own writer: `emptyDir.sizeLimit` on the unbounded emptyDir volumes the evicted
 * container mounts (else `limits.ephemeral-storage` on it), at a quarter of the node's allocatable
 * ephemeral storage, so the kubelet evicts that pod alone before the node runs out. Only when the
 * eviction named a container of the target's template and the node's allocatable is known.
 */
function diskFix(
  facts: Facts,
  scope: Scope,
  container: string | null,
  nodeName: string | null,
  info: EvictionInfo | null,
): Fix | null {
  if (!container || !patchable(scope.workload)) return null;
  if (info && info.kind !== 'node-pressure' && info.kind !== 'emptydir-limit') return null;
  const ctr = scope.template?.spec?.containers?.find((c) => c.name === container);
  if (!ctr) return null;
  const alloc = nodeQuantity(facts, nodeName, 'allocatable', 'ephemeral-storage');
  if (alloc === null) return null;
  const limit = diskCap(alloc);
  const mounted = new Set((ctr.volumeMounts ?? []).map((m) => m.name));
  const open = (scope.template?.spec?.volumes ?? []).filter(
    (v) => v.emptyDir && !v.emptyDir.sizeLimit && mounted.has(v.name),
  );
  if (open.length > 0) {
    return {
      summary: `cap emptyDir ${open.map((v) => v.name).join(', ')} at ${limit} (a quarter of the node's ${formatBytes(alloc)} ephemeral storage) so the kubelet evicts only this pod when it overfills`,
      resource: scope.workload,
      patchType: 'strategic',
      patch: templatePatch(scope.workload.kind, {
        volumes: open.map((v) => ({ name: v.name, emptyDir: { sizeLimit: limit } })),
      }),
    };
  }
  if (ctr.resources?.limits?.['ephemeral-storage']) return null;
  return {
    summary: `set ${ctr.name} limits.ephemeral-storage ${limit} (a quarter of the node's ${formatBytes(alloc)}) so the kubelet evicts only this pod when it overfills`,
    resource: scope.workload,
    patchType: 'strategic',
    patch: templatePatch(scope.workload.kind, {
      containers: [{ name: ctr.name, resources: { limits: { 'ephemeral-storage': limit } } }],
    }),
  };
}

interface Culprit {
  pod: Pod;
  namespace: string;
  name: string;
  /** The controller to patch (Deployment from a ReplicaSet by its pod-template-hash), when known. */
  owner: { kind: string; name: string } | null;
  /** Containers without limits.memory. */
  unbounded: string[];
  request: number | null;
  /** Why it stands out: `the only workload pod on the node without a memory limit`. */
  why: string;
}

function podRequest(p: Pod, key: string): number {
  return (p.spec?.containers ?? []).reduce((n, c) => n + (parseQuantity(c.resources?.requests?.[key]) ?? 0), 0);
}

function controllerOf(p: Pod): { kind: string; name: string } | null {
  const o = p.metadata?.ownerReferences?.find((r) => r.controller) ?? p.metadata?.ownerReferences?.[0];
  if (!o) return null;
  if (o.kind === 'ReplicaSet') {
    const hash = p.metadata?.labels?.['pod-template-hash'];
    return hash && o.name.endsWith(`-${hash}`)
      ? { kind: 'Deployment', name: o.name.slice(0, -hash.length - 1) }
      : { kind: 'ReplicaSet', name: o.name };
  }
  return { kind: o.kind, name: o.name };
}

/**
 * The consumer that starved a node under memory pressure, among the pods running there now: the
 * one workload pod (not the target's, not a DaemonSet/static pod) with no memory limit, or the
 * only such Burstable one. Null when it is not unambiguous or the nodes' residents were not read.
 */
function memoryCulprit(facts: Facts, scope: Scope, nodeName: string | null): Culprit | null {
  const node = facts.nodes.find((n) => n.name === nodeName);
  const candidates: Culprit[] = [];
  for (const p of node?.residents ?? []) {
    const name = p.metadata?.name ?? '';
    const namespace = p.metadata?.namespace ?? '';
    if (scope.isPod(name, namespace) || p.metadata?.deletionTimestamp) continue;
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const owner = controllerOf(p);
    if (!owner || owner.kind === 'DaemonSet' || owner.kind === 'Node') continue;
    const unbounded = (p.spec?.containers ?? []).filter((c) => !c.resources?.limits?.memory).map((c) => c.name);
    if (unbounded.length === 0) continue;
    candidates.push({
      pod: p,
      namespace,
      name,
      owner,
      unbounded,
      request: podRequest(p, 'memory') || null,
      why: 'the only workload pod on the node without a memory limit',
    });
  }
  if (candidates.length === 1) return candidates[0] ?? null;
  const burstable = candidates.filter((c) => c.request !== null);
  const only = burstable.length === 1 ? burstable[0] : undefined;
  return only ? { ...only, why: 'the only workload pod on the node with a memory request but no limit' } : null;
}

/**
 * Cap the culprit's one unbounded container at what the node has left for it: allocatable minus
 * what the other pods there request (or were seen using) minus the eviction threshold, rounded
 * down. It can then no longer push the node into pressure (it is OOM-killed instead of its
 * neighbours being evicted). Only for a patchable controller, a single unbounded container, and a
 * cap that stays above its request.
 */
function culpritFix(facts: Facts, scope: Scope, c: Culprit, nodeName: string, info: EvictionInfo | null): Fix | null {
  const owner = c.owner;
  if (!owner || !['Deployment', 'StatefulSet', 'ReplicaSet'].includes(owner.kind) || c.unbounded.length !== 1)
    return null;
  const node = facts.nodes.find((n) => n.name === nodeName);
  const alloc = parseQuantity(node?.object?.status?.allocatable?.memory);
  if (alloc === null) return null;
  let others = 0;
  for (const p of node?.residents ?? []) {
    if (p === c.pod || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    if (scope.isPod(p.metadata?.name ?? '', p.metadata?.namespace)) continue;
    others += podRequest(p, 'memory');
  }
  // The target's own pod comes back to this node: its request or what it was seen using.
  const seen = Math.max(0, ...(info?.containers ?? []).map((x) => parseQuantity(x.usage) ?? 0));
  others += Math.max(templateResource(scope.template, 'requests', 'memory') ?? 0, seen);
  const threshold = parseQuantity(info?.threshold) ?? 100 * MI;
  const room = alloc - others - threshold;
  const cap = room >= 2 * GI ? Math.floor(room / (GI / 2)) * (GI / 2) : Math.floor(room / (64 * MI)) * 64 * MI;
  const ctr = (c.pod.spec?.containers ?? []).find((x) => x.name === c.unbounded[0]);
  const req = parseQuantity(ctr?.resources?.requests?.memory) ?? 0;
  if (!ctr || cap < 256 * MI || cap < req) return null;
  const limit = cap % GI === 0 ? `${cap / GI}Gi` : `${Math.round(cap / MI)}Mi`;
  return {
    summary: `set limits.memory ${limit} on container ${ctr.name} of ${owner.kind} ${c.namespace}/${owner.name} (it has none): node ${nodeName} has ${formatBytes(alloc)} allocatable, its other pods request or use ${formatBytes(others)} and the eviction threshold is ${formatBytes(threshold)}, so it can no longer starve its neighbours (it is OOM-killed instead); then size its requests.memory to real usage`,
    resource: {
      apiVersion: 'apps/v1',
      kind: owner.kind,
      namespace: c.namespace,
      name: owner.name,
    },
    patchType: 'strategic',
    patch: templatePatch(owner.kind, { containers: [{ name: ctr.name, resources: { limits: { memory: limit } } }] }),
  };
}

function readable(q: string): string {
  const v = parseQuantity(q);
  return v === null || v < 2 ** 20 ? q : formatBytes(v);
}

/** Largest container usage any of the target's evictions reported. */
function largestUsage(recent: Eviction[]): number {
  return Math.max(0, ...recent.flatMap((e) => e.info.containers.map((c) => parseQuantity(c.usage) ?? 0)));
}

/** `They used 3.8Gi together (…), only 5% of the 85.1Gi in use on the node …: victims …`. */
function victimSentence(share: DiskShare, culprit: { name: string } | null, recent: Eviction[]): string {
  const pods =
    share.pods > 1 ? `They used ${formatBytes(share.usage)} together` : `It used ${formatBytes(share.usage)}`;
  const ctr =
    culprit && share.pods > 1 ? ` (container ${culprit.name} at most ${formatBytes(largestUsage(recent))})` : '';
  const of =
    share.used !== null
      ? `, only ${Math.max(1, Math.round((share.usage / share.used) * 100))}% of the ${share.estimated ? 'at least ' : ''}${formatBytes(share.used)} in use on the node`
      : '';
  const freed = share.freedNothing ? `, and ${share.freedNothing}` : '';
  return `${pods}${ctr}${of}${freed}: they are victims of the pressure, not its cause. The disk is filled outside them: a hostPath (such as a DaemonSet's buffer), container logs or images, which the kubelet charges to no pod, or another workload.`;
}

export function evaluatePressure(facts: Facts, derived: Derived | undefined, kind: PressureKind): RuleOutcome {
  const scope = buildScope(facts, derived);
  const resourceWord = kind === 'disk' ? 'disk (ephemeral-storage)' : 'memory';
  const all = evictionsOf(facts, scope, kind);
  const since = ms(facts.since);
  const recent = all.filter((e) => Number.isNaN(ms(e.time)) || ms(e.time) >= since);
  const targetIsNode = facts.target.kind === 'Node';
  const hosting = [...scope.nodes.keys()];

  const pressured = (names: Iterable<string>) =>
    [...names].filter((n) => {
      const node = facts.nodes.find((x) => x.name === n);
      const now = node ? hasPressure(node, CONDITION[kind]) : false;
      const ev = nodeEvents(facts, n, [NODE_REASON[kind]]).some((e) => ms(e.last) >= since);
      return now || ev;
    });

  const nodesInPlay = new Set<string>([...recent.map((e) => e.node).filter((n): n is string => !!n), ...hosting]);
  const pressedNodes = pressured(nodesInPlay);

  if (recent.length === 0 && !(targetIsNode && pressedNodes.length > 0)) {
    if (all.length > 0) {
      const old = all[0];
      return {
        kind: 'ruled-out',
        reason: `Evicted pod ${old?.pod} (${resourceWord}) dates from ${old?.time ?? 'before the window'}, before the evidence window: a leftover object, not this incident.`,
      };
    }
    // Memory: the target's containers are killed by their own cgroup limit, and no target pod was evicted.
    if (kind === 'memory') {
      const oom = scope.pods.flatMap((p) =>
        (p.status?.containerStatuses ?? [])
          .filter((c) => c.lastState?.terminated?.reason === 'OOMKilled' || c.state?.terminated?.reason === 'OOMKilled')
          .map((c) => `${p.metadata?.name}/${c.name}`),
      );
      if (oom.length > 0 && pressedNodes.length === 0) {
        return {
          kind: 'ruled-out',
          reason: `${oom[0]} is OOMKilled by its own memory limit (container cgroup), no target pod was evicted, and ${hosting.length > 0 ? `the nodes hosting them (${hosting.slice(0, 3).join(', ')}) report` : 'its nodes report'} no MemoryPressure${all.length > 0 ? '' : ''}.`,
        };
      }
    }
    const elsewhere = pressured(new Set(facts.nodes.map((n) => n.name))).filter((n) => !hosting.includes(n));
    if (elsewhere.length > 0) {
      return {
        kind: 'ruled-out',
        reason: `node ${elsewhere.join(', ')} reports ${CONDITION[kind]} but hosts none of the target's pods${hosting.length > 0 ? ` (they run on ${hosting.slice(0, 4).join(', ')})` : ''}, and no target pod was evicted.`,
      };
    }
    return null;
  }

  const signals: Evidence[] = [];
  const last = latestOf(recent, (e) => e.time);
  const nodeName = last?.node ?? pressedNodes[0] ?? (targetIsNode ? facts.target.name : null);
  if (last) {
    const n = new Set(recent.map((e) => e.pod)).size;
    const evNodes = [...new Set(recent.map((e) => e.node).filter((x): x is string => !!x))];
    const from = evNodes.length > 0 ? ` from ${evNodes.join(', ')}` : nodeName ? ` from ${nodeName}` : '';
    const text = `${n > 1 ? `${n} target pods were evicted` : `Pod ${last.pod} was evicted`}${from}: ${quote(last.message, 300)}`;
    signals.push(
      last.event
        ? eventSignal(last.event, text + times(last.event))
        : statusSignal(ref(scope.namespace, 'Pod', last.pod), last.time, text),
    );
  }

  const conditionTimes: string[] = [];
  if (nodeName) {
    const node = facts.nodes.find((n) => n.name === nodeName);
    const nodeRef = ref('default', 'Node', nodeName);
    const cond = node ? nodeCondition(node, CONDITION[kind]) : undefined;
    const nodeEv = latestOf(nodeEvents(facts, nodeName, [NODE_REASON[kind]]), (e) => e.last);
    if (cond?.status === 'True') {
      signals.push(
        statusSignal(
          nodeRef,
          cond.lastTransitionTime ?? null,
          `Node ${nodeName} ${CONDITION[kind]}=True (${cond.reason ?? ''}) since ${clock(cond.lastTransitionTime)}.`,
        ),
      );
      if (cond.lastTransitionTime) conditionTimes.push(cond.lastTransitionTime);
    } else if (nodeEv) {
      signals.push(eventSignal(nodeEv, `${nodeEv.reason}: ${quote(nodeEv.message)}${times(nodeEv)}.`));
      conditionTimes.push(nodeEv.first ?? nodeEv.last);
    }
    const threshold = latestOf(
      nodeEvents(facts, nodeName, ['EvictionThresholdMet']).filter((e) => {
        const r = reclaimResource(e.message);
        return kind === 'disk' ? isDiskResource(r) : r === 'memory';
      }),
      (e) => e.last,
    );
    if (threshold)
      signals.push(eventSignal(threshold, `EvictionThresholdMet${times(threshold)}: ${quote(threshold.message)}.`));
    const extra = latestOf(
      nodeEvents(facts, nodeName, kind === 'disk' ? ['ImageGCFailed', 'FreeDiskSpaceFailed'] : ['SystemOOM']),
      (e) => e.last,
    );
    if (extra) signals.push(eventSignal(extra, `${extra.reason}${times(extra)}: ${quote(extra.message)}.`));
  }

  // Disk: is the target the writer, or a victim of space taken outside its pods?
  const share = kind === 'disk' ? diskShare(facts, scope, recent, nodeName) : null;
  const victim = share !== null && !share.writer && share.usage > 0;

  // The evicted container's own spec, when it is the one with larger consumption.
  const culprit = last?.info.containers[0] ?? null;
  const ctr = culprit ? scope.template?.spec?.containers?.find((c) => c.name === culprit.name) : undefined;
  const resKey = kind === 'disk' ? 'ephemeral-storage' : 'memory';
  if (ctr && scope.workload) {
    const req = ctr.resources?.requests?.[resKey];
    const lim = ctr.resources?.limits?.[resKey];
    const emptyDirs = (scope.template?.spec?.volumes ?? [])
      .filter((v) => v.emptyDir && !v.emptyDir.sizeLimit)
      .map((v) => v.name);
    if (!lim || (kind === 'disk' && emptyDirs.length > 0)) {
      signals.push(
        specSignal(
          ref(scope.namespace, scope.workload.kind, scope.workload.name),
          `Container ${ctr.name} sets ${req ? `requests.${resKey} ${req}` : `no requests.${resKey}`} and ${lim ? `limits.${resKey} ${lim}` : `no limits.${resKey}`}${kind === 'disk' && emptyDirs.length > 0 ? `; emptyDir ${emptyDirs.join(', ')} has no sizeLimit` : ''}${victim && !req ? ': with usage over its request (0) it is among the first pods the kubelet evicts' : ''}.`,
        ),
      );
    }
  }

  const info = last?.info;
  // Memory: the target's own container is the hog only when it used a large share of the node;
  // otherwise look for the unbounded consumer among the node's other pods. Disk: see diskShare.
  const alloc = parseQuantity(facts.nodes.find((n) => n.name === nodeName)?.object?.status?.allocatable?.memory);
  const targetHog =
    kind === 'disk'
      ? culprit !== null && ctr !== undefined && share?.writer === true
      : culprit !== null && alloc !== null && (parseQuantity(culprit.usage) ?? 0) >= alloc / 2 && ctr !== undefined;
  const consumer = kind === 'memory' && !targetHog && nodeName ? memoryCulprit(facts, scope, nodeName) : null;
  const consumerFix = consumer && nodeName ? culpritFix(facts, scope, consumer, nodeName, info ?? null) : null;
  const fix =
    kind === 'disk'
      ? victim
        ? null
        : diskFix(facts, scope, culprit?.name ?? null, nodeName, info ?? null)
      : (consumerFix ?? null);
  const biggest = largestConsumer(facts, kind, nodeName);
  const writer =
    biggest && !scope.isPod(biggest.pod, biggest.ev.objectNamespace)
      ? ` The largest consumer on the node was ${biggest.ev.objectNamespace ?? ''}/${biggest.pod} (container ${biggest.container} using ${readable(biggest.usage)}).`
      : '';
  let summary: string;
  if (info && info.kind !== 'node-pressure' && info.kind !== 'admission') {
    summary = `Pod ${last?.pod} was evicted for exceeding its ${info.kind === 'emptydir-limit' ? 'emptyDir' : 'ephemeral-storage'} limit ${info.limit ?? ''}.`;
  } else if (info?.kind === 'admission') {
    summary = `Pods were rejected by node ${nodeName ?? '?'} because it had ${CONDITION[kind]}.`;
  } else {
    const who =
      victim && share
        ? ` ${victimSentence(share, culprit, recent)}`
        : culprit
          ? ` Container ${culprit.name} was using ${readable(culprit.usage)} (request ${culprit.request || '0'}).`
          : '';
    const count =
      recent.length > 0 ? plural(new Set(recent.map((e) => e.pod)).size, 'target pod') : 'no target pod yet';
    const unbounded = consumer
      ? ` The likely consumer is ${consumer.namespace}/${consumer.name}${consumer.owner ? ` (${consumer.owner.kind} ${consumer.owner.name})` : ''}, ${consumer.why}${consumer.request ? ` (request ${formatBytes(consumer.request)})` : ''}.`
      : '';
    summary = `Node ${nodeName ?? '?'} ran low on ${resourceWord}${info?.threshold ? ` (threshold ${readable(info.threshold)}, available ${readable(info.available ?? '?')})` : ''} and the kubelet evicted ${count}.${who}${writer}${unbounded}`;
  }
  // When the node first hit pressure in the window: its pressure/threshold events, the first eviction.
  const pressureAt =
    earliestOf(
      [
        ...(nodeName
          ? nodeEvents(facts, nodeName, [NODE_REASON[kind], 'EvictionThresholdMet'])
              .map((e) => e.first ?? e.last)
              .filter((t) => ms(t) >= since)
          : []),
        ...recent.map((e) => e.time).filter((t): t is string => t !== null),
        ...conditionTimes,
      ],
      (t) => t,
    ) ?? null;
  const trigger = nodeName
    ? `node ${nodeName} under ${CONDITION[kind]}${pressureAt ? ` at ${clock(pressureAt)}` : ''}${
        consumer
          ? ` (unbounded consumer ${consumer.namespace}/${consumer.name}${consumer.owner ? `, ${consumer.owner.kind} ${consumer.owner.name}` : ''}, no memory limit)`
          : targetHog && culprit
            ? ` (container ${culprit.name} of the target using ${readable(culprit.usage)})`
            : ''
      }`
    : null;
  const ns = scope.namespace;
  const ctrName = culprit?.name ?? ctr?.name ?? '<container>';
  const target = scope.workload
    ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}`
    : `pod/${last?.pod ?? ''}`;
  const diskAlloc = nodeQuantity(facts, nodeName, 'allocatable', 'ephemeral-storage');
  const cap = diskAlloc !== null ? diskCap(diskAlloc) : '<size>';
  const nodeArg = nodeName ?? '<node>';
  const advice =
    kind === 'disk'
      ? victim
        ? `Find what fills node ${nodeArg}'s disk: the target's pods used only ${formatBytes(share?.usage ?? 0)} of it. Compare per-pod usage with the node's filesystem (kubectl get --raw /api/v1/nodes/${nodeArg}/proxy/stats/summary) and look on the node at what no pod is charged for: hostPath volumes (a DaemonSet's buffer or cache), container logs, images (du -xsh /var/lib/* /var/log). Bound that writer (its buffer's max size, log rotation, emptyDir.sizeLimit), free space or enlarge the disk, and cordon the node until it recovers (kubectl describe node ${nodeArg} | grep -i pressure). Optionally give ${ctrName} requests.ephemeral-storage near its real usage (${formatBytes(largestUsage(recent))}) so the kubelet no longer ranks it first for eviction. Delete the leftover Evicted pods once fixed.`
        : `Bound the writer's disk use: ${fix && /emptyDir/.test(fix.summary) ? `emptyDir.sizeLimit ${cap} on its scratch volumes, or ` : ''}resources.limits.ephemeral-storage on ${ctrName} (kubectl -n ${ns} set resources ${target} -c ${ctrName} --limits=ephemeral-storage=${cap}), log to stdout instead of files, or enlarge the node disk; kubectl describe node ${nodeArg} | grep -i pressure. Delete the leftover Evicted pods once fixed.`
      : consumer && !targetHog
        ? `Bound the consumer: give ${consumer.namespace}/${consumer.name} a memory limit and a request close to its real usage (kubectl -n ${consumer.namespace} set resources ${consumer.owner ? `${consumer.owner.kind.toLowerCase()}/${consumer.owner.name}` : `pod/${consumer.name}`} -c ${consumer.unbounded[0] ?? '<container>'} --requests=memory=<steady-state> --limits=memory=<max>; a JVM sizes its heap from the limit). Give ${ctrName} a memory request too so the kubelet does not evict it first (BestEffort pods go first). Check kubectl top pods -A --sort-by=memory on node ${nodeName ?? '<node>'}.`
        : `Set memory requests close to real usage and a memory limit for ${ctrName}${culprit ? ` (it was using ${readable(culprit.usage)} against a ${culprit.request || '0'} request)` : ''}: kubectl -n ${ns} set resources ${target} -c ${ctrName} --requests=memory=<steady-state> --limits=memory=<max>; check kubectl top pods --sort-by=memory on node ${nodeName ?? '<node>'}.`;
  // Pending replacements the scheduler keeps off the node for its pressure taint are this cause's symptom.
  const taintKey = `node.kubernetes.io/${kind === 'disk' ? 'disk' : 'memory'}-pressure`;
  const blocksScheduling = podEvents(facts, scope, ['FailedScheduling']).some((e) => e.message.includes(taintKey));
  return {
    kind: 'match',
    summary,
    signals,
    trigger,
    fix,
    advice,
    explains: [
      'app-crash',
      ...(blocksScheduling ? (['scheduling-constraints', 'insufficient-resources'] as const) : []),
    ],
    timeline: conditionTimes.map((t) => ({
      time: t,
      text: `node ${nodeName} reported ${CONDITION[kind]}`,
      ref: ref('default', 'Node', nodeName ?? ''),
    })),
  };
}
