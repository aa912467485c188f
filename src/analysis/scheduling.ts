/**
 * FailedScheduling message parsing (pure). The scheduler's FitError reads
 * `0/N nodes are available: <count> <reason>, <count> <reason>. preemption: 0/N nodes are available: …`
 * where each node is counted once, under the first filter it failed (failure-modes.md FM-11..FM-15).
 */

export type ClauseKind =
  | 'resources'
  | 'taint'
  | 'selector'
  | 'affinity'
  | 'antiAffinity'
  | 'topology'
  | 'volume'
  | 'unschedulable'
  | 'other';

/** Why a taint is there when the scheduler names it (≤1.34 shows the key; 1.35+ hides it). */
export type TaintClass = 'control-plane' | 'node-condition' | 'lifecycle' | 'custom' | 'hidden';

export interface SchedulingClause {
  /** Number of nodes reported with this reason; null for pod-wide pre-filter failures (no count). */
  count: number | null;
  /** The reason text without the count, e.g. `Insufficient memory`. */
  reason: string;
  kind: ClauseKind;
  /** `Insufficient <resource>` → the resource (`memory`, `nvidia.com/gpu`, `pods` for `Too many pods`). */
  resource: string | null;
  /** Taint clauses: key/value when shown, and what kind of taint it is. */
  taint: { key: string | null; value: string | null; class: TaintClass } | null;
}

export interface PreemptionPart {
  /** `Preemption is not helpful for scheduling`: request exceeds what the node can ever offer, or unresolvable. */
  notHelpful: number;
  /** `No preemption victims found for incoming pod`: the pod would fit if lower-priority pods were gone. */
  noVictims: number;
  /** Other preemption clauses (e.g. `not eligible due to preemptionPolicy=Never`). */
  other: string[];
}

export interface SchedulingFailure {
  /** N in `0/N nodes are available` (null when the message has no such header). */
  total: number | null;
  clauses: SchedulingClause[];
  preemption: PreemptionPart | null;
  /** The message without the `(combined from similar events): ` prefix. */
  text: string;
}

const COMBINED = /^\(combined from similar events\):\s*/;
const HEADER = /^(\d+)\/(\d+) nodes are available:?\s*/;

/** Keys of taints that say something about the node's health/lifecycle, not about the pod's spec. */
const CONTROL_PLANE_TAINTS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];
const NODE_CONDITION_TAINTS = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/network-unavailable',
  'node.kubernetes.io/out-of-service',
];
const LIFECYCLE_TAINTS = [
  'karpenter.sh/disrupted',
  'karpenter.sh/disruption',
  'karpenter.sh/unregistered',
  'ToBeDeletedByClusterAutoscaler',
  'DeletionCandidateOfClusterAutoscaler',
  'node.cloudprovider.kubernetes.io/uninitialized',
  'node.cloudprovider.kubernetes.io/shutdown',
];

export function taintClass(key: string | null): TaintClass {
  if (key === null) return 'hidden';
  if (CONTROL_PLANE_TAINTS.includes(key)) return 'control-plane';
  if (NODE_CONDITION_TAINTS.includes(key)) return 'node-condition';
  if (LIFECYCLE_TAINTS.includes(key) || key.startsWith('aws-node-termination-handler/')) return 'lifecycle';
  return 'custom';
}

/** Parse one reason (count already removed) into a clause. */
export function classifyReason(reason: string, count: number | null): SchedulingClause {
  const base = { count, reason, resource: null, taint: null };
  const insufficient = /^Insufficient (\S+)/.exec(reason);
  if (insufficient) return { ...base, kind: 'resources', resource: insufficient[1] ?? null };
  if (/^Too many pods/i.test(reason)) return { ...base, kind: 'resources', resource: 'pods' };
  if (
    /PersistentVolume|persistent volume|volume node affinity|free storage|pvc|max volume count|volume/i.test(reason)
  ) {
    return { ...base, kind: 'volume' };
  }
  if (/taint/i.test(reason)) {
    const m = /taint \{([^:}]*):\s*([^}]*)\}/.exec(reason);
    const key = m?.[1]?.trim() || null;
    const value = m?.[2]?.trim() ?? null;
    if (key === 'node.kubernetes.io/unschedulable') {
      return { ...base, kind: 'unschedulable', taint: { key, value, class: 'node-condition' } };
    }
    return { ...base, kind: 'taint', taint: { key, value: value || null, class: taintClass(key) } };
  }
  if (/were unschedulable|unschedulable/i.test(reason)) return { ...base, kind: 'unschedulable' };
  if (/anti-affinity/i.test(reason)) return { ...base, kind: 'antiAffinity' };
  if (/pod affinity/i.test(reason)) return { ...base, kind: 'affinity' };
  if (/topology spread/i.test(reason)) return { ...base, kind: 'topology' };
  if (/node affinity|node selector|nodeSelector|MatchNodeSelector/i.test(reason)) return { ...base, kind: 'selector' };
  return { ...base, kind: 'other' };
}

/** Split `1 a, 2 b` into counted parts; separators are only commas followed by `<digits> `. */
function splitCounted(text: string): { count: number | null; reason: string }[] {
  const body = text.trim().replace(/[.,]\s*$/, '');
  if (body === '') return [];
  return body
    .split(/,\s+(?=\d+\s)/)
    .map((part) => {
      const m = /^(\d+)\s+(.*)$/s.exec(part.trim());
      if (m) return { count: Number(m[1]), reason: (m[2] ?? '').trim().replace(/\.$/, '') };
      return { count: null, reason: part.trim().replace(/\.$/, '') };
    })
    .filter((p) => p.reason !== '');
}

function parsePreemption(text: string): PreemptionPart {
  const part: PreemptionPart = { notHelpful: 0, noVictims: 0, other: [] };
  const body = text.replace(HEADER, '');
  for (const { count, reason } of splitCounted(body)) {
    if (/not helpful/i.test(reason)) part.notHelpful += count ?? 0;
    else if (/no preemption victims/i.test(reason)) part.noVictims += count ?? 0;
    else part.other.push(count === null ? reason : `${count} ${reason}`);
  }
  return part;
}

/**
 * Parse a FailedScheduling message (or the identical PodScheduled condition message).
 * Returns null for messages that are not scheduler fit errors (e.g. Karpenter's `Failed to schedule pod, …`).
 */
export function parseFailedScheduling(message: string): SchedulingFailure | null {
  const text = message.replace(COMBINED, '').trim();
  const header = HEADER.exec(text);
  let rest: string;
  let total: number | null = null;
  if (header) {
    total = Number(header[2]);
    rest = text.slice(header[0].length);
  } else if (/unbound immediate PersistentVolumeClaims|persistentvolumeclaim "[^"]*" not found/i.test(text)) {
    rest = text;
  } else {
    return null;
  }
  let main = rest;
  let preemption: PreemptionPart | null = null;
  const p = rest.search(/\bpreemption:\s*/i);
  if (p >= 0) {
    main = rest.slice(0, p);
    preemption = parsePreemption(rest.slice(p).replace(/^preemption:\s*/i, ''));
  }
  // DRA (1.32+) inserts `no new claims to deallocate,` between the two parts.
  main = main.replace(/\.?\s*no new claims to deallocate,?\s*$/i, '');
  const clauses = splitCounted(main).map(({ count, reason }) => classifyReason(reason, count));
  return { total, clauses, preemption, text };
}

export type SchedulingVerdict = 'resources' | 'constraints' | 'volume' | 'nodes' | 'other';

export interface SchedulingAssessment {
  verdict: SchedulingVerdict;
  /** The clauses that explain the failure. */
  decisive: SchedulingClause[];
  /** Clauses set aside as incidental (control-plane taint, nodes being replaced, hidden taints beside others). */
  incidental: SchedulingClause[];
  /** Nodes counted by each clause kind. */
  counts: Record<ClauseKind, number>;
  /** Resource clauses can never be satisfied by preemption (request exceeds what those nodes offer). */
  requestTooLarge: boolean;
  /** Resource clauses would fit if lower-priority pods were gone: the cluster is full. */
  clusterFull: boolean;
}

const PRE_FILTER: ClauseKind[] = ['taint', 'selector', 'unschedulable'];

function emptyCounts(): Record<ClauseKind, number> {
  return {
    resources: 0,
    taint: 0,
    selector: 0,
    affinity: 0,
    antiAffinity: 0,
    topology: 0,
    volume: 0,
    unschedulable: 0,
    other: 0,
  };
}

/**
 * Decide which clauses explain a fit error. Pre-filters (taints, selector, cordon) only narrow the
 * candidate nodes; when some nodes got past them, the reason they failed later (resources, volume,
 * spreading) is the cause. The control-plane taint clause is always incidental when anything else is reported.
 * `controlPlaneNodes`: known control-plane node count, to recognise the 1.35 `untolerated taint(s)` clause.
 */
export function assessSchedulingFailure(failure: SchedulingFailure, controlPlaneNodes = 0): SchedulingAssessment {
  const counts = emptyCounts();
  for (const c of failure.clauses) counts[c.kind] += c.count ?? failure.total ?? 1;
  const base = { counts, requestTooLarge: false, clusterFull: false };
  const clauses = failure.clauses;
  const uncounted = clauses.filter((c) => c.count === null);
  if (uncounted.length > 0 && clauses.every((c) => c.count === null)) {
    const vol = uncounted.filter((c) => c.kind === 'volume');
    if (vol.length > 0) return { ...base, verdict: 'volume', decisive: vol, incidental: [] };
    return { ...base, verdict: 'other', decisive: uncounted, incidental: [] };
  }
  const isPre = (c: SchedulingClause) => PRE_FILTER.includes(c.kind);
  const pre = clauses.filter(isPre);
  const cand = clauses.filter((c) => !isPre(c));
  const spreading = counts.topology + counts.antiAffinity + counts.affinity;

  if (cand.length > 0) {
    let verdict: SchedulingVerdict;
    let decisive: SchedulingClause[];
    if (counts.volume > 0) {
      verdict = 'volume';
      decisive = cand.filter((c) => c.kind === 'volume');
    } else if (counts.resources > 0 && counts.resources >= spreading) {
      verdict = 'resources';
      decisive = cand.filter((c) => c.kind === 'resources');
    } else if (spreading > 0) {
      verdict = 'constraints';
      decisive = cand.filter((c) => c.kind === 'topology' || c.kind === 'antiAffinity' || c.kind === 'affinity');
    } else {
      verdict = 'other';
      decisive = cand;
    }
    const incidental = pre.filter((c) => c.taint !== null && c.taint.class !== 'custom');
    const result: SchedulingAssessment = { ...base, verdict, decisive, incidental };
    if (verdict === 'resources' && failure.preemption) {
      result.clusterFull = failure.preemption.noVictims > 0;
      result.requestTooLarge =
        failure.preemption.noVictims === 0 &&
        failure.preemption.notHelpful >= (failure.total ?? 0) &&
        counts.resources > 0;
    }
    return result;
  }

  // Every node was excluded by a pre-filter.
  const cpClause = (c: SchedulingClause) =>
    c.taint?.class === 'control-plane' ||
    (c.taint?.class === 'hidden' && controlPlaneNodes > 0 && (c.count ?? 0) <= controlPlaneNodes);
  const sys = (c: SchedulingClause) =>
    cpClause(c) || c.taint?.class === 'node-condition' || c.taint?.class === 'lifecycle';
  const userVisible = pre.filter((c) => !sys(c));
  const explicit = userVisible.filter((c) => c.taint?.class !== 'hidden');
  if (explicit.length > 0) {
    return {
      ...base,
      verdict: 'constraints',
      decisive: explicit,
      incidental: pre.filter((c) => !explicit.includes(c)),
    };
  }
  if (userVisible.length > 0) {
    return {
      ...base,
      verdict: 'constraints',
      decisive: userVisible,
      incidental: pre.filter((c) => !userVisible.includes(c)),
    };
  }
  const nodeHealth = pre.filter((c) => c.taint?.class === 'node-condition' || c.taint?.class === 'lifecycle');
  if (nodeHealth.length > 0) {
    return { ...base, verdict: 'nodes', decisive: nodeHealth, incidental: pre.filter((c) => !nodeHealth.includes(c)) };
  }
  return { ...base, verdict: 'constraints', decisive: pre, incidental: [] };
}

/** Human text of clauses, e.g. `2 Insufficient memory, 1 node(s) were unschedulable`. */
export function describeClauses(clauses: readonly SchedulingClause[]): string {
  return clauses.map((c) => (c.count === null ? c.reason : `${c.count} ${c.reason}`)).join(', ');
}
