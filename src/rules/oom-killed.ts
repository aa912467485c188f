/**
 * FM-02: a container exceeded its memory limit (`lastState.terminated.reason: OOMKilled`).
 * Exit code 137 without OOMKilled is not an OOM kill (liveness kill, grace period, eviction).
 */
import {
  bytes,
  type ContainerView,
  formatBytes,
  niceMemoryAtLeast,
  recentTerminations,
  templateContainer,
} from '../analysis/containers.js';
import { type Derived, replicaTotal } from '../analysis/derive.js';
import { containerPatch, list, podRef, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { clock, human, latest, ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Container } from '../domain/k8s.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const XMX = /(?:^|\s)-Xmx(\d+)([kKmMgG]?)\b/;
const UNIT: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, '': 1 };

/** A JVM max-heap flag set on the container (env values, command, args): bytes and where. */
export function jvmMaxHeap(c: Container | null | undefined): { bytes: number; flag: string; where: string } | null {
  const places: { where: string; value: string }[] = [
    ...(c?.env ?? [])
      .filter((e) => typeof e.value === 'string')
      .map((e) => ({ where: `env ${e.name}`, value: e.value! })),
    ...[...(c?.command ?? []), ...(c?.args ?? [])].map((v) => ({ where: 'command/args', value: v })),
  ];
  for (const p of places) {
    const m = XMX.exec(p.value);
    if (m)
      return {
        bytes: Number(m[1]) * (UNIT[(m[2] ?? '').toLowerCase()] ?? 1),
        flag: `-Xmx${m[1]}${m[2]}`,
        where: p.where,
      };
  }
  return null;
}

function oomRun(c: ContainerView) {
  if (c.last?.reason === 'OOMKilled') return c.last;
  if (c.terminated?.reason === 'OOMKilled') return c.terminated;
  return null;
}

export const oomKilled: Rule = {
  id: 'oom-killed',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const oom = d.containers.filter((c) => oomRun(c) !== null);
    if (oom.length === 0) {
      const k137 = d.containers.filter((c) => c.last?.exitCode === 137 || c.terminated?.exitCode === 137);
      if (k137.length === 0) return neverOomKilled(facts, d);
      const c = k137[0]!;
      const reason = (c.last?.exitCode === 137 ? c.last : c.terminated)?.reason ?? 'Error';
      return {
        kind: 'ruled-out',
        reason: `exit code 137 on ${c.pod}/${c.name} has reason ${reason}, not OOMKilled (SIGKILL after a probe kill, grace period or eviction)`,
      };
    }
    const pods = [...new Set(oom.map((c) => c.pod))];
    const names = [...new Set(oom.map((c) => `${c.init ? 'init:' : ''}${c.name}`))];
    const finished = latest(oom.map((c) => oomRun(c)?.finishedAt));
    const runtimes = oom.map((c) => oomRun(c)?.runtimeMs).filter((x): x is number => x !== null && x !== undefined);
    const total = replicaTotal(facts, d, pods.length);
    const signals: Evidence[] = [];
    const first = oom[0]!;
    signals.push(
      signal(
        'status',
        podRef(first.namespace, first.pod),
        finished,
        `Container ${list(names)} on ${pods.length}/${total} pods last terminated OOMKilled (exit 137)` +
          `${finished ? ` at ${clock(finished, facts.now)}` : ''}${runtimes.length > 0 ? ` after running ${human(Math.min(...runtimes))}` : ''}`,
      ),
    );
    const restarts = oom.reduce((n, c) => n + c.restarts, 0);
    const loop = oom.filter((c) => c.waitingReason === 'CrashLoopBackOff');
    const backOff = d.backOffs.filter((e) => oom.some((c) => c.pod === e.object));
    if (restarts > 1 || loop.length > 0 || backOff.length > 0) {
      signals.push(
        signal(
          'event',
          podRef(first.namespace, first.pod),
          backOff[0]?.first ?? backOff[0]?.last ?? null,
          `Repeated: ${restarts} restarts${loop.length > 0 ? `, ${loop.length} container(s) in CrashLoopBackOff` : ''}${backOff.length > 0 ? `, BackOff ×${backOff.reduce((n, e) => n + e.count, 0)}` : ''}`,
        ),
      );
    }
    // The limit that was hit.
    const entries: { name: string; fields: Record<string, unknown>; init?: boolean }[] = [];
    const changes: string[] = [];
    const heaps: string[] = [];
    for (const c of dedupeByName(oom)) {
      const spec = templateContainer(facts, c.name, c.init) ?? c.spec;
      const limit = bytes(spec?.resources?.limits?.memory);
      if (limit === null) continue;
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `Container ${c.name} has limits.memory ${spec?.resources?.limits?.memory}${spec?.resources?.requests?.memory ? ` (requests ${spec.resources.requests.memory})` : ''}`,
        ),
      );
      // The JVM heap alone may be allowed past the limit (-Xmx ≥ limit): the OOM is by construction.
      const heap = jvmMaxHeap(spec);
      if (heap && heap.bytes >= limit * 0.9) {
        heaps.push(`${heap.flag} on ${c.name}`);
        signals.push(
          signal(
            'spec',
            workloadRef(facts),
            null,
            `${heap.flag} (${heap.where}) lets the JVM heap of ${c.name} grow to ${formatBytes(heap.bytes)}, not below its ${formatBytes(limit)} limit: heap plus off-heap memory outgrow the container`,
          ),
        );
      }
      const next = niceMemoryAtLeast(Math.max(limit * 2, heap ? heap.bytes * 1.3 : 0));
      entries.push({
        name: c.name,
        init: c.init,
        fields: { resources: { limits: { memory: next }, requests: { memory: next } } },
      });
      changes.push(`raise ${c.name} memory limit ${formatBytes(limit)}→${next} (request ${next})`);
    }
    const uniqueSignals = dedupeSpec(signals);
    const node = facts.events.find(
      (e) =>
        e.kind === 'Node' &&
        e.reason === 'SystemOOM' &&
        pods.some((p) => d.nodeOf.get(p) === e.object) &&
        (ms(e.last) ?? 0) >= d.since,
    );
    const advice =
      `Memory use of ${list(names)} exceeds its limit. Raise the limit to the observed peak plus headroom (and the request close to it), ` +
      `or bound the app's memory (heap flags such as -XX:MaxRAMPercentage=75, worker count, cache size); check for a leak if usage grows steadily.` +
      (heaps.length > 0
        ? ` The JVM heap is allowed past the limit (${list(heaps)}): keep the heap well below the limit (or drop -Xmx for -XX:MaxRAMPercentage=75).`
        : '') +
      (node ? ` Node ${node.object} also reported SystemOOM: check node memory pressure.` : '') +
      (entries.length === 0
        ? ' No memory limit is set, so the kill came from node memory exhaustion: set requests/limits.'
        : '');
    return {
      kind: 'match',
      summary: `Container ${list(names)} of ${facts.target.workload?.metadata?.name ?? facts.target.name} is OOMKilled: it exceeds its memory limit${entries.length > 0 ? ` (${list(entries.map((e) => `${e.name} ${templateContainer(facts, e.name, e.init)?.resources?.limits?.memory ?? '?'}`))})` : ''}`,
      signals: uniqueSignals,
      trigger: null,
      fix: entries.length > 0 ? workloadFix(facts, changes.join('; '), containerPatch(entries)) : null,
      advice,
      explains: ['app-crash', 'init-container-failed', 'graceful-shutdown-timeout', 'bad-rollout'],
    };
  },
};

/**
 * The containers fail or restart, every recorded termination is the process's own exit (no
 * OOMKilled, no 137) and no OOM event was seen for the pods or their nodes: say so. Null when
 * nothing terminated (no evidence either way) or an OOM event leaves it open.
 */
function neverOomKilled(facts: Facts, d: Derived): RuleOutcome {
  const runs = recentTerminations(d.containers, d.since, d.now);
  if (runs.length === 0) return null;
  if (runs.some(({ t }) => t.reason === 'OOMKilled' || t.exitCode === 137)) return null;
  const pods = [...new Set(runs.map(({ c }) => c.pod))];
  const nodes = new Set(pods.map((p) => d.nodeOf.get(p)).filter((n): n is string => Boolean(n)));
  const oomEvent = facts.events.some(
    (e) =>
      (ms(e.last) ?? 0) >= d.since &&
      ((e.reason === 'OOMKilling' && e.kind === 'Pod' && d.targetPodNames.has(e.object)) ||
        (e.reason === 'SystemOOM' && e.kind === 'Node' && nodes.has(e.object)) ||
        (e.kind === 'Pod' && d.targetPodNames.has(e.object) && /\bOOMKill/i.test(e.message))),
  );
  if (oomEvent) return null;
  const names = [...new Set(runs.map(({ c }) => `${c.init ? 'init:' : ''}${c.name}`))];
  const codes = [...new Set(runs.map(({ t }) => t.exitCode).filter((x): x is number => x !== null))];
  const reasons = [...new Set(runs.map(({ t }) => t.reason ?? 'Error'))];
  const total = replicaTotal(facts, d, pods.length);
  // A signal exit (128+n, e.g. 143 after SIGTERM) or a probe kill is a stop, not the process exiting on its own.
  const stopped = codes.some((x) => x >= 128) || d.probeKills.some((k) => pods.includes(k.pod));
  const verb = stopped ? 'terminated' : names.length > 1 ? 'exit' : 'exits';
  const exits = codes.length > 0 ? `code ${codes.join('/')} (${reasons.join('/')})` : `reason ${reasons.join('/')}`;
  const limits = dedupeByName(runs.map(({ c }) => c)).map((c) => ({
    name: c.name,
    limit: (templateContainer(facts, c.name, c.init) ?? c.spec)?.resources?.limits?.memory ?? null,
  }));
  const set = limits.filter((l) => l.limit !== null && l.limit !== undefined);
  const limitText =
    set.length === 0
      ? 'no memory limit is set'
      : limits.length === 1
        ? `the memory limit ${set[0]!.limit} never killed it`
        : `memory limit${set.length > 1 ? 's' : ''} ${list(set.map((l) => `${l.name} ${l.limit}`))} never killed them`;
  return {
    kind: 'ruled-out',
    reason: `${list(names)} on ${pods.length}/${total} pods ${verb} with ${exits}, never OOMKilled (no exit 137); ${limitText} and no OOM event`,
  };
}

function dedupeByName(cs: ContainerView[]): ContainerView[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = `${c.init}|${c.name}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Several limits are one spec observation: merge them into one signal. */
function dedupeSpec(signals: Evidence[]): Evidence[] {
  const spec = signals.filter((s) => s.kind === 'spec');
  if (spec.length <= 1) return signals;
  const merged: Evidence = { ...spec[0]!, text: spec.map((s) => s.text).join('; ') };
  return [...signals.filter((s) => s.kind !== 'spec'), merged];
}
