/** Per-pod and per-container views of the target's pods, plus quantity helpers (pure). */
import type { Facts, LogFacts } from '../domain/facts.js';
import type { Container, ContainerStateTerminated, ContainerStatus, Pod } from '../domain/k8s.js';
import { ms } from './time.js';

export interface TerminationView {
  reason: string | null;
  exitCode: number | null;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** finishedAt - startedAt in ms (null when either is missing or zero). */
  runtimeMs: number | null;
}

export interface ContainerView {
  pod: string;
  namespace: string;
  node: string | null;
  name: string;
  init: boolean;
  spec: Container | null;
  ready: boolean;
  started: boolean | null;
  restarts: number;
  waitingReason: string | null;
  waitingMessage: string | null;
  runningSince: string | null;
  /** Current state terminated (e.g. a completed init container). */
  terminated: TerminationView | null;
  /** lastState.terminated: the previous run. */
  last: TerminationView | null;
}

export interface PodView {
  name: string;
  namespace: string;
  node: string | null;
  phase: string | null;
  ready: boolean;
  /** Ready condition lastTransitionTime. */
  readySince: string | null;
  createdAt: string | null;
  deleting: boolean;
  reason: string | null;
  podIP: string | null;
  initialized: boolean | null;
  /** Controller owner (ReplicaSet/StatefulSet/...) name. */
  owner: string | null;
  labels: Record<string, string>;
  containers: ContainerView[];
  pod: Pod;
}

function termination(t: ContainerStateTerminated | undefined): TerminationView | null {
  if (!t) return null;
  const s = ms(t.startedAt);
  const f = ms(t.finishedAt);
  return {
    reason: t.reason ?? null,
    exitCode: t.exitCode ?? null,
    message: t.message ?? null,
    startedAt: s === null ? null : (t.startedAt ?? null),
    finishedAt: f === null ? null : (t.finishedAt ?? null),
    runtimeMs: s !== null && f !== null ? f - s : null,
  };
}

function containerView(pod: Pod, st: ContainerStatus, init: boolean): ContainerView {
  const specs = init ? pod.spec?.initContainers : pod.spec?.containers;
  return {
    pod: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    node: pod.spec?.nodeName ?? null,
    name: st.name,
    init,
    spec: specs?.find((c) => c.name === st.name) ?? null,
    ready: st.ready === true,
    started: st.started ?? null,
    restarts: st.restartCount ?? 0,
    waitingReason: st.state?.waiting?.reason ?? null,
    waitingMessage: st.state?.waiting?.message ?? null,
    runningSince: st.state?.running?.startedAt ?? null,
    terminated: termination(st.state?.terminated),
    last: termination(st.lastState?.terminated),
  };
}

export function podView(pod: Pod): PodView {
  const conds = pod.status?.conditions ?? [];
  const readyCond = conds.find((c) => c.type === 'Ready');
  const initCond = conds.find((c) => c.type === 'Initialized');
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => containerView(pod, s, true)),
    ...statuses.map((s) => containerView(pod, s, false)),
  ];
  // Containers without a status yet (pod Pending before kubelet reported): still list them.
  for (const c of pod.spec?.containers ?? []) {
    if (!statuses.some((s) => s.name === c.name)) containers.push(containerView(pod, { name: c.name }, false));
  }
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready === true);
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    node: pod.spec?.nodeName ?? null,
    phase: pod.status?.phase ?? null,
    ready: readyCond ? readyCond.status === 'True' : allReady,
    readySince: readyCond?.lastTransitionTime ?? null,
    createdAt: pod.metadata?.creationTimestamp ?? null,
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    reason: pod.status?.reason ?? null,
    podIP: pod.status?.podIP ?? null,
    initialized: initCond ? initCond.status === 'True' : null,
    owner: owner?.name ?? null,
    labels: pod.metadata?.labels ?? {},
    containers,
    pod,
  };
}

/** A pod that counts as a replica now: not terminating, not Succeeded/Failed (Evicted leftovers are Failed). */
export function isActive(p: PodView): boolean {
  return !p.deleting && p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

/** Latest condition transition of a pod (when it last changed state), or null. */
export function lastTransition(p: PodView): string | null {
  let best: string | null = null;
  for (const c of p.pod.status?.conditions ?? []) {
    const t = c.lastTransitionTime;
    if (t && (best === null || Date.parse(t) > Date.parse(best))) best = t;
  }
  return best;
}

/** The container spec of the target's template (falls back to the first live pod's spec). */
export function templateContainer(facts: Facts, name: string, init = false): Container | null {
  const spec = facts.target.template?.spec ?? facts.target.workload?.spec?.template?.spec ?? facts.pods[0]?.spec;
  const list = init ? spec?.initContainers : spec?.containers;
  return list?.find((c) => c.name === name) ?? null;
}

/** A failed run: non-zero exit or an error reason (a long-running container exiting 0 also counts when it restarts). */
export function isFailedRun(t: TerminationView | null): boolean {
  if (!t) return false;
  if (t.reason && t.reason !== 'Completed') return true;
  return t.exitCode !== null && t.exitCode !== 0;
}

/**
 * The containers' terminations inside the evidence window that count as failures or restarts
 * (the last run and the current terminated state), with their container.
 */
export function recentTerminations(
  containers: readonly ContainerView[],
  since: number,
  now: number,
): { c: ContainerView; t: TerminationView }[] {
  return containers.flatMap((c) =>
    [c.last, c.terminated]
      .filter((t): t is TerminationView => t !== null && (isFailedRun(t) || (c.restarts > 0 && !c.init)))
      .filter((t) => (ms(t.finishedAt) ?? now) >= since)
      .map((t) => ({ c, t })),
  );
}

const BIN: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
const DEC: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** Memory quantity in bytes (`100Mi`, `1G`, `536870912`), null when unparseable. */
export function bytes(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kKMGT])?$/.exec(String(q).trim());
  if (!m) return null;
  const n = Number(m[1]);
  const u = m[2];
  if (!u) return n;
  return n * (BIN[u] ?? DEC[u] ?? 1);
}

/** `256Mi`, `1Gi`, `1.5Gi`. */
export function formatBytes(b: number): string {
  const gi = b / 1024 ** 3;
  if (gi >= 1 && Number.isInteger(gi * 2)) return `${gi}Gi`;
  return `${Math.round(b / 1024 ** 2)}Mi`;
}

const MEMORY_LADDER_MI = [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384];

/** The smallest "nice" memory value ≥ b (64Mi, 128Mi, …, 1Gi, 1.5Gi, 2Gi, 3Gi, 4Gi, …). */
export function niceMemoryAtLeast(b: number): string {
  const mi = b / 1024 ** 2;
  for (const v of MEMORY_LADDER_MI) if (v >= mi) return formatBytes(v * 1024 ** 2);
  return `${Math.ceil(mi / 8192) * 8}Gi`;
}

/** CPU quantity in millicores (`200m`, `1`, `0.5`). */
export function millicores(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  const s = String(q).trim();
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(s);
  if (!m) return null;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

export function formatCpu(m: number): string {
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Ports the container declares. */
export function declaredPorts(c: Container | null | undefined): { name: string | null; port: number }[] {
  return (c?.ports ?? []).map((p) => ({ name: p.name ?? null, port: p.containerPort }));
}

/** Resolve a probe port (number or named port) against the container's declared ports. */
export function resolvePort(port: number | string | undefined, c: Container | null | undefined): number | null {
  if (port === undefined) return null;
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return declaredPorts(c).find((p) => p.name === port)?.port ?? null;
}

const ERROR_LINE =
  /\b(error|fatal|panic|exception|traceback|missing|undefined|not set|not defined|invalid|cannot|can't|could not|failed|unknown flag|no such|refused|denied|required)\b/i;

/** Does a log line look like an error report? */
export function isErrorLine(line: string): boolean {
  return ERROR_LINE.test(line);
}

/** The last error-looking line of a container's log among its last 25 lines (previous run preferred). */
export function errorLine(
  logs: readonly LogFacts[],
  pod: string,
  container: string,
): { log: LogFacts; line: string } | null {
  const mine = logs.filter((l) => l.pod === pod && l.container === container && l.lines.length > 0);
  for (const log of [...mine].sort((a, b) => Number(b.previous) - Number(a.previous))) {
    const tail = log.lines.slice(-25);
    for (let i = tail.length - 1; i >= 0; i--) {
      const line = tail[i]!;
      if (ERROR_LINE.test(line)) return { log, line };
    }
  }
  return null;
}
