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
  times,
} from './common.js';

export type PressureKind = 'disk' | 'memory';

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
  const node = facts.nodes.find((n) => n.name === nodeName);
  const alloc = parseQuantity(node?.object?.status?.allocatable?.['ephemeral-storage']);
  if (alloc === null) return null;
  const limit = `${Math.max(1, Math.floor(alloc / 4 / 2 ** 30))}Gi`;
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

function readable(q: string): string {
  const v = parseQuantity(q);
  return v === null || v < 2 ** 20 ? q : formatBytes(v);
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
          `Container ${ctr.name} sets ${req ? `requests.${resKey} ${req}` : `no requests.${resKey}`} and ${lim ? `limits.${resKey} ${lim}` : `no limits.${resKey}`}${kind === 'disk' && emptyDirs.length > 0 ? `; emptyDir ${emptyDirs.join(', ')} has no sizeLimit` : ''}.`,
        ),
      );
    }
  }

  const info = last?.info;
  const fix = kind === 'disk' ? diskFix(facts, scope, culprit?.name ?? null, nodeName, info ?? null) : null;
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
    const who = culprit
      ? ` Container ${culprit.name} was using ${readable(culprit.usage)} (request ${culprit.request || '0'}).`
      : '';
    const count =
      recent.length > 0 ? plural(new Set(recent.map((e) => e.pod)).size, 'target pod') : 'no target pod yet';
    summary = `Node ${nodeName ?? '?'} ran low on ${resourceWord}${info?.threshold ? ` (threshold ${readable(info.threshold)}, available ${readable(info.available ?? '?')})` : ''} and the kubelet evicted ${count}.${who}${writer}`;
  }
  const ns = scope.namespace;
  const ctrName = culprit?.name ?? ctr?.name ?? '<container>';
  const target = scope.workload
    ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}`
    : `pod/${last?.pod ?? ''}`;
  const advice =
    kind === 'disk'
      ? `Bound the writer's disk use: set resources.limits.ephemeral-storage on ${ctrName} (kubectl -n ${ns} set resources ${target} -c ${ctrName} --limits=ephemeral-storage=2Gi), emptyDir.sizeLimit, log to stdout instead of files, or enlarge the node disk; kubectl describe node ${nodeName ?? '<node>'} | grep -i pressure. Delete the leftover Evicted pods once fixed.`
      : `Set memory requests close to real usage and a memory limit for ${ctrName}${culprit ? ` (it was using ${readable(culprit.usage)} against a ${culprit.request || '0'} request)` : ''}: kubectl -n ${ns} set resources ${target} -c ${ctrName} --requests=memory=<steady-state> --limits=memory=<max>; check kubectl top pods --sort-by=memory on node ${nodeName ?? '<node>'}.`;
  return {
    kind: 'match',
    summary,
    signals,
    trigger: null,
    fix,
    advice,
    explains: ['app-crash'],
    timeline: conditionTimes.map((t) => ({
      time: t,
      text: `node ${nodeName} reported ${CONDITION[kind]}`,
      ref: ref('default', 'Node', nodeName ?? ''),
    })),
  };
}
