/**
 * Node condition / taint helpers and kubelet eviction-message parsing (pure).
 * failure-modes.md A7 (conditions, taints), A8 (node events), FM-17..FM-19.
 */
import type { NodeFacts } from '../domain/facts.js';

export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

export const CONTROL_PLANE_TAINT_KEYS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

export type NodeConditionView = NodeFacts['conditions'][number];

export function nodeCondition(node: NodeFacts, type: string): NodeConditionView | undefined {
  return node.conditions.find((c) => c.type === type);
}

/** Ready=False or Ready=Unknown (an unreachable kubelet). */
export function isNotReady(node: NodeFacts): boolean {
  const ready = node.ready ?? (nodeCondition(node, 'Ready')?.status as NodeFacts['ready'] | undefined) ?? null;
  return ready === 'False' || ready === 'Unknown';
}

export function hasPressure(node: NodeFacts, type: PressureCondition): boolean {
  return nodeCondition(node, type)?.status === 'True';
}

export function isControlPlane(node: NodeFacts): boolean {
  return (
    node.taints.some((t) => CONTROL_PLANE_TAINT_KEYS.includes(t.key)) ||
    'node-role.kubernetes.io/control-plane' in node.labels ||
    'node-role.kubernetes.io/master' in node.labels
  );
}

/** Cordoned (spec.unschedulable) or tainted for removal by Karpenter / cluster-autoscaler. */
export function isCordoned(node: NodeFacts): boolean {
  return (
    node.unschedulable ||
    node.taints.some((t) =>
      ['node.kubernetes.io/unschedulable', 'karpenter.sh/disrupted', 'ToBeDeletedByClusterAutoscaler'].includes(t.key),
    )
  );
}

export function zoneOf(node: NodeFacts): string | null {
  return (
    node.labels['topology.kubernetes.io/zone'] ??
    node.labels['failure-domain.beta.kubernetes.io/zone'] ??
    node.labels['topology.ebs.csi.aws.com/zone'] ??
    null
  );
}

/** Taint as shown by kubectl: `key=value:Effect`. */
export function formatTaint(t: { key: string; value?: string; effect: string }): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** The new status from a kubelet/node-controller node event message: `Node <name> status is now: <X>` → X. */
export function nodeStatusFromMessage(message: string): string | null {
  return /status is now: (\w+)/.exec(message)?.[1] ?? null;
}

export type EvictionKind =
  | 'node-pressure'
  | 'pod-ephemeral-limit'
  | 'container-ephemeral-limit'
  | 'emptydir-limit'
  | 'admission'
  | 'other';

export interface EvictionContainer {
  name: string;
  usage: string;
  request: string;
}

export interface EvictionInfo {
  kind: EvictionKind;
  /** `memory`, `ephemeral-storage`, `nodefs`, `imagefs`, `pids`… (null when unknown). */
  resource: string | null;
  threshold: string | null;
  available: string | null;
  /** Containers named with their usage (the ones with larger consumption: the likely culprits). */
  containers: EvictionContainer[];
  /** Limit named by per-pod/container/emptyDir variants. */
  limit: string | null;
  /** Node conditions named by admission rejections (`The node had condition: [DiskPressure]`). */
  conditions: string[];
}

/** Does the resource name belong to disk (`ephemeral-storage`, nodefs/imagefs, inodes)? */
export function isDiskResource(resource: string | null): boolean {
  return resource !== null && /ephemeral-storage|nodefs|imagefs|inodes|disk|storage/i.test(resource);
}

/**
 * Parse a kubelet eviction message (pod `status.message` / `Evicted` event), e.g.
 * `The node was low on resource: memory. Threshold quantity: 100Mi, available: 81924Ki. Container cache was using 3145728Ki, request is 256Mi, has larger consumption of memory. `
 * Older releases: `Container X was using Y, which exceeds its request of Z.`
 */
export function parseEvictionMessage(message: string): EvictionInfo | null {
  const info: EvictionInfo = {
    kind: 'other',
    resource: null,
    threshold: null,
    available: null,
    containers: [],
    limit: null,
    conditions: [],
  };
  const low = /The node was low on resource: ([\w./-]+)\./.exec(message);
  if (low) {
    info.kind = 'node-pressure';
    info.resource = low[1] ?? null;
    const th = /Threshold quantity: ([^,]+), available: (\S+?)\.(?:\s|$)/.exec(message);
    if (th) {
      info.threshold = th[1]?.trim() ?? null;
      info.available = th[2]?.trim() ?? null;
    }
    const re =
      /Container ([\w.-]+) was using ([^,]+), (?:request is ([^,]+), has larger consumption of [\w./-]+|which exceeds its request of ([^.\s]+))/g;
    for (const m of message.matchAll(re)) {
      info.containers.push({ name: m[1] ?? '', usage: (m[2] ?? '').trim(), request: (m[3] ?? m[4] ?? '').trim() });
    }
    return info;
  }
  const podLimit = /Pod ephemeral local storage usage exceeds the total limit of containers ([^.\s]+)/.exec(message);
  if (podLimit)
    return { ...info, kind: 'pod-ephemeral-limit', resource: 'ephemeral-storage', limit: podLimit[1] ?? null };
  const ctrLimit = /Container ([\w.-]+) exceeded its local ephemeral storage limit "([^"]+)"/.exec(message);
  if (ctrLimit) {
    return {
      ...info,
      kind: 'container-ephemeral-limit',
      resource: 'ephemeral-storage',
      limit: ctrLimit[2] ?? null,
      containers: [{ name: ctrLimit[1] ?? '', usage: '', request: '' }],
    };
  }
  const emptyDir = /Usage of EmptyDir volume "([^"]+)" exceeds the limit "([^"]+)"/.exec(message);
  if (emptyDir) return { ...info, kind: 'emptydir-limit', resource: 'ephemeral-storage', limit: emptyDir[2] ?? null };
  const cond = /The node had condition: \[([^\]]*)\]/.exec(message);
  if (cond) {
    const conditions = (cond[1] ?? '').split(/[\s,]+/).filter(Boolean);
    const resource = conditions.includes('DiskPressure')
      ? 'ephemeral-storage'
      : conditions.includes('MemoryPressure')
        ? 'memory'
        : conditions.includes('PIDPressure')
          ? 'pids'
          : null;
    return { ...info, kind: 'admission', resource, conditions };
  }
  const rejected = /Node didn't have enough resource: ([\w./-]+)/.exec(message);
  if (rejected) return { ...info, kind: 'admission', resource: rejected[1] ?? null };
  return null;
}

/** `Attempting to reclaim <resource>` (EvictionThresholdMet) → the resource. */
export function reclaimResource(message: string): string | null {
  return /Attempting to reclaim ([\w./-]+)/.exec(message)?.[1] ?? null;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
}

/** Kubernetes toleration semantics (empty key + Exists tolerates everything). */
export function tolerates(tolerations: readonly Toleration[], taint: NodeTaint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Taints that keep the pod off the node at scheduling time (NoSchedule/NoExecute, not tolerated). */
export function untoleratedTaints(node: NodeFacts, tolerations: readonly Toleration[]): NodeTaint[] {
  return node.taints.filter(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t),
  );
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/** Required node affinity terms of a pod spec (`affinity.nodeAffinity.requiredDuringScheduling…`). */
export function requiredNodeTerms(affinity: unknown): NodeSelectorTerm[] {
  // biome-ignore lint/suspicious/noExplicitAny: raw spec
  const a = affinity as any;
  const terms = a?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return Array.isArray(terms) ? (terms as NodeSelectorTerm[]) : [];
}

/** Does the node satisfy the pod's nodeSelector and required node affinity? */
export function nodeMatchesPod(
  node: NodeFacts,
  nodeSelector: Record<string, string> | undefined,
  affinity: unknown,
): boolean {
  for (const [k, v] of Object.entries(nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const terms = requiredNodeTerms(affinity);
  if (terms.length === 0) return true;
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((r) => requirementMatches(r, node.labels[r.key])) &&
      (term.matchFields ?? []).every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.name : undefined)),
  );
}

/** Text form of the required node-affinity terms: `zone In [a b] or disktype=nvme`. */
export function describeNodeTerms(affinity: unknown): string {
  return requiredNodeTerms(affinity)
    .map((t) =>
      [...(t.matchExpressions ?? []), ...(t.matchFields ?? [])]
        .map((r) => `${r.key} ${r.operator}${r.values?.length ? ` [${r.values.join(' ')}]` : ''}`)
        .join(' and '),
    )
    .join(' or ');
}
