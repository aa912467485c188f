/**
 * FM-08: pods run but never become Ready; the Service has no ready endpoints. The cause is inside
 * the pod or its probe (wrong port/path, app not ready). Readiness failures that only accompany
 * liveness/startup kills are a symptom of those and are left to them.
 */
import { declaredPorts, isActive, type PodView, templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, recentChange, replicaTotal } from '../analysis/derive.js';
import { containerPatch, list, podRef, quote, ref, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { describeMode, group, type ProbeFailure, probeTarget } from '../analysis/probes.js';
import { clock, human, ms, relative } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

/** A pod younger than this that is not Ready yet may still be starting (longer when its siblings took longer). */
const STARTUP_MS = 2 * 60_000;
const SLACK_MS = 5000;

/** When the pod's app containers last started (the latest running startedAt), null when one is not running. */
function startedAt(p: PodView): number | null {
  const cs = p.containers.filter((c) => !c.init);
  if (cs.length === 0) return null;
  let t = Number.NEGATIVE_INFINITY;
  for (const c of cs) {
    const s = ms(c.runningSince);
    if (s === null || c.waitingReason) return null;
    t = Math.max(t, s);
  }
  return t;
}

/** When a Ready pod became Ready: the later of its Ready and ContainersReady transitions. */
function readyAt(p: PodView): number | null {
  if (!p.ready) return null;
  const ts = (p.pod.status?.conditions ?? [])
    .filter((c) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status === 'True')
    .map((c) => ms(c.lastTransitionTime))
    .filter((x): x is number => x !== null);
  return ts.length > 0 ? Math.max(...ts) : null;
}

const firstRun = (p: PodView) => p.containers.every((c) => c.init || c.restarts === 0);

export interface StartUp {
  /** Ready pods (first run) → ms from their containers' start to Ready. */
  becameReady: Map<string, number>;
  /**
   * Pods not Ready yet on their first run, younger than the start-up allowance, while pods of the
   * same revision (same owner) are Ready: they are still starting → their age in ms.
   */
  starting: Map<string, number>;
  /** The allowance used: 2 min, or the slowest start-up a sibling took when longer. */
  allowanceMs: number;
}

/**
 * Pods in an ordinary start-up. A pod of a revision whose other pods are Ready, that has not
 * restarted and is younger than the slowest start-up seen (at least 2 min), is starting, not
 * failing: its probe is expected to fail (often connection refused) until the app listens.
 */
export function startUp(d: Derived): StartUp {
  const becameReady = new Map<string, number>();
  for (const p of d.pods) {
    const s = startedAt(p);
    const r = readyAt(p);
    if (s !== null && r !== null && r >= s && firstRun(p)) becameReady.set(p.name, r - s);
  }
  const allowanceMs = Math.max(STARTUP_MS, ...becameReady.values());
  const starting = new Map<string, number>();
  for (const p of d.pods) {
    if (p.ready || !isActive(p) || p.phase !== 'Running' || !firstRun(p) || p.owner === null) continue;
    const s = startedAt(p);
    if (s === null || d.now - s > allowanceMs) continue;
    if (!d.pods.some((q) => q !== p && q.owner === p.owner && isActive(q) && q.ready)) continue;
    starting.set(p.name, d.now - s);
  }
  return { becameReady, starting, allowanceMs };
}

/**
 * Readiness failures of an ordinary start-up: on a pod still starting (see `startUp`), or on a pod
 * that failed only between its start and becoming Ready.
 */
function startUpFailures(d: Derived, su: StartUp, failures: readonly ProbeFailure[]): ProbeFailure[] {
  const byName = new Map(d.pods.map((p) => [p.name, p]));
  return failures.filter((f) => {
    if (su.starting.has(f.pod)) return true;
    const p = byName.get(f.pod);
    if (!p || !su.becameReady.has(f.pod)) return false;
    const s = startedAt(p)!;
    const r = readyAt(p)!;
    const first = ms(f.first);
    const last = ms(f.last);
    return first !== null && last !== null && first >= s - SLACK_MS && last <= r + SLACK_MS;
  });
}

export const readinessProbeFailing: Rule = {
  id: 'readiness-probe-failing',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const failures = d.probeFailures.filter((f) => f.probe === 'readiness');
    if (failures.length === 0) {
      // A Service without ready endpoints while every pod is Ready is not a readiness problem.
      const empty = facts.services.find((s) => s.endpoints.ready === 0);
      const active = d.pods.filter(isActive);
      return empty && active.length > 0 && active.every((p) => p.ready)
        ? {
            kind: 'ruled-out',
            reason: `all ${active.length} pods are Ready and no readiness probe failed, yet Service ${empty.name} has no ready endpoints: the gap is between the Service and the pods`,
          }
        : null;
    }
    const killed = new Set(d.probeKills.map((k) => `${k.pod}|${k.container ?? ''}`));
    // A container that keeps restarting (OOM kills, crashes) fails readiness while it starts again:
    // those failures are a symptom of whatever makes it restart, not a readiness problem.
    const restarting = d.containers.filter(
      (c) => !c.init && (c.waitingReason === 'CrashLoopBackOff' || (ms(c.last?.finishedAt) ?? 0) >= d.since),
    );
    const restarts = (f: { pod: string; container: string | null }) =>
      restarting.some((c) => c.pod === f.pod && (f.container === null || f.container === c.name));
    const mine = failures.filter((f) => !killed.has(`${f.pod}|${f.container ?? ''}`) && !restarts(f));
    // Failures while a pod starts (nothing listens yet) are the probe doing its job, not a failure.
    const su = startUp(d);
    const early = startUpFailures(d, su, mine);
    const own = mine.filter((f) => !early.includes(f));
    if (own.length === 0 && early.length > 0) {
      const ready = [...new Set(early.map((f) => f.pod))].filter((p) => su.becameReady.has(p));
      const starting = [...new Set(early.map((f) => f.pod))].filter((p) => su.starting.has(p));
      const parts = [
        ...ready.map((p) => `${p} became Ready ${human(su.becameReady.get(p)!)} after its container started`),
        ...starting.map(
          (p) =>
            `${p} started ${human(su.starting.get(p)!)} ago and is still starting while other pods of its revision are Ready`,
        ),
      ];
      return {
        kind: 'ruled-out',
        reason: `the readiness failures (${describeMode(early)}, ×${group(early).count}) are ordinary start-up: ${list(parts, 4)}; no pod failed readiness after starting`,
      };
    }
    if (own.length === 0) {
      const during = failures.filter((f) => !killed.has(`${f.pod}|${f.container ?? ''}`) && restarts(f));
      const c = restarting[0];
      if (during.length === 0 || !c) return null;
      const why = c.last?.reason
        ? `${c.last.reason}${c.last.exitCode !== null ? `, exit ${c.last.exitCode}` : ''}`
        : 'restarts';
      return {
        kind: 'ruled-out',
        reason: `the readiness failures (${describeMode(during)}, ×${group(during).count}) come while ${c.name} restarts (${why}): a symptom of what makes it restart, not a readiness problem`,
      };
    }
    const g = group(own);
    const notReady = d.pods.filter((p) => p.phase === 'Running' && !p.ready && !p.deleting && !su.starting.has(p.name));
    const svc = facts.services.find((s) => s.matchesTemplate && s.endpoints.exists);
    const noEndpoints = svc !== undefined && svc.endpoints.ready === 0;
    if (notReady.length === 0 && !noEndpoints) return null;
    const ns = facts.target.namespace;
    const total = replicaTotal(facts, d, g.pods.length);
    const mode = describeMode(own);
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, g.pods[0] ?? ''),
        g.first,
        `Readiness probe fails (${mode}) on ${g.pods.length}/${total} pods from ${clock(g.first, facts.now)} (×${g.count}): ${own[0]!.message}`,
      ),
    ];
    if (notReady.length > 0) {
      const restarts = notReady.flatMap((p) => p.containers).reduce((n, c) => n + c.restarts, 0);
      signals.push(
        signal(
          'status',
          podRef(ns, notReady[0]!.name),
          facts.now,
          `${notReady.length}/${total} pods are Running but not Ready (ContainersNotReady), ${restarts} restarts`,
        ),
      );
    }
    if (svc && noEndpoints) {
      signals.push(
        signal(
          'status',
          ref(svc.namespace, 'Service', svc.name),
          facts.now,
          `Service ${svc.name} has no ready endpoints (${svc.endpoints.notReady} not ready)`,
        ),
      );
    }
    const cname = g.containers[0] ?? facts.target.template?.spec?.containers?.[0]?.name ?? '';
    const spec = templateContainer(facts, cname);
    const target = probeTarget(spec?.readinessProbe, spec);
    const refused = own.filter((f) => f.mode === 'refused');
    let fix: Fix | null = null;
    const ports = declaredPorts(spec);
    if (refused.length > 0 && target.portDeclared === false && ports.length > 0) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `readinessProbe of ${cname} targets port ${target.rawPort}, which the container does not declare (ports: ${list(ports.map((p) => String(p.port)))})`,
        ),
      );
      if (ports.length === 1 && (target.kind === 'http' || target.kind === 'tcp')) {
        const key = target.kind === 'http' ? 'httpGet' : 'tcpSocket';
        fix = workloadFix(
          facts,
          `point readinessProbe of container ${cname} at its declared port ${target.rawPort}→${ports[0]!.port}`,
          containerPatch([{ name: cname, fields: { readinessProbe: { [key]: { port: ports[0]!.port } } } }]),
        );
      }
    }
    const change = recentChange(d, changeOf(cname, ['readinessProbe']));
    if (change) signals.push(changeSignal(facts, change));
    const dep = d.dependencies.find((v) => v.downNow);
    // The app answers "not ready" (it is reachable) while a dependency it uses has no endpoints: the
    // dependency is why; what emptied it (its controller scaled to 0) is the trigger.
    const answers = own.some((f) => f.mode !== 'refused' && !(f.mode === 'status' && f.status === 404));
    const ff = ms(g.first);
    const cut =
      dep?.scaledDown && ff !== null && (ms(dep.scaledDown.time) ?? 0) <= ff + 2 * 60_000 ? dep.scaledDown : null;
    const blames = dep && answers && fix === null ? dep : null;
    const w = facts.target.workload?.metadata?.name ?? facts.target.name;
    const via = blames?.dep.sources[0] ? ` via ${blames.dep.sources[0].via}` : '';
    if (blames && cut) {
      signals.push(
        signal(
          'status',
          ref(cut.namespace, cut.kind, cut.name),
          cut.time,
          `${cut.kind} ${cut.namespace}/${cut.name}, behind Service ${blames.name} that ${w} uses${via}, was scaled ${cut.from !== null ? `from ${cut.from} ` : ''}to 0 at ${clock(cut.time, facts.now)} ("${quote(cut.message, 120)}"), ${relative(cut.time, g.first)} the first readiness failure; the Service has had no endpoints since`,
        ),
      );
    } else if (blames) {
      signals.push(
        signal(
          'status',
          blames.ref,
          facts.now,
          `Service ${blames.name} (used by ${w}${via}) has no ready endpoints (${blames.dep.endpoints.notReady} not ready)`,
        ),
      );
    }
    const hit = blames?.logHits.find((h) => h.kind === 'error');
    if (blames && hit) {
      signals.push(
        signal(
          'log',
          podRef(hit.namespace, hit.pod),
          hit.time ? new Date(hit.time).toISOString() : null,
          `${hit.pod} log${hit.previous ? ' (previous run)' : ''} shows it cannot reach ${blames.name}: "${quote(hit.line, 160)}"`,
        ),
      );
    }
    // Scaling it back to where it was is a one-field, reversible patch on the dependency's controller.
    const restore =
      blames && cut && cut.from !== null && cut.from > 0 && ['Deployment', 'StatefulSet'].includes(cut.kind)
        ? {
            summary: `scale ${cut.kind} ${cut.namespace}/${cut.name} back to ${cut.from} replica${cut.from === 1 ? '' : 's'} (scaled from ${cut.from} to 0 at ${clock(cut.time, facts.now)}; Service ${blames.name} has had no endpoints since) — check first that the scale-down was not deliberate maintenance`,
            resource: { apiVersion: 'apps/v1', kind: cut.kind, namespace: cut.namespace, name: cut.name },
            patchType: 'merge' as const,
            patch: { spec: { replicas: cut.from } },
          }
        : null;
    const why =
      fix !== null
        ? `its readiness probe targets port ${target.rawPort}, where nothing listens`
        : own.some((f) => f.mode === 'status' && f.status === 404)
          ? `its readiness probe path ${target.path ?? ''} returns 404`
          : blames
            ? `its readiness probe fails (${mode}) because its dependency ${blames.name} has no endpoints${cut ? ` (${cut.kind} ${cut.name} scaled to 0 at ${clock(cut.time, facts.now)})` : ''}`
            : `its readiness probe fails (${mode})`;
    const trigger =
      change?.text ??
      (blames && cut
        ? `${blames.name} scaled to 0 at ${clock(cut.time, facts.now)} (${cut.kind} ${cut.namespace}/${cut.name}: ${quote(cut.message, 100)})`
        : null);
    // "Never becomes Ready" only when no pod is Ready and none of the unready ones ever was (its Ready
    // condition last changed before its containers started).
    const active = d.pods.filter(isActive);
    const neverReady =
      notReady.length > 0 &&
      !active.some((p) => p.ready) &&
      notReady.every((p) => {
        const t = ms(p.readySince);
        const s = startedAt(p);
        return t === null || s === null || t <= s + SLACK_MS;
      });
    const state = neverReady
      ? 'never becomes Ready'
      : notReady.length > 0
        ? `is not Ready on ${notReady.length}/${total} pods`
        : 'is not Ready';
    return {
      kind: 'match',
      summary: `${cname || 'The app'} on ${w} ${state}: ${why}${noEndpoints && svc ? `; Service ${svc.name} has no ready endpoints` : ''}`,
      signals,
      trigger,
      fix: fix ?? restore,
      advice:
        fix !== null
          ? 'Point the probe at the port the app listens on (or a named port), then watch the endpoints fill.'
          : blames && cut
            ? `Bring ${blames.name} back: kubectl -n ${cut.namespace} scale ${cut.kind.toLowerCase()}/${cut.name} --replicas=${cut.from ?? '<previous>'} (find out who scaled it down and why first). The probe itself is doing its job.`
            : `Check the probe's port/path against the app (kubectl -n ${ns} exec ${g.pods[0] ?? '<pod>'} -- wget -qO- localhost:<port><path>) and why the app reports not ready${dep ? `; its dependency ${dep.name} has no ready endpoints` : ''}.`,
      explains: ['service-no-endpoints', 'bad-rollout'],
    };
  },
};
