/**
 * FM-01 (flagship): healthy replicas killed by their liveness probe (timeouts or 5xx) because a
 * dependency they call was down or slow, typically after its pod was restarted by a node
 * recycle/interruption. The node event is the trigger; the probe design is the cause.
 */
import { recentTerminations, templateContainer } from '../analysis/containers.js';
import {
  type Derived,
  type DisruptionVerb,
  DURATION_RE,
  dependencyNear,
  disruptionNear,
  episodeNear,
  type Latency,
  replicaTotal,
  rolloutExonerated,
  slowest,
} from '../analysis/derive.js';
import { excerpt, list, nodeRef, podRef, quote, ref, signal, workloadName, workloadRef } from '../analysis/format.js';
import { answeredUnhealthy, answerLabel, group, livenessFix, probeSettings, probeTarget } from '../analysis/probes.js';
import { clock, hhmmss, human, latest, ms, relative, seconds } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const BEFORE = 15 * 60_000;
const AFTER = 2 * 60_000;
/** Exit codes of a container stopped by a signal (SIGKILL, SIGTERM): what a probe kill leaves. */
const KILLED = new Set([137, 143]);
const VERB: Record<DisruptionVerb, string> = {
  rescheduled: 'was rescheduled',
  recreated: 'was recreated',
  evicted: 'was evicted',
  restarted: 'restarted',
  stopped: 'was stopped',
  'crash-looping': 'was crash-looping',
  unreachable: 'was unreachable',
};
const EPISODE: Record<string, string> = {
  recycled: 'recycled',
  interrupted: 'interrupted',
  removed: 'removed',
  'not-ready': 'went NotReady',
  restarted: 'restarted',
};

/**
 * The tempting correlation without the mechanism: a dependency was disrupted close before the first
 * failure, but no liveness probe failed or killed anything and every recorded termination of the
 * target is the process exiting on its own (no OOMKilled, no 137/143). Null when nothing
 * terminated, when no dependency was disrupted near it, or when the events could be missing.
 */
function ownExits(facts: Facts, d: Derived): RuleOutcome {
  const ff = ms(d.firstFailure);
  if (ff === null) return null;
  const dep = dependencyNear(d, ff);
  const x = dep ? disruptionNear(dep, ff) : null;
  if (!dep || !x) return null;
  const ns = facts.target.namespace;
  if (
    facts.gaps.some(
      (gp) => ['events', 'pods'].includes(gp.resource.toLowerCase()) && (gp.namespace === null || gp.namespace === ns),
    )
  )
    return null;
  const runs = recentTerminations(d.containers, d.since, d.now);
  if (runs.length === 0) return null;
  if (runs.some(({ t }) => t.reason === 'OOMKilled' || t.exitCode === null || KILLED.has(t.exitCode))) return null;
  const names = [...new Set(runs.map(({ c }) => `${c.init ? 'init:' : ''}${c.name}`))];
  const pods = [...new Set(runs.map(({ c }) => c.pod))];
  const total = replicaTotal(facts, d, pods.length);
  const codes = [...new Set(runs.map(({ t }) => t.exitCode))].join('/');
  const reasons = [...new Set(runs.map(({ t }) => t.reason ?? 'Error'))].join('/');
  const runtimes = runs.map(({ t }) => t.runtimeMs).filter((r): r is number => r !== null && r >= 0);
  const after = runtimes.length > 0 ? ` after ${human(Math.max(...runtimes))}` : '';
  const probed = (facts.target.template?.spec?.containers ?? []).some((c) => c.livenessProbe);
  const near = relative(x.time, d.firstFailure);
  const when = near === 'at the same time as' ? 'at the same time as the first failure' : `${near} the first failure`;
  // Back and Ready while the exits go on: the dependency is not what keeps them failing.
  const lastExit = latest(runs.map(({ t }) => t.finishedAt));
  const ready =
    x.readyAt && (ms(lastExit) ?? 0) > (ms(x.readyAt) ?? Number.POSITIVE_INFINITY)
      ? ` (Ready again at ${clock(x.readyAt, facts.now)}, the exits go on)`
      : '';
  return {
    kind: 'ruled-out',
    reason:
      `${x.pod} (behind Service ${dep.name}) ${VERB[x.verb]} at ${clock(x.time, facts.now)}, ${when}${ready}, ` +
      `but ${probed ? 'no liveness probe failed or killed a container' : `${workloadName(facts)} has no liveness probe`}: ` +
      `${list(names)} on ${pods.length}/${total} pods ${names.length > 1 ? 'exit' : 'exits'} with code ${codes} (${reasons}) on ${names.length > 1 ? 'their' : 'its'} own${after}`,
  };
}

export const probeTimeoutSlowDependency: Rule = {
  id: 'probe-timeout-slow-dependency',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const liveness = d.probeFailures.filter((f) => f.probe === 'liveness');
    const slow = liveness.filter((f) => f.mode === 'timeout' || answeredUnhealthy(f));
    if (liveness.length === 0 && d.probeKills.length === 0) return ownExits(facts, d);
    const g = group(slow);
    if (slow.length === 0 || g.count < group(liveness.filter((f) => f.mode === 'refused')).count) return null;
    const kills = group(d.probeKills.filter((k) => k.probe === 'liveness'));
    const total = replicaTotal(facts, d, g.pods.length);
    const ff = ms(g.first);
    if (g.pods.length * 2 < total || ff === null) return null;
    // The replicas' own nodes must not explain it.
    const own = g.pods.map((p) => d.nodeOf.get(p) ?? null);
    if (own.every((n) => episodeNear(d.nodeEpisodes, n, g.first, BEFORE, AFTER))) return null;
    const dep = dependencyNear(d, ff);
    if (!dep) return null;
    const x = disruptionNear(dep, ff);
    const ep = x?.episode ?? null;
    const w = workloadName(facts);
    const signals: Evidence[] = [];
    const timeline: { time: string; text: string; ref: string }[] = [];
    const what = kills.count > 0 || d.backOffs.length > 0 ? 'the crash loop' : 'the first liveness failure';

    // (1) Trigger: a lifecycle episode of the node the dependency ran on, or (when the node's own
    // events are gone) the node-level event the dependency pod received.
    const ne = ep ? null : (x?.nodeEvent ?? null);
    if (ep) signals.push(signal('event', nodeRef(ep.node), ep.at, `${ep.text}, ${relative(ep.at, g.first)} ${what}`));
    else if (x && ne) {
      signals.push(
        signal(
          'event',
          podRef(x.namespace, x.pod),
          ne.time,
          `${x.pod} got ${ne.reason} at ${clock(ne.time, facts.now)}${ne.node ? ` on node ${ne.node}` : ''} ("${quote(ne.message, 80)}"), ${relative(ne.time, g.first)} ${what}`,
        ),
      );
    }
    // What set the dependency off is visible: a node episode/event, a container exit, an eviction or stop.
    const nodeTriggered = signals.length > 0;
    const triggered =
      nodeTriggered ||
      (x !== null &&
        (['evicted', 'stopped', 'crash-looping'].includes(x.verb) || x.what.some((w0) => w0.startsWith('container '))));
    // (2) The dependency pod restarted / was recreated / evicted (or has no ready endpoints now).
    const via = dep.dep.sources[0] ? ` via ${dep.dep.sources[0].via}` : '';
    const back = x ? (x.restartedAt ?? x.time) : null;
    if (x && back) {
      const how =
        x.verb === 'rescheduled'
          ? `was rescheduled from ${x.node} to ${x.currentNode}`
          : `${x.node ? `was on ${x.node} and ` : ''}${VERB[x.verb]}`;
      signals.push(
        signal(
          'status',
          podRef(x.namespace, x.pod),
          back,
          `${x.pod} (behind Service ${dep.name}, used by ${w}${via}) ${how} at ${clock(back, facts.now)}` +
            `${ep ? '' : `, ${relative(back, g.first)} the first liveness failure`}${dep.downNow ? '; it still has no ready endpoints' : ''}`,
        ),
      );
    } else if (dep.downNow) {
      signals.push(
        signal(
          'status',
          dep.ref,
          facts.now,
          `Service ${dep.name} (used by ${w}${via}) has no ready endpoints (${dep.dep.endpoints.notReady} not ready)`,
        ),
      );
    }
    // (3) The probe's timeout against what was measured: the probe endpoint's own latency, the
    // dependency's slow answers, or its start-up time (spec + probe events).
    const names =
      g.containers.length > 0
        ? g.containers
        : (facts.target.template?.spec?.containers ?? [])
            .filter((c) => c.livenessProbe)
            .map((c) => c.name)
            .slice(0, 1);
    const cname = names[0] ?? '';
    const spec = templateContainer(facts, cname);
    const ps = spec?.livenessProbe ? probeSettings(spec.livenessProbe) : null;
    const pt = probeTarget(spec?.livenessProbe, spec);
    // The probed endpoint's own latency, from the app's log: lines naming the HTTP path, or the
    // health check for a gRPC probe (grpc.health.v1).
    const path = pt.kind === 'grpc' ? 'the gRPC health check' : pt.path;
    const pathRe = pt.kind === 'grpc' ? /health/i : pt.path && pt.path !== '/' ? pt.path : null;
    const appLogs = facts.logs.filter((l) => d.targetPodNames.has(l.pod) && l.container === cname);
    const endpoint = pathRe ? slowest(appLogs, pathRe, facts.now) : null;
    const rec = x?.recovery ?? null;
    const depLat: Latency | null = x?.latency ?? null;
    // The Ready condition only bounds start-up from above (probe periods), so only logged times size the fix.
    const measured = endpoint?.seconds ?? depLat?.seconds ?? (rec?.source === 'log' ? rec.ms / 1000 : null);
    const timeouts = slow.filter((f) => f.mode === 'timeout');
    const codes = [...new Set(slow.filter(answeredUnhealthy).map(answerLabel))];
    const failText = `${timeouts.length > 0 ? 'timeouts' : codes.join('/')} on ${g.pods.length}/${total} pods from ${clock(g.first, facts.now)} (×${g.count}${kills.count > 0 ? `, ${kills.count} kills` : ''})`;
    const vs = endpoint
      ? ` vs. ${path} taking up to ${seconds(endpoint.seconds)} (${endpoint.pod} log: "${excerpt(endpoint.line, DURATION_RE, 100)}")`
      : depLat
        ? ` vs. ${depLat.pod} answering in up to ${seconds(depLat.seconds)} after its restart (its log: "${excerpt(depLat.line, DURATION_RE, 100)}")`
        : rec
          ? rec.source === 'log'
            ? ` vs. ${rec.pod} needing ${seconds(rec.ms / 1000)} to accept connections after its restart (its log ${hhmmss(ms(rec.from) ?? 0)}→${hhmmss(ms(rec.to) ?? 0)})`
            : ` vs. ${rec.pod} becoming Ready ${seconds(rec.ms / 1000)} after its restart (${hhmmss(ms(rec.from) ?? 0)}→${hhmmss(ms(rec.to) ?? 0)})`
          : '';
    if (ps) {
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          g.first,
          `Liveness probe timeout ${ps.timeoutSeconds}s (initialDelay ${ps.initialDelaySeconds}s, period ${ps.periodSeconds}s × ${ps.failureThreshold}) on container ${cname}${vs}; liveness ${failText}`,
        ),
      );
    } else {
      signals.push(signal('event', podRef(d.namespace, g.pods[0] ?? ''), g.first, `Liveness probe ${failText}`));
    }
    if (rec?.source === 'log') {
      timeline.push({
        time: rec.from,
        text: `${rec.pod} starting (log: ${quote(rec.startLine, 100)})`,
        ref: podRef(rec.namespace, rec.pod),
      });
      timeline.push({
        time: rec.to,
        text: `${rec.pod} accepts connections (log: ${quote(rec.readyLine, 100)})`,
        ref: podRef(rec.namespace, rec.pod),
      });
    }
    // (4) The app's own log shows it blocked on the dependency: its last line before the kill, or
    // errors talking to it (an ordinary "connecting to" line in a healthy start proves nothing).
    const hit = [...dep.logHits]
      .filter((h) => h.last || h.kind === 'error')
      .sort((a, b) => Number(b.last) - Number(a.last) || Number(b.previous) - Number(a.previous))[0];
    if (hit) {
      const where = `${hit.pod} log${hit.previous ? ' (previous run)' : ''}`;
      signals.push(
        signal(
          'log',
          podRef(hit.namespace, hit.pod),
          hit.time ? new Date(hit.time).toISOString() : null,
          hit.last
            ? `${where} ends at "${quote(hit.line, 120)}": the process was waiting on ${dep.name} when it was killed`
            : `${where} shows errors talking to ${dep.name}: "${quote(hit.line, 120)}"`,
        ),
      );
    }
    // (5) The last rollout is exonerated by timing.
    // It corroborates only the full infrastructure chain (node → dependency → probe): then the node
    // event and the rollout are the two candidate time anchors and timing picks the node.
    const ex = rolloutExonerated(d);
    if (ex && d.lastRollout && x && nodeTriggered) {
      const r = d.lastRollout.revision;
      signals.push(
        signal(
          'rollout',
          ref(d.namespace, r.kind, r.name),
          d.lastRollout.createdAt,
          `Last rollout ${human(ex.gapMs)} before the first failure (revision ${r.revision}); pods unchanged since, not correlated`,
        ),
      );
    }
    if (signals.length < 2) return null;
    // Without a visible trigger the chain is incomplete (events expired or never collected): keep the
    // two direct observations as signals, show the rest in the timeline only (at most medium).
    if (x && !triggered) {
      for (const sg of signals.filter((x0) => x0.kind === 'log' || x0.kind === 'rollout')) {
        if (sg.time) timeline.push({ time: sg.time, text: sg.text, ref: sg.ref });
      }
      signals.splice(0, signals.length, ...signals.filter((x0) => x0.kind !== 'log' && x0.kind !== 'rollout'));
    }

    const depPod = x?.pod ?? dep.name;
    const spot = ep?.spot ? 'spot ' : '';
    const happened = x
      ? x.verb === 'crash-looping' || x.verb === 'unreachable'
        ? x.verb
        : VERB[x.verb].replace(/^was /, '')
      : 'unavailable';
    const neSpot = ne?.reason === 'SpotInterrupted' ? 'spot ' : '';
    const trigger = ep
      ? `${spot}node ${ep.node} ${EPISODE[ep.kind]} at ${clock(ep.at, facts.now)} (${depPod} ${happened})`
      : ne && x
        ? `${neSpot}${ne.node ? `node ${ne.node}` : `the node of ${depPod}`} ${ne.reason === 'SpotInterrupted' ? 'interrupted' : ne.reason === 'NodeNotReady' ? 'went NotReady' : `(${ne.reason})`} at ${clock(ne.time, facts.now)} (${depPod} ${happened}${x.verb === 'rescheduled' && x.currentNode ? ` to ${x.currentNode}` : ''})`
        : x && back
          ? `${depPod} ${happened} at ${clock(back, facts.now)} (${x.what.join(', ')})`
          : dep.scaledDown
            ? `${dep.name} scaled to 0 at ${clock(dep.scaledDown.time, facts.now)} (${dep.scaledDown.kind} ${dep.scaledDown.namespace}/${dep.scaledDown.name}: ${quote(dep.scaledDown.message, 100)})`
            : null;
    const after = ep
      ? ` after the ${spot}node ${ep.node} ${ep.kind === 'recycled' ? 'recycle' : ep.kind === 'interrupted' ? 'interruption' : 'failure'} at ${clock(ep.at, facts.now)}`
      : ne && x
        ? ` after ${ne.reason === 'SpotInterrupted' ? 'a spot interruption' : 'a node failure'} at ${clock(ne.time, facts.now)}${ne.node ? ` on ${ne.node}` : ''}`
        : x && back
          ? ` after it ${VERB[x.verb]} at ${clock(back, facts.now)}`
          : '';
    const because = endpoint
      ? `${path} takes up to ${seconds(endpoint.seconds)} while ${dep.name} (${depPod}) is cold`
      : depLat
        ? `${depPod} answers in up to ${seconds(depLat.seconds)}`
        : rec
          ? rec.source === 'log'
            ? `${depPod} requires ${seconds(rec.ms / 1000)} to accept connections`
            : `${depPod} took ${seconds(rec.ms / 1000)} to become Ready`
          : `${depPod} (${dep.name}) was unavailable/slow`;
    const summary =
      timeouts.length > 0 && ps
        ? `Liveness probe timeout (${ps.timeoutSeconds}s) on ${w} is failing because ${because}${after}; healthy replicas are being restarted`
        : `Liveness probe on ${w} fails (${codes.join('/')}) while its dependency ${dep.name} is down${after}; healthy replicas are being restarted`;
    const unseen =
      !x || triggered
        ? ''
        : ` (what disrupted ${dep.name} is not visible: its node/pod events have expired or were not collected)`;
    return {
      kind: 'match',
      summary: summary + unseen,
      signals,
      trigger,
      fix: livenessFix(
        facts,
        names,
        timeouts.length > 0,
        measured,
        x?.readyAt ? (ms(x.readyAt) ?? 0) - (ms(x.time) ?? 0) : null,
      ),
      advice: `Keep dependency checks out of the liveness probe (check ${dep.name} in readiness only; liveness should test the process itself), and make ${dep.name} resilient to node loss: ≥2 replicas spread across nodes with a PodDisruptionBudget, or on-demand capacity for it.`,
      explains: [
        'readiness-probe-failing',
        'app-crash',
        'node-not-ready',
        'node-shutdown',
        'graceful-shutdown-timeout',
        'liveness-probe-misconfigured',
        'service-no-endpoints',
      ],
      timeline,
    };
  },
};
