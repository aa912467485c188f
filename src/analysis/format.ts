/** Formatting helpers shared by rules: refs, signals, lists, kubectl spellings, fix builders (pure). */
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix, ResourceRef } from '../domain/result.js';

const CLUSTER_SCOPED = new Set(['Node', 'PersistentVolume', 'StorageClass', 'Namespace', 'PriorityClass', 'NodeClaim']);

/** `namespace/Kind/name`; cluster-scoped objects use `default/` like their events. */
export function ref(namespace: string | null | undefined, kind: string, name: string): string {
  return `${CLUSTER_SCOPED.has(kind) ? 'default' : namespace || 'default'}/${kind}/${name}`;
}

export const podRef = (namespace: string, name: string): string => ref(namespace, 'Pod', name);
export const nodeRef = (name: string): string => ref('default', 'Node', name);

/** The workload the pods belong to (falls back to the target itself). */
export function workloadRef(facts: Facts): string {
  const w = facts.target.workload;
  if (w?.kind && w.metadata?.name) return ref(w.metadata.namespace ?? facts.target.namespace, w.kind, w.metadata.name);
  return ref(facts.target.namespace, facts.target.kind, facts.target.name);
}

export function workloadName(facts: Facts): string {
  return facts.target.workload?.metadata?.name ?? facts.target.name;
}

/** The patchable owner of the pod template, or null (a bare Pod's spec is mostly immutable). */
export function workloadResource(facts: Facts): ResourceRef | null {
  const w = facts.target.workload;
  const kind = w?.kind;
  const name = w?.metadata?.name;
  if (!w || !kind || !name || kind === 'Pod') return null;
  const apiVersion = w.apiVersion ?? (kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1');
  return { apiVersion, kind, namespace: w.metadata?.namespace ?? facts.target.namespace, name };
}

const SHORT: Record<string, string> = {
  Deployment: 'deploy',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  ReplicaSet: 'rs',
  Job: 'job',
  CronJob: 'cronjob',
  Pod: 'pod',
  Service: 'svc',
  Node: 'node',
};

/** `deploy/checkout-api` */
export function kubectlName(kind: string, name: string): string {
  return `${SHORT[kind] ?? kind.toLowerCase()}/${name}`;
}

export function targetKubectl(facts: Facts): string {
  const w = facts.target.workload;
  if (w?.kind && w.metadata?.name) return kubectlName(w.kind, w.metadata.name);
  return kubectlName(facts.target.kind, facts.target.name);
}

export function signal(kind: Evidence['kind'], refStr: string, time: string | null, text: string): Evidence {
  return { kind, ref: refStr, time, text };
}

/** `a, b and c` / `a, b and 3 more`. */
export function list(items: readonly string[], max = 3): string {
  const u = [...new Set(items)];
  if (u.length <= 1) return u[0] ?? '';
  if (u.length <= max) return `${u.slice(0, -1).join(', ')} and ${u[u.length - 1]}`;
  return `${u.slice(0, max).join(', ')} and ${u.length - max} more`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A log line or message trimmed for display (no timestamp prefix noise beyond 160 chars). */
export function quote(line: string, max = 160): string {
  const s = line.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A long line cut around the part matching `re` (so the telling words survive the length cap). */
export function excerpt(line: string, re: RegExp, max = 120): string {
  const s = line.replace(/\s+/g, ' ').trim();
  if (s.length <= max) return s;
  const m = re.exec(s);
  if (!m) return quote(s, max);
  const start = Math.max(0, Math.min(m.index - Math.floor((max - m[0].length) / 2), s.length - max));
  return `${start > 0 ? '…' : ''}${s.slice(start, start + max).trim()}${start + max < s.length ? '…' : ''}`;
}

/** Round up to a multiple of `step`. */
export function roundUp(n: number, step: number): number {
  return Math.ceil(n / step - 1e-9) * step;
}

/**
 * Strategic merge patch of named containers in the workload's pod template:
 * `{spec:{template:{spec:{containers:[{name, ...fields}]}}}}` (containers are merged by name).
 */
export function containerPatch(
  entries: readonly { name: string; fields: Record<string, unknown>; init?: boolean }[],
): Record<string, unknown> {
  const containers = entries.filter((e) => !e.init).map((e) => ({ name: e.name, ...e.fields }));
  const initContainers = entries.filter((e) => e.init).map((e) => ({ name: e.name, ...e.fields }));
  const podSpec: Record<string, unknown> = {};
  if (containers.length > 0) podSpec.containers = containers;
  if (initContainers.length > 0) podSpec.initContainers = initContainers;
  return { spec: { template: { spec: podSpec } } };
}

/** A strategic-merge fix on the target's workload, or null when there is no patchable workload. */
export function workloadFix(facts: Facts, summary: string, patch: Record<string, unknown>): Fix | null {
  const resource = workloadResource(facts);
  if (!resource) return null;
  // A CronJob's pod template sits one level deeper.
  const body = resource.kind === 'CronJob' ? { spec: { jobTemplate: patch } } : patch;
  return { summary, resource, patchType: 'strategic', patch: body };
}
