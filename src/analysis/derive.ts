/**
 * Derived views computed once from Facts and shared by every rule (pure; the clock is `facts.now`).
 * Extend `Derived` with what several rules need; keep one-rule logic in the rule's own file.
 */
import type { DependencyFacts, Ev, Facts, LogFacts, NodeFacts, Revision } from '../domain/facts.js';
import type { Container, Pod, PodTemplate } from '../domain/k8s.js';
import type { Evidence } from '../domain/result.js';
import {
  type ContainerView,
  isActive,
  isErrorLine,
  isFailedRun,
  lastTransition,
  type PodView,
  podView,
} from './containers.js';
import { list, plural, podRef, ref, workloadRef } from './format.js';
import { type ProbeFailure, type ProbeKill, parseProbeEvent, parseProbeKill, stripCombined } from './probes.js';
import { clock, earliest, hhmm, human, iso, latest, ms, parseLogTime, parseLogTimeIso } from './time.js';

// ---------------------------------------------------------------------------------------------
// Types

export type NodeMarkKind =
  | 'not-ready'
  | 'starting'
  | 'rebooted'
  | 'ready'
  | 'spot-interrupted'
  | 'terminating'
  | 'interruption-notice'
  | 'removed'
  | 'deleted'
  | 'drain'
  | 'registered'
  | 'shutdown';

export interface NodeMark {
  time: string;
  kind: NodeMarkKind;
  reason: string;
  message: string;
  source: 'event' | 'condition';
}

export interface NodeEpisode {
  node: string;
  exists: boolean;
  spot: boolean;
  /** First and last mark of the episode. */
  start: string;
  end: string;
  /** The instant that names the episode: Ready again for a recycle, the first sign otherwise. */
  at: string;
  kind: 'recycled' | 'interrupted' | 'removed' | 'not-ready' | 'restarted';
  readyAt: string | null;
  marks: NodeMark[];
  /** `Node ip-10-0-3-47 recycled at 10:02 UTC (NotReady 09:58, kubelet restarted 10:00, Ready 10:02)` */
  text: string;
}

export interface RolloutView {
  revision: Revision;
  previous: Revision | null;
  createdAt: string | null;
  /** Live target pods on the newest revision / on older revisions / unknown. */
  podsOnIt: number;
  podsOnOlder: number;
  podsUnknown: number;
  /** Human diff of the pod template against the previous revision (`image api: a → b`). */
  changes: string[];
  /** Only container images differ from the previous revision. */
  imageOnly: boolean;
  progressDeadlineExceeded: boolean;
  progressMessage: string | null;
}

export interface Recovery {
  ms: number;
  from: string;
  to: string;
  pod: string;
  namespace: string;
  container: string;
  startLine: string;
  readyLine: string;
  source: 'log' | 'ready-condition';
}

export interface Latency {
  seconds: number;
  line: string;
  pod: string;
  namespace: string;
  container: string;
  time: string | null;
}

export interface DependencyDisruption {
  /** The dependency pod (live name) and the pods involved (old incarnations too). */
  pod: string;
  namespace: string;
  pods: string[];
  /** Node the pod was on when disrupted, and where it runs now. */
  node: string | null;
  currentNode: string | null;
  /** Earliest sign of the disruption. */
  time: string;
  /** When the new incarnation started (pod created / container started), if known. */
  restartedAt: string | null;
  /** What happened, most telling first: `rescheduled`, `recreated`, `evicted`, `restarted`, … */
  verb: DisruptionVerb;
  /** Every observation: `recreated`, `container redis restarted (OOMKilled, exit 137)`, `evicted`, … */
  what: string[];
  episode: NodeEpisode | null;
  readyAt: string | null;
  recovery: Recovery | null;
  /** Slowest request the dependency logged after it came back (`GET /health took 4800 ms`). */
  latency: Latency | null;
  /** A node-level event on the pod itself (SpotInterrupted, NodeNotReady, eviction), when its node's own events are gone. */
  nodeEvent: { time: string; reason: string; message: string; node: string | null } | null;
}

export interface DependencyLogHit {
  pod: string;
  namespace: string;
  container: string;
  previous: boolean;
  line: string;
  time: number | null;
  kind: 'waiting' | 'error';
  /** The hit is the last line of the log (the process stopped right after it). */
  last: boolean;
}

/** The dependency's own controller was scaled down to zero (its Service is empty because of it). */
export interface DependencyScaleDown {
  kind: string;
  name: string;
  namespace: string;
  time: string;
  /** Replicas before (from the scaling event) and desired now. */
  from: number | null;
  replicas: number | null;
  /** The event that shows it (`Scaled down replica set db-7c9 from 1 to 0`). */
  message: string;
}

export interface DependencyView {
  dep: DependencyFacts;
  /** Service name (or host when there is no Service). */
  name: string;
  ref: string;
  disruption: DependencyDisruption | null;
  /** Empty Service because its controller was scaled to 0 in the window. */
  scaledDown: DependencyScaleDown | null;
  /** Endpoints exist and none is ready now. */
  downNow: boolean;
  logHits: DependencyLogHit[];
}

export interface FailureSign {
  time: string;
  ref: string;
  text: string;
}

/**
 * The target failed inside the window but is healthy now and has been quiet for a while: every
 * replica Ready, no failure event, no container exit and no error in the current logs since.
 */
export interface RecoveredEpisode {
  /** Last failure sign (event or container exit) of the episode. */
  lastFailure: string;
  /** First failure sign of the episode in the window. */
  firstFailure: string | null;
  /** When the target was whole again (last restarted container up / last pod Ready). */
  stableSince: string;
  quietMs: number;
  /** Container restarts during the episode. */
  restarts: number;
  /** `3 containers restarted (exit 1), BackOff ×39` */
  what: string;
  /** `BackOff ×39, Unhealthy ×15` (empty when only container exits were seen). */
  events: string;
}

export interface Health {
  healthy: boolean;
  /** Not healthy in the window, but recovered and quiet since (a past blip): null otherwise. */
  recovered: RecoveredEpisode | null;
  podsTotal: number;
  podsReady: number;
  desired: number | null;
  restartsInWindow: number;
  failureEvents: number;
  symptoms: string[];
  /** Observations that the target is healthy (for `no-issue-found`). */
  evidence: Evidence[];
  /** Readiness failures in the window that resolved on their own (a healthy target's blips): count, last time. */
  blips: { count: number; last: string | null };
}

export interface Derived {
  now: number;
  since: number;
  namespace: string;
  targetPodNames: ReadonlySet<string>;
  ownerNames: ReadonlySet<string>;
  pods: PodView[];
  containers: ContainerView[];
  /** Events about the target's pods and owners, oldest first. */
  events: Ev[];
  probeFailures: ProbeFailure[];
  probeKills: ProbeKill[];
  /** Container restart back-offs (`Back-off restarting failed container`). */
  backOffs: Ev[];
  /** Earliest sign of failure of the target (RFC 3339) or null when none is seen. */
  firstFailure: string | null;
  firstFailureSign: FailureSign | null;
  nodeEpisodes: NodeEpisode[];
  /** Pod name → node (live pods, deleted pods, node pod lists, kubelet event hosts). */
  nodeOf: ReadonlyMap<string, string>;
  lastRollout: RolloutView | null;
  dependencies: DependencyView[];
  health: Health;
}

// ---------------------------------------------------------------------------------------------
// Events

const BENIGN_WARNINGS = new Set([
  'DNSConfigForming',
  'ProbeWarning',
  'InvalidDiskCapacity',
  'KubeletExecProbeTimeoutIgnored',
  'FailedToUpdateEndpoint',
  'FailedToUpdateEndpointSlices',
]);

export function evTime(e: Ev): string {
  return e.first ?? e.last;
}

/** A failure sign: Warning (minus benign noise), probe kills, image back-off, evictions. */
export function isFailureEvent(e: Ev): boolean {
  if (BENIGN_WARNINGS.has(e.reason)) return false;
  if (e.type === 'Warning') return true;
  if (e.reason === 'Killing' && /failed (liveness|startup) probe|FailedPostStartHook/.test(e.message)) return true;
  return ['BackOff', 'TaintManagerEviction', 'Preempted', 'Evicted', 'SpotInterrupted'].includes(e.reason);
}

const OWNER_KINDS = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

// ---------------------------------------------------------------------------------------------
// Node episodes

const DISRUPTIVE: ReadonlySet<NodeMarkKind> = new Set([
  'not-ready',
  'rebooted',
  'spot-interrupted',
  'terminating',
  'interruption-notice',
  'removed',
  'deleted',
  'shutdown',
]);

const MARK_LABEL: Record<NodeMarkKind, string> = {
  'not-ready': 'NotReady',
  starting: 'kubelet restarted',
  rebooted: 'rebooted',
  ready: 'Ready',
  'spot-interrupted': 'spot interruption',
  terminating: 'terminating',
  'interruption-notice': 'interruption notice',
  removed: 'removed',
  deleted: 'deleted',
  drain: 'drained',
  registered: 'registered',
  shutdown: 'shutdown',
};

function nodeMarkOf(e: Ev): NodeMarkKind | null {
  switch (e.reason) {
    case 'NodeNotReady':
      return 'not-ready';
    case 'Starting':
      return 'starting';
    case 'Rebooted':
      return 'rebooted';
    case 'NodeReady':
      return 'ready';
    case 'SpotInterrupted':
      return 'spot-interrupted';
    case 'TerminatingOnInterruption':
    case 'DisruptionTerminating':
    case 'InstanceTerminating':
    case 'ASGLifecycle':
    case 'ScheduledEvent':
      return 'terminating';
    case 'SpotInterruption':
      return 'interruption-notice';
    case 'RemovingNode':
      return 'removed';
    case 'DeletingNode':
      return 'deleted';
    case 'CordonAndDrain':
    case 'Cordon':
      return 'drain';
    case 'RegisteredNode':
      return 'registered';
    case 'Shutdown':
    case 'NodeShutdown':
      return 'shutdown';
    default:
      return null;
  }
}

function nodeEpisodes(facts: Facts, since: number, now: number): NodeEpisode[] {
  const byNode = new Map<string, NodeMark[]>();
  const add = (node: string, m: NodeMark) => {
    const v = ms(m.time);
    if (v === null || v < since - 30 * 60_000 || v > now) return;
    const arr = byNode.get(node) ?? [];
    if (arr.some((x) => x.kind === m.kind && Math.abs((ms(x.time) ?? 0) - v) < 90_000)) return;
    arr.push(m);
    byNode.set(node, arr);
  };
  for (const e of facts.events) {
    if (e.kind !== 'Node' || !e.object) continue;
    const kind = nodeMarkOf(e);
    if (kind) add(e.object, { time: evTime(e), kind, reason: e.reason, message: e.message, source: 'event' });
  }
  for (const n of facts.nodes) {
    const ready = n.conditions.find((c) => c.type === 'Ready');
    if (ready?.lastTransitionTime) {
      add(n.name, {
        time: ready.lastTransitionTime,
        kind: ready.status === 'True' ? 'ready' : 'not-ready',
        reason: ready.reason ?? 'Ready',
        message: ready.message ?? '',
        source: 'condition',
      });
    }
  }
  const out: NodeEpisode[] = [];
  for (const [node, marks] of [...byNode.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    marks.sort((a, b) => (ms(a.time) ?? 0) - (ms(b.time) ?? 0) || a.kind.localeCompare(b.kind));
    const nf = facts.nodes.find((n) => n.name === node);
    const clusters: NodeMark[][] = [];
    for (const m of marks) {
      const cur = clusters[clusters.length - 1];
      const prev = cur?.[cur.length - 1];
      if (cur && prev && (ms(m.time) ?? 0) - (ms(prev.time) ?? 0) <= 30 * 60_000) cur.push(m);
      else clusters.push([m]);
    }
    for (const c of clusters) {
      const ep = episodeOf(node, nf, c);
      if (ep && (ms(ep.end) ?? 0) >= since) out.push(ep);
    }
  }
  return out.sort((a, b) => (ms(a.start) ?? 0) - (ms(b.start) ?? 0) || a.node.localeCompare(b.node));
}

function episodeOf(node: string, nf: NodeFacts | undefined, marks: NodeMark[]): NodeEpisode | null {
  const first = marks[0]!;
  const lastMark = marks[marks.length - 1]!;
  const created = ms(nf?.createdAt);
  const isNewNode = created !== null && created >= (ms(first.time) ?? 0) - 10 * 60_000;
  const has = (k: NodeMarkKind) => marks.some((m) => m.kind === k);
  const disruptive = marks.filter((m) => DISRUPTIVE.has(m.kind));
  if (disruptive.length === 0 && !(has('starting') && !isNewNode)) return null;
  const exists = nf?.exists ?? true;
  const firstBad = disruptive[0] ?? marks.find((m) => m.kind === 'starting')!;
  const readyAfter = marks.find((m) => m.kind === 'ready' && (ms(m.time) ?? 0) >= (ms(firstBad.time) ?? 0));
  const interrupted = has('spot-interrupted') || has('terminating') || has('interruption-notice');
  let kind: NodeEpisode['kind'];
  let at: string;
  if (interrupted) {
    kind = 'interrupted';
    at = disruptive.find((m) => m.kind !== 'not-ready')?.time ?? firstBad.time;
  } else if (has('removed') || has('deleted') || (!exists && !readyAfter)) {
    kind = 'removed';
    at = firstBad.time;
  } else if ((has('not-ready') || has('rebooted') || has('shutdown')) && (readyAfter || has('starting'))) {
    kind = 'recycled';
    at = readyAfter?.time ?? marks.filter((m) => m.kind === 'starting').pop()?.time ?? firstBad.time;
  } else if (has('not-ready')) {
    kind = 'not-ready';
    at = firstBad.time;
  } else {
    kind = 'restarted';
    at = firstBad.time;
  }
  const spot = Boolean(nf?.spot) || has('spot-interrupted') || has('interruption-notice');
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const m of marks) {
    if (m.kind === 'registered' && kind !== 'removed') continue;
    const label = MARK_LABEL[m.kind];
    if (seen.has(label)) continue;
    seen.add(label);
    parts.push(`${label} ${hhmm(m.time)}`);
  }
  const verb =
    kind === 'recycled'
      ? 'recycled'
      : kind === 'interrupted'
        ? exists
          ? 'interrupted'
          : 'interrupted and removed'
        : kind === 'removed'
          ? 'went away'
          : kind === 'not-ready'
            ? 'went NotReady'
            : 'restarted its kubelet';
  const text = `Node ${node} ${verb} at ${clock(at)}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
  return {
    node,
    exists,
    spot,
    start: first.time,
    end: lastMark.time,
    at,
    kind,
    readyAt: readyAfter?.time ?? null,
    marks,
    text,
  };
}

/** The episode of `node` that overlaps [t - before, t + after] (ms), if any. */
export function episodeNear(
  episodes: readonly NodeEpisode[],
  node: string | null,
  t: string | null,
  beforeMs = 10 * 60_000,
  afterMs = 10 * 60_000,
): NodeEpisode | null {
  const v = ms(t);
  if (!node || v === null) return null;
  return (
    episodes.find((e) => e.node === node && (ms(e.start) ?? 0) <= v + afterMs && (ms(e.end) ?? 0) >= v - beforeMs) ??
    null
  );
}

// ---------------------------------------------------------------------------------------------
// Rollouts

function podRevision(p: PodView, revisions: readonly Revision[]): Revision | null {
  for (const r of revisions) {
    if (r.kind === 'ReplicaSet' && p.owner === r.name) return r;
    if (r.kind === 'ControllerRevision' && p.labels['controller-revision-hash'] === r.name) return r;
    const hash = p.labels['pod-template-hash'];
    if (r.kind === 'ReplicaSet' && hash && r.name.endsWith(`-${hash}`)) return r;
  }
  return null;
}

function containerDiff(a: Container | undefined, b: Container | undefined, name: string): string[] {
  if (!a) return [`container ${name} added`];
  if (!b) return [`container ${name} removed`];
  const out: string[] = [];
  if (a.image !== b.image) out.push(`image ${name}: ${a.image ?? '?'} → ${b.image ?? '?'}`);
  const envA = new Map((a.env ?? []).map((e) => [e.name, JSON.stringify(e)]));
  const envB = new Map((b.env ?? []).map((e) => [e.name, JSON.stringify(e)]));
  const envChanged = [...new Set([...envA.keys(), ...envB.keys()])]
    .filter((k) => envA.get(k) !== envB.get(k))
    .map((k) => (envA.has(k) ? (envB.has(k) ? `${k} changed` : `${k} removed`) : `${k} added`));
  if (envChanged.length > 0) out.push(`env ${name}: ${list(envChanged, 4)}`);
  // Arguments by flag name only (values may carry secrets): `args api changed (+-enable-tracing, −-v)`.
  for (const key of ['command', 'args'] as const) {
    const x = a[key] ?? [];
    const y = b[key] ?? [];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const flag = (t: string) => t.replace(/=.*$/s, '=…');
    const added = y.filter((t) => !x.includes(t)).map(flag);
    const removed = x.filter((t) => !y.includes(t)).map(flag);
    const detail = [...added.map((t) => `+${t}`), ...removed.map((t) => `−${t}`)];
    out.push(`${key} ${name} changed${detail.length > 0 && detail.length <= 4 ? ` (${detail.join(', ')})` : ''}`);
  }
  for (const key of ['envFrom', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (JSON.stringify(a[key] ?? null) !== JSON.stringify(b[key] ?? null)) out.push(`${key} ${name} changed`);
  }
  return out;
}

function templateDiff(prev: PodTemplate | null, cur: PodTemplate | null): string[] {
  if (!prev?.spec || !cur?.spec) return [];
  const out: string[] = [];
  for (const init of [true, false]) {
    const a = (init ? prev.spec.initContainers : prev.spec.containers) ?? [];
    const b = (init ? cur.spec.initContainers : cur.spec.containers) ?? [];
    const names = [...new Set([...a.map((c) => c.name), ...b.map((c) => c.name)])];
    for (const n of names) {
      out.push(
        ...containerDiff(
          a.find((c) => c.name === n),
          b.find((c) => c.name === n),
          n,
        ),
      );
    }
  }
  const strip = (t: PodTemplate) => JSON.stringify({ ...t.spec, containers: [], initContainers: [] });
  if (strip(prev) !== strip(cur)) out.push('pod spec changed (volumes/scheduling/other)');
  return out;
}

function lastRollout(facts: Facts, pods: PodView[]): RolloutView | null {
  const revs = [...facts.revisions].sort((a, b) => b.revision - a.revision || a.name.localeCompare(b.name));
  const newest = revs[0];
  if (!newest) return null;
  const previous = revs.find((r) => r.revision < newest.revision) ?? null;
  let on = 0;
  let older = 0;
  let unknown = 0;
  for (const p of pods.filter(isActive)) {
    const r = podRevision(p, revs);
    if (!r) unknown++;
    else if (r.name === newest.name) on++;
    else older++;
  }
  const changes = previous ? templateDiff(previous.template, newest.template) : [];
  const conds: { type?: string; status?: string; reason?: string; message?: string }[] =
    facts.target.workload?.status?.conditions ?? [];
  const progressing = conds.find((c) => c.type === 'Progressing');
  return {
    revision: newest,
    previous,
    createdAt: newest.createdAt,
    podsOnIt: on,
    podsOnOlder: older,
    podsUnknown: unknown,
    changes,
    imageOnly: changes.length > 0 && changes.every((c) => c.startsWith('image ')),
    progressDeadlineExceeded: progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded',
    progressMessage: progressing?.message ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Dependencies

const START_RE =
  /\b(starting|start ?up|booting|initiali[sz]ing|loading|launching)\b|oO0OoO0OoO0Oo|PostgreSQL init|just started/i;
/** The server says it serves: the end of start-up (Postgres, Redis, MySQL, MongoDB, generic). */
const READY_DEFINITIVE =
  /ready to accept connections|ready for connections|accepting connections|waiting for connections|startup complete|up and running/i;
/** The server bound its socket or its framework started: may come before it serves (Postgres listens during recovery). */
const READY_STRONG = new RegExp(
  `${READY_DEFINITIVE.source}|server started|started server|listening on|started .* in \\d`,
  'i',
);
const READY_WEAK = /\bready\b|\bstarted\b|\blistening\b/i;

function yearOf(facts: Facts): number {
  return new Date(ms(facts.now) ?? 0).getUTCFullYear();
}

/** Start → ready time measured from one container log (null when the log shows no clear pair). */
export function measureRecovery(log: LogFacts, year: number): Recovery | null {
  const timed = log.lines.map((line) => ({ line, t: parseLogTime(line, year) })).filter((x) => x.t !== null) as {
    line: string;
    t: number;
  }[];
  if (timed.length < 2) return null;
  let startIdx = timed.findIndex((x) => START_RE.test(x.line) && !READY_STRONG.test(x.line));
  if (startIdx < 0 && !log.truncated) startIdx = 0;
  if (startIdx < 0) return null;
  const start = timed[startIdx]!;
  const after = timed.slice(startIdx + 1);
  const ready =
    after.find((x) => READY_DEFINITIVE.test(x.line)) ??
    after.find((x) => READY_STRONG.test(x.line)) ??
    after.find((x) => READY_WEAK.test(x.line) && !START_RE.test(x.line) && !/not ready/i.test(x.line));
  if (!ready) return null;
  const d = ready.t - start.t;
  // Sub-second start-ups say nothing about slowness (the dependency was back at once).
  if (d < 1000 || d > 30 * 60_000) return null;
  return {
    ms: d,
    from: iso(start.t),
    to: iso(ready.t),
    pod: log.pod,
    namespace: log.namespace,
    container: log.container,
    startLine: start.line,
    readyLine: ready.line,
    source: 'log',
  };
}

export type DisruptionVerb =
  | 'rescheduled'
  | 'recreated'
  | 'evicted'
  | 'restarted'
  | 'stopped'
  | 'crash-looping'
  | 'unreachable';

const VERB_RANK: Record<DisruptionVerb, number> = {
  rescheduled: 6,
  recreated: 5,
  evicted: 4,
  restarted: 3,
  stopped: 2,
  'crash-looping': 1,
  unreachable: 0,
};

interface Marker {
  t: string;
  what: string;
  verb: DisruptionVerb;
  node: string | null;
}

function podEventMarker(e: Ev): { what: string; verb: DisruptionVerb } | null {
  switch (e.reason) {
    case 'Killing':
      return /Stopping container|failed (liveness|startup) probe/.test(e.message)
        ? { what: 'stopped', verb: 'stopped' }
        : null;
    case 'Evicted':
      return { what: 'evicted', verb: 'evicted' };
    case 'TaintManagerEviction':
      return /Marking for deletion/i.test(e.message)
        ? { what: 'marked for deletion (NoExecute taint)', verb: 'evicted' }
        : null;
    case 'NodeNotReady':
      return { what: 'marked NotReady with its node', verb: 'unreachable' };
    case 'SpotInterrupted':
      return { what: 'spot interruption', verb: 'evicted' };
    case 'Preempted':
      return { what: 'preempted', verb: 'evicted' };
    case 'BackOff':
      return /restarting failed container/i.test(e.message) ? { what: 'crash-looping', verb: 'crash-looping' } : null;
    case 'OOMKilling':
      return { what: 'OOM-killed', verb: 'restarted' };
    default:
      return null;
  }
}

const NODE_LEVEL = ['SpotInterrupted', 'NodeNotReady', 'TaintManagerEviction', 'Evicted', 'Preempted'];

function nodeEventOf(
  events: readonly Ev[],
  ns: string,
  pods: string[],
  since: number,
  now: number,
  node: string | null,
): DependencyDisruption['nodeEvent'] {
  const hits = events
    .filter(
      (e) =>
        e.kind === 'Pod' &&
        (e.objectNamespace ?? e.namespace) === ns &&
        pods.includes(e.object) &&
        NODE_LEVEL.includes(e.reason) &&
        !/Cancelling deletion/i.test(e.message) &&
        (ms(evTime(e)) ?? 0) >= since &&
        (ms(evTime(e)) ?? 0) <= now,
    )
    .sort(
      (a, b) =>
        NODE_LEVEL.indexOf(a.reason) - NODE_LEVEL.indexOf(b.reason) || (ms(evTime(a)) ?? 0) - (ms(evTime(b)) ?? 0),
    );
  const e = hits[0];
  return e ? { time: evTime(e), reason: e.reason, message: stripCombined(e.message), node } : null;
}

const DISRUPT_REASONS = new Set([
  'Killing',
  'Evicted',
  'TaintManagerEviction',
  'NodeNotReady',
  'SpotInterrupted',
  'Preempted',
  'BackOff',
  'OOMKilling',
]);

function siblingPrefix(p: Pod): string | null {
  const o = p.metadata?.ownerReferences?.find((r) => r.controller) ?? p.metadata?.ownerReferences?.[0];
  if (o?.kind === 'ReplicaSet' || o?.kind === 'Job' || o?.kind === 'DaemonSet') return `${o.name}-`;
  return null;
}

function dependencyView(
  facts: Facts,
  dep: DependencyFacts,
  episodes: NodeEpisode[],
  nodeOf: Map<string, string>,
  targetLogs: LogFacts[],
  since: number,
  now: number,
): DependencyView {
  const ns = dep.service.namespace;
  const name = dep.service.name || dep.host;
  const year = yearOf(facts);
  let best: DependencyDisruption | null = null;
  for (const p of dep.pods) {
    const v = podView(p);
    const markers: Marker[] = [];
    const created = ms(v.createdAt);
    if (created !== null && created >= since && created <= now) {
      markers.push({ t: v.createdAt!, what: 'recreated', verb: 'recreated', node: null });
    }
    let restartedAt: string | null = created !== null && created >= since ? v.createdAt : null;
    for (const c of v.containers) {
      const f = ms(c.last?.finishedAt);
      if (c.last && f !== null && f >= since && f <= now) {
        const why = [c.last.reason, c.last.exitCode !== null ? `exit ${c.last.exitCode}` : null]
          .filter(Boolean)
          .join(', ');
        markers.push({
          t: c.last.finishedAt!,
          what: `container ${c.name} restarted${why ? ` (${why})` : ''}`,
          verb: 'restarted',
          node: v.node,
        });
        restartedAt = c.runningSince ?? restartedAt;
      }
    }
    const prefix = siblingPrefix(p);
    const oldPods = new Set<string>();
    for (const e of facts.events) {
      if (e.kind !== 'Pod' || (e.objectNamespace ?? e.namespace) !== ns || !DISRUPT_REASONS.has(e.reason)) continue;
      const same = e.object === v.name;
      const sibling = prefix !== null && e.object !== v.name && e.object.startsWith(prefix);
      if (!same && !sibling) continue;
      const m = podEventMarker(e);
      if (!m || (m.verb === 'crash-looping' && !same)) continue;
      const t = evTime(e);
      const tv = ms(t);
      if (tv === null || tv < since || tv > now) continue;
      if (sibling) oldPods.add(e.object);
      markers.push({ t, what: m.what, verb: m.verb, node: e.host ?? nodeOf.get(e.object) ?? null });
    }
    const nodes = [
      ...new Set([...markers.map((m) => m.node), ...[...oldPods].map((o) => nodeOf.get(o) ?? null), v.node]),
    ];
    // A node episode on a node this pod (or its old incarnation) ran on, near the disruption or on its node in the window.
    let episode: NodeEpisode | null = null;
    const ref0 = earliest(markers.map((m) => m.t));
    for (const n of nodes) {
      if (!n) continue;
      // With other signs of disruption, only an episode close to them; without, any episode in the window.
      const ep = ref0
        ? episodeNear(episodes, n, ref0, 15 * 60_000, 15 * 60_000)
        : (episodes.find((e) => e.node === n && (ms(e.end) ?? 0) >= since) ?? null);
      if (ep && (!episode || (ms(ep.start) ?? 0) < (ms(episode.start) ?? 0))) episode = ep;
    }
    // Old node unknown (deleted pod/node): a node episode that began when the pod was told its node failed.
    if (!episode) {
      for (const m of markers.filter((x) => x.verb === 'unreachable' || x.verb === 'evicted')) {
        const t = ms(m.t) ?? 0;
        const near = episodes.find((e) =>
          e.marks.some((k) => DISRUPTIVE.has(k.kind) && Math.abs((ms(k.time) ?? 0) - t) <= 120_000),
        );
        if (near) {
          episode = near;
          break;
        }
      }
    }
    if (markers.length === 0 && !episode) continue;
    if (episode)
      markers.push({ t: episode.start, what: `node ${episode.kind}`, verb: 'unreachable', node: episode.node });
    const time = earliest(markers.map((m) => m.t))!;
    const log =
      facts.logs.find((l) => l.namespace === ns && l.pod === v.name && !l.previous && measureRecovery(l, year)) ?? null;
    let recovery = log ? measureRecovery(log, year) : null;
    if (!recovery && restartedAt && v.ready && v.readySince && (ms(v.readySince) ?? 0) > (ms(restartedAt) ?? 0)) {
      const start = v.containers.find((c) => !c.init)?.runningSince ?? restartedAt;
      const d = (ms(v.readySince) ?? 0) - (ms(start) ?? 0);
      if (d >= 1000 && d < 30 * 60_000) {
        recovery = {
          ms: d,
          from: start,
          to: v.readySince,
          pod: v.name,
          namespace: ns,
          container: v.containers.find((c) => !c.init)?.name ?? '',
          startLine: 'container started',
          readyLine: 'pod Ready',
          source: 'ready-condition',
        };
      }
    }
    const what = [...new Set(markers.map((m) => m.what))];
    const oldNode = episode?.node ?? markers.find((m) => m.node && m.node !== v.node)?.node ?? v.node;
    const moved = oldNode !== null && v.node !== null && oldNode !== v.node;
    // Where it ran before: unknown when it was recreated and nothing names its previous node.
    const recreated = created !== null && created >= since;
    const priorNode = episode?.node ?? (moved || !recreated ? oldNode : null);
    const verb = moved
      ? 'rescheduled'
      : ([...markers].sort((a, b) => VERB_RANK[b.verb] - VERB_RANK[a.verb])[0]?.verb ?? 'restarted');
    const d: DependencyDisruption = {
      pod: v.name,
      namespace: ns,
      pods: [...new Set([v.name, ...oldPods])],
      node: priorNode,
      currentNode: v.node,
      time,
      verb,
      restartedAt: restartedAt ?? recovery?.from ?? null,
      what,
      episode,
      readyAt: v.ready ? v.readySince : null,
      recovery,
      latency: slowest(
        facts.logs.filter((l) => l.namespace === ns && l.pod === v.name),
        null,
        facts.now,
      ),
      nodeEvent: nodeEventOf(facts.events, ns, [v.name, ...oldPods], since, now, priorNode),
    };
    if (!best || (ms(d.time) ?? 0) < (ms(best.time) ?? 0)) best = d;
  }
  return {
    dep,
    name,
    ref: ref(ns, 'Service', name),
    disruption: best,
    scaledDown: scaledDownOf(facts, dep, since, now),
    downNow: dep.endpoints.exists && dep.endpoints.ready === 0,
    logHits: dependencyLogHits(dep, targetLogs, year),
  };
}

/** `took 2900 ms`, `duration=5.41s`, JSON `"took":"1.945s"` (not `expected-duration`, a budget). */
/** `Scaled up replica set web-5d8 from 3 to 5` / `… to 5 from 3` (1.30+) / `… to 5` (older). */
export function parseScaling(message: string): { up: boolean; rs: string; from: number | null; to: number } | null {
  const m = /^Scaled (up|down) replica set (\S+) (?:from (\d+) to (\d+)|to (\d+)(?: from (\d+))?)/.exec(message);
  if (!m) return null;
  const to = Number(m[4] ?? m[5]);
  const from = m[3] ?? m[6];
  return { up: m[1] === 'up', rs: m[2] ?? '', from: from === undefined ? null : Number(from), to };
}

/**
 * The dependency's controller scaled to zero in the window: a Deployment's `ScalingReplicaSet … to 0`,
 * or a StatefulSet at 0 replicas that deleted its pods (`SuccessfulDelete`). Only for an empty
 * Service whose controller wants 0 replicas now.
 */
function scaledDownOf(facts: Facts, dep: DependencyFacts, since: number, now: number): DependencyScaleDown | null {
  const b = dep.backing;
  if (!b || dep.pods.length > 0 || (b.replicas !== null && b.replicas > 0)) return null;
  const mine = facts.events
    .filter(
      (e) =>
        e.kind === b.kind &&
        e.object === b.name &&
        (e.objectNamespace ?? e.namespace) === b.namespace &&
        (ms(evTime(e)) ?? 0) >= since &&
        (ms(evTime(e)) ?? 0) <= now,
    )
    .sort((a, c) => (ms(evTime(c)) ?? 0) - (ms(evTime(a)) ?? 0));
  for (const e of mine) {
    const s = e.reason === 'ScalingReplicaSet' ? parseScaling(e.message) : null;
    if (s && !s.up && s.to === 0) {
      return { ...b, time: evTime(e), from: s.from, replicas: b.replicas, message: e.message };
    }
    if (b.kind === 'StatefulSet' && e.reason === 'SuccessfulDelete' && b.replicas === 0) {
      return { ...b, time: evTime(e), from: null, replicas: b.replicas, message: e.message };
    }
  }
  return null;
}

export const DURATION_RE =
  /(?<![\w-])(?:took|duration|latency|response[_ ]time)"?\s*[=:]?\s*"?(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds)\b/i;

/** A request duration written in a log line (`took 2900 ms`, `duration=5.41s`), in seconds. */
export function durationIn(line: string): number | null {
  const m = DURATION_RE.exec(line);
  if (!m) return null;
  const v = Number(m[1]);
  return m[2]!.toLowerCase() === 'ms' ? v / 1000 : v;
}

/** The slowest logged request (optionally only lines naming `path` / matching it), ignoring implausible values. */
export function slowest(logs: readonly LogFacts[], path: string | RegExp | null, now: string): Latency | null {
  let best: Latency | null = null;
  for (const l of logs) {
    for (const line of l.lines) {
      if (typeof path === 'string' && !line.includes(path)) continue;
      if (path instanceof RegExp && !path.test(line)) continue;
      const s = durationIn(line);
      if (s === null || s <= 0 || s > 300) continue;
      if (!best || s > best.seconds) {
        best = {
          seconds: s,
          line,
          pod: l.pod,
          namespace: l.namespace,
          container: l.container,
          time: parseLogTimeIso(line, now),
        };
      }
    }
  }
  return best;
}

const WAIT_RE = /connect|dial|waiting|attempt|retry|establish|ping|reach/i;
const ERR_RE =
  /\b(timed? ?out|timeout|refused|unreachable|reset by peer|deadline exceeded|i\/o timeout|EOF|no route|unavailable|failed|error|cannot|could not)\b/i;

function dependencyLogHits(dep: DependencyFacts, logs: LogFacts[], year: number): DependencyLogHit[] {
  const svc = dep.service.name;
  const tokens = [...new Set([dep.host, svc, dep.host.split('.')[0] ?? ''])].filter((t) => t.length >= 3);
  const hits: DependencyLogHit[] = [];
  for (const l of logs) {
    const lines = l.lines.filter((x) => x.trim().length > 0);
    lines.forEach((line, i) => {
      const lower = line.toLowerCase();
      if (!tokens.some((t) => lower.includes(t.toLowerCase()))) return;
      // Judge values, not setting names: `dial-timeout=3s` in a config dump is no timeout.
      const words = line.replace(/[\w.-]+=(?=\S)/g, '');
      const kind = ERR_RE.test(words) ? 'error' : WAIT_RE.test(words) ? 'waiting' : null;
      if (!kind) return;
      hits.push({
        pod: l.pod,
        namespace: l.namespace,
        container: l.container,
        previous: l.previous,
        line,
        time: parseLogTime(line, year),
        kind,
        last: i === lines.length - 1,
      });
    });
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Health

function health(
  facts: Facts,
  pods: PodView[],
  containers: ContainerView[],
  events: Ev[],
  since: number,
  now: number,
): Health {
  const desired: number | null = facts.target.workload?.spec?.replicas ?? null;
  const running = pods.filter(isActive);
  const ready = running.filter((p) => p.ready);
  const restarted = containers.filter((c) => {
    const f = ms(c.last?.finishedAt);
    const r = ms(c.runningSince);
    return (f !== null && f >= since) || (c.restarts > 0 && r !== null && r >= since);
  });
  const inWindow = events.filter((e) => isFailureEvent(e) && (ms(e.last) ?? 0) >= since && (ms(e.last) ?? 0) <= now);
  // A readiness blip on a pod that is Ready now and has been quiet for 10 min resolved by itself.
  const readyNow = new Set(pods.filter((p) => p.ready).map((p) => p.name));
  const resolved = (e: Ev) =>
    e.reason === 'Unhealthy' &&
    /^Readiness probe/.test(stripCombined(e.message)) &&
    readyNow.has(e.object) &&
    now - (ms(e.last) ?? 0) > 10 * 60_000;
  const failures = inWindow.filter((e) => !resolved(e));
  const blips = inWindow.filter(resolved);
  const symptoms: string[] = [];
  // Run-to-completion workloads are fine with no running pods when their pods succeeded.
  const batch =
    ['Job', 'CronJob'].includes(facts.target.kind) || ['Job', 'CronJob'].includes(facts.target.workload?.kind ?? '');
  const succeeded = pods.some((p) => p.phase === 'Succeeded');
  if (running.length === 0 && (desired ?? 1) > 0 && !(batch && succeeded))
    symptoms.push(`no running pods${desired ? ` (desired ${desired})` : ''}`);
  if (running.length > ready.length) symptoms.push(`${running.length - ready.length}/${running.length} pods not ready`);
  const waiting = new Map<string, Set<string>>();
  for (const c of containers) {
    if (c.waitingReason && c.waitingReason !== 'ContainerCreating' && c.waitingReason !== 'PodInitializing') {
      waiting.set(c.waitingReason, (waiting.get(c.waitingReason) ?? new Set()).add(c.pod));
    } else if (c.waitingReason === 'ContainerCreating') {
      waiting.set('ContainerCreating', (waiting.get('ContainerCreating') ?? new Set()).add(c.pod));
    }
  }
  for (const [reason, set] of [...waiting.entries()].sort()) symptoms.push(`${reason} on ${plural(set.size, 'pod')}`);
  const pending = running.filter((p) => p.phase === 'Pending' && !p.containers.some((c) => c.waitingReason));
  if (pending.length > 0) symptoms.push(`${plural(pending.length, 'pod')} Pending`);
  const totalRestarts = containers.reduce((n, c) => n + c.restarts, 0);
  if (restarted.length > 0)
    symptoms.push(`${plural(totalRestarts, 'restart')} (${restarted.length} containers restarted in the window)`);
  const byReason = new Map<string, number>();
  for (const e of failures) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + e.count);
  const top = [...byReason.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 4);
  if (top.length > 0) symptoms.push(`events ${top.map(([r, n]) => `${r} ×${n}`).join(', ')}`);
  const evicted = pods.filter(
    (p) => (p.reason === 'Evicted' || p.phase === 'Failed') && (ms(lastTransition(p)) ?? 0) >= since,
  );
  if (evicted.length > 0) symptoms.push(`${plural(evicted.length, 'pod')} Failed/${evicted[0]?.reason ?? 'Failed'}`);
  const replicasOk = desired === null || ready.length >= desired;
  const healthy =
    replicasOk &&
    running.length === ready.length &&
    (running.length > 0 || desired === 0 || (batch && succeeded)) &&
    restarted.length === 0 &&
    failures.length === 0 &&
    evicted.length === 0;
  const w = workloadRef(facts);
  const evidence: Evidence[] = [];
  const recovered = healthy
    ? null
    : recoveryOf(facts, pods, restarted, failures, {
        whole:
          replicasOk &&
          running.length > 0 &&
          running.length === ready.length &&
          evicted.length === 0 &&
          waiting.size === 0 &&
          pending.length === 0,
        since,
        now,
      });
  if (recovered) {
    const readyPods = `${ready.length}/${desired ?? running.length} pods Ready now`;
    evidence.push({
      kind: 'status',
      ref: w,
      time: facts.now,
      text: `${readyPods}, whole again since ${clock(recovered.stableSince, facts.now)} (${human(recovered.quietMs)} ago)`,
    });
    evidence.push({
      kind: 'status',
      ref: w,
      time: recovered.stableSince,
      text: `no container restart since ${clock(recovered.stableSince, facts.now)}: restart counts stable (${plural(totalRestarts, 'restart')} in total, ${plural(recovered.restarts, 'container')} restarted between ${clock(recovered.firstFailure, facts.now)} and ${clock(recovered.lastFailure, facts.now)})`,
    });
    evidence.push({
      kind: 'event',
      ref: w,
      time: recovered.lastFailure,
      text: `no failure event about the pods or their owners since ${clock(recovered.lastFailure, facts.now)}${recovered.events ? ` (before: ${recovered.events})` : ''}`,
    });
    const clean = cleanCurrentLog(facts.logs, restarted, recovered.stableSince, now);
    if (clean) {
      evidence.push({
        kind: 'log',
        ref: podRef(clean.namespace, clean.pod),
        time: null,
        text: `current log of ${clean.pod}/${clean.container} shows no error since it came back (last line: "${clean.line.length > 120 ? `${clean.line.slice(0, 119)}…` : clean.line}")`,
      });
    }
  }
  if (healthy) {
    evidence.push({
      kind: 'status',
      ref: w,
      time: facts.now,
      text:
        batch && running.length === 0
          ? 'the Job pods completed successfully'
          : `${ready.length}/${desired ?? running.length} pods Ready now`,
    });
    evidence.push({
      kind: 'status',
      ref: w,
      time: null,
      text: `no container restarts since ${clock(iso(since), facts.now)} (${plural(totalRestarts, 'restart')} in total)`,
    });
    evidence.push({
      kind: 'event',
      ref: w,
      time: null,
      text:
        `no failure events about the pods or their owners in the last ${human(now - since)}` +
        (blips.length > 0
          ? ` (only ${plural(
              blips.reduce((n, e) => n + e.count, 0),
              'transient readiness failure',
            )}, last ${human(now - (ms(blips[blips.length - 1]!.last) ?? now))} ago, resolved)`
          : ''),
    });
  }
  return {
    healthy,
    recovered,
    podsTotal: running.length,
    podsReady: ready.length,
    desired,
    restartsInWindow: restarted.length,
    failureEvents: failures.length,
    symptoms,
    evidence,
    blips: {
      count: blips.reduce((n, e) => n + e.count, 0),
      last: blips.length > 0 ? (blips[blips.length - 1]!.last ?? null) : null,
    },
  };
}

/** Quiet time after which a failure episode of a target that is whole again counts as resolved. */
export const RECOVERY_QUIET_MS = 30 * 60_000;

function recoveryOf(
  facts: Facts,
  pods: PodView[],
  restarted: ContainerView[],
  failures: Ev[],
  o: { whole: boolean; since: number; now: number },
): RecoveredEpisode | null {
  if (!o.whole || (restarted.length === 0 && failures.length === 0)) return null;
  // Still crashing or not started: a container that is not running now is no recovery.
  if (restarted.some((c) => c.runningSince === null)) return null;
  const lastFailure = latest([...failures.map((e) => e.last), ...restarted.map((c) => c.last?.finishedAt)]);
  const firstFailure = earliest([
    ...failures.map(evTime),
    ...restarted.map((c) => c.last?.finishedAt).filter((t) => (ms(t) ?? 0) >= o.since),
  ]);
  // Whole again: the last restarted container up and every pod that changed Ready in the window Ready.
  const stableSince = latest([
    lastFailure,
    ...restarted.map((c) => c.runningSince),
    ...pods.filter((p) => isActive(p) && (ms(p.readySince) ?? 0) >= o.since).map((p) => p.readySince),
  ]);
  const stable = ms(stableSince);
  if (!lastFailure || !stableSince || stable === null || o.now - stable < RECOVERY_QUIET_MS) return null;
  // The current run must look healthy: no error in the current log since it came back.
  for (const c of restarted) {
    const cur = facts.logs.find((l) => l.pod === c.pod && l.container === c.name && !l.previous && l.lines.length > 0);
    if (cur && recentLines(cur, stable, o.now).some(isErrorLine)) return null;
  }
  const byReason = new Map<string, number>();
  for (const e of failures) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + e.count);
  const codes = [...new Set(restarted.map((c) => c.last?.exitCode).filter((x) => x !== null && x !== undefined))];
  const events = [...byReason.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([r, n]) => `${r} ×${n}`);
  const parts = [
    ...(restarted.length > 0
      ? [`${plural(restarted.length, 'container')} restarted${codes.length > 0 ? ` (exit ${codes.join('/')})` : ''}`]
      : []),
    ...events,
  ];
  return {
    lastFailure,
    firstFailure,
    stableSince,
    quietMs: o.now - stable,
    restarts: restarted.length,
    what: parts.join(', '),
    events: events.join(', '),
  };
}

/** Lines of a log written after `from` (all timed lines), or its last 10 lines when they carry no time. */
function recentLines(log: LogFacts, from: number, now: number): string[] {
  const year = new Date(now).getUTCFullYear();
  const timed = log.lines.map((line) => ({ line, t: parseLogTime(line, year) }));
  if (timed.some((x) => x.t !== null)) return timed.filter((x) => x.t !== null && x.t >= from).map((x) => x.line);
  return log.lines.slice(-10);
}

/** The current log of a restarted container, error-free since `from`, with its last line. */
function cleanCurrentLog(
  logs: readonly LogFacts[],
  restarted: readonly ContainerView[],
  from: string,
  now: number,
): { pod: string; namespace: string; container: string; line: string } | null {
  const f = ms(from) ?? 0;
  for (const c of restarted) {
    const cur = logs.find((l) => l.pod === c.pod && l.container === c.name && !l.previous && l.lines.length > 0);
    if (!cur) continue;
    const recent = recentLines(cur, f, now);
    if (recent.length === 0 || recent.some(isErrorLine)) continue;
    return { pod: cur.pod, namespace: cur.namespace, container: cur.container, line: recent[recent.length - 1]! };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

export function derive(facts: Facts): Derived {
  const now = ms(facts.now) ?? 0;
  const since = ms(facts.since) ?? now - 2 * 3600_000;
  const namespace = facts.target.namespace;
  const pods = facts.pods.map(podView);
  // Containers of active pods, and of pods that failed inside the window (old Evicted leftovers are history).
  const containers = pods
    .filter((p) => isActive(p) || (ms(lastTransition(p)) ?? 0) >= since)
    .flatMap((p) => p.containers);
  const targetPodNames = new Set<string>([
    ...pods.map((p) => p.name),
    ...facts.deletedPods.filter((d) => d.namespace === namespace).map((d) => d.name),
  ]);
  const ownerNames = new Set<string>(
    [
      facts.target.workload?.metadata?.name,
      ...facts.revisions.map((r) => r.name),
      ...facts.target.ownerChain.map((o) => o.name),
      facts.target.kind !== 'Pod' ? facts.target.name : undefined,
    ].filter((x): x is string => Boolean(x)),
  );
  const events = facts.events
    .filter((e) => {
      const ns = e.objectNamespace ?? e.namespace;
      if (ns !== namespace) return false;
      if (e.kind === 'Pod') return targetPodNames.has(e.object);
      return OWNER_KINDS.has(e.kind) && ownerNames.has(e.object);
    })
    .sort((a, b) => (ms(evTime(a)) ?? 0) - (ms(evTime(b)) ?? 0) || a.name.localeCompare(b.name));
  const inWin = (e: Ev) => (ms(e.last) ?? 0) >= since;
  const probeFailures = events
    .filter(inWin)
    .map(parseProbeEvent)
    .filter((x): x is ProbeFailure => x !== null);
  const probeKills = events
    .filter(inWin)
    .map(parseProbeKill)
    .filter((x): x is ProbeKill => x !== null);
  const backOffs = events.filter(
    (e) => inWin(e) && e.reason === 'BackOff' && /restarting failed container/i.test(stripCombined(e.message)),
  );

  // First failure: earliest failure event or failed container termination inside the window.
  const signs: FailureSign[] = [];
  for (const e of events) {
    if (!isFailureEvent(e)) continue;
    const t = evTime(e);
    const v = ms(t);
    if (v === null || v < since || v > now) continue;
    signs.push({ time: t, ref: ref(namespace, e.kind, e.object), text: `${e.reason}: ${stripCombined(e.message)}` });
  }
  for (const c of containers) {
    for (const t of [c.last, c.terminated]) {
      const f = ms(t?.finishedAt);
      if (!t || f === null || f < since || f > now) continue;
      if (!isFailedRun(t) && !(c.restarts > 0 && !c.init)) continue;
      signs.push({
        time: t.finishedAt!,
        ref: podRef(namespace, c.pod),
        text: `container ${c.name} terminated (${t.reason ?? 'exit'} ${t.exitCode ?? ''})`.replace(' )', ')'),
      });
    }
  }
  signs.sort((a, b) => (ms(a.time) ?? 0) - (ms(b.time) ?? 0) || a.ref.localeCompare(b.ref));
  const firstFailureSign = signs[0] ?? null;

  const nodeOf = new Map<string, string>();
  for (const n of facts.nodes) for (const p of n.pods) nodeOf.set(p, n.name);
  for (const d of facts.deletedPods) if (d.node) nodeOf.set(d.name, d.node);
  for (const e of facts.events) {
    if (e.kind === 'Pod' && e.host && e.source === 'kubelet' && !nodeOf.has(e.object)) nodeOf.set(e.object, e.host);
    const sm = e.reason === 'Scheduled' ? /assigned \S+?\/(\S+) to (\S+)/.exec(e.message) : null;
    if (sm && !nodeOf.has(sm[1]!)) nodeOf.set(sm[1]!, sm[2]!);
  }
  for (const p of [...facts.pods, ...facts.dependencies.flatMap((d) => d.pods)]) {
    if (p.metadata?.name && p.spec?.nodeName) nodeOf.set(p.metadata.name, p.spec.nodeName);
  }

  const nodeEps = nodeEpisodes(facts, since, now);
  const targetLogs = facts.logs.filter((l) => l.namespace === namespace && targetPodNames.has(l.pod));
  const dependencies = facts.dependencies.map((d) => dependencyView(facts, d, nodeEps, nodeOf, targetLogs, since, now));

  return {
    now,
    since,
    namespace,
    targetPodNames,
    ownerNames,
    pods,
    containers,
    events,
    probeFailures,
    probeKills,
    backOffs,
    firstFailure: firstFailureSign?.time ?? null,
    firstFailureSign,
    nodeEpisodes: nodeEps,
    nodeOf,
    lastRollout: lastRollout(facts, pods),
    dependencies,
    health: health(facts, pods, containers, events, since, now),
  };
}

/** Events of the target in the window, optionally filtered by reason. */
export function targetEvents(d: Derived, ...reasons: string[]): Ev[] {
  return d.events.filter((e) => (ms(e.last) ?? 0) >= d.since && (reasons.length === 0 || reasons.includes(e.reason)));
}

/** Sum of counts and time span of a group of events. */
export function eventSpan(evs: readonly Ev[]): {
  count: number;
  first: string | null;
  last: string | null;
  pods: string[];
} {
  return {
    count: evs.reduce((n, e) => n + e.count, 0),
    first: earliest(evs.map(evTime)),
    last: latest(evs.map((e) => e.last)),
    pods: [...new Set(evs.filter((e) => e.kind === 'Pod').map((e) => e.object))].sort(),
  };
}

/** How many replicas the target has (live pods, desired replicas), at least `affected`. */
export function replicaTotal(facts: Facts, d: Derived, affected: number): number {
  const live = d.pods.filter(isActive).length;
  const desired: number = facts.target.workload?.spec?.replicas ?? 0;
  return Math.max(live, desired, affected);
}

/**
 * The latest rollout, when the first failure came long after it with every active pod on it:
 * ≥ 60 min, or ≥ 15 min of clean running when the rollout did not touch probes or resources (the
 * changes that fail late). Null when the rollout could still be the cause.
 */
export function rolloutExonerated(d: Derived): { gapMs: number; reason: string } | null {
  const r = d.lastRollout;
  const ff = ms(d.firstFailure);
  const at = ms(r?.createdAt);
  if (!r || ff === null || at === null || r.podsOnOlder > 0 || r.progressDeadlineExceeded) return null;
  const gap = ff - at;
  const lateFailing = r.changes.some((c) => /^(resources|livenessProbe|readinessProbe|startupProbe) /.test(c));
  if (gap < 15 * 60_000 || (gap < 60 * 60_000 && lateFailing)) return null;
  const owner = r.revision.kind === 'ReplicaSet' ? 'ReplicaSet' : 'revision';
  const clean = gap < 3 * 3600_000 ? `, its pods ran cleanly for ${human(gap)}` : '';
  return {
    gapMs: gap,
    reason: `last rollout ${human(gap)} before the first failure${clean}; ${owner} unchanged since (revision ${r.revision.revision}, ${r.revision.name})`,
  };
}

/**
 * The latest rollout when it came shortly before the first failure (≤ 60 min) and changed
 * something matching `re` (e.g. /^readinessProbe /): the trigger of a mechanism-level cause.
 */
export function recentChange(d: Derived, re: RegExp): { change: string; rollout: RolloutView; text: string } | null {
  const r = d.lastRollout;
  const at = ms(r?.createdAt);
  const ff = ms(d.firstFailure);
  if (!r?.previous || at === null || ff === null || at > ff + 60_000 || ff - at > 60 * 60_000) return null;
  const change = r.changes.find((c) => re.test(c));
  if (!change) return null;
  return {
    change,
    rollout: r,
    text: `rollout to revision ${r.revision.revision} at ${clock(r.createdAt)} (${change})`,
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches rollout changes about container `name`, optionally only the given fields (`livenessProbe`, `env`…). */
export function changeOf(name: string, fields: readonly string[] = []): RegExp {
  const n = escapeRe(name);
  if (fields.length === 0) return new RegExp(`^(container ${n} |\\S+ ${n}[ :])`);
  return new RegExp(`^(${fields.map(escapeRe).join('|')}) ${n}[ :]`);
}

/** Evidence that the recent rollout made the change (kind `rollout`). */
export function changeSignal(facts: Facts, c: { change: string; rollout: RolloutView }): Evidence {
  const r = c.rollout;
  return {
    kind: 'rollout',
    ref: ref(facts.target.namespace, r.revision.kind, r.revision.name),
    time: r.createdAt,
    text: `Revision ${r.revision.revision} (${clock(r.createdAt, facts.now)}) introduced it: ${c.change}`,
  };
}

const NEAR_BEFORE = 15 * 60_000;
const NEAR_AFTER = 2 * 60_000;

/** The dependency's disruption when it began within [ff − 15 min, ff + 2 min]. */
export function disruptionNear(v: DependencyView, ff: number): DependencyDisruption | null {
  const t = ms(v.disruption?.time);
  return t !== null && t >= ff - NEAR_BEFORE && t <= ff + NEAR_AFTER ? v.disruption : null;
}

/**
 * The dependency most likely involved in failures starting at `ff`: a disruption close before
 * it (more with a node episode), the app logging trouble with it, no ready endpoints now.
 */
export function dependencyNear(d: Derived, ff: number): DependencyView | null {
  const scored = d.dependencies
    .map((v) => {
      const x = disruptionNear(v, ff);
      const score = (x ? 4 : 0) + (x?.episode ? 2 : 0) + (v.logHits.length > 0 ? 1 : 0) + (v.downNow ? 1 : 0);
      return { v, score, t: ms(v.disruption?.time) ?? Number.POSITIVE_INFINITY };
    })
    .filter((x) => x.score >= 4 || x.v.logHits.length > 0)
    .sort((a, b) => b.score - a.score || Math.abs(a.t - ff) - Math.abs(b.t - ff) || a.v.name.localeCompare(b.v.name));
  return scored[0]?.v ?? null;
}
