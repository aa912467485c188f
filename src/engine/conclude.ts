/**
 * Conclusion: derive once, evaluate every rule (a throwing rule counts as no outcome), rank the
 * matches deterministically, compute confidence from evidence, and build the timeline.
 *
 * Ranking: a match explained by another live match (its `explains` lists it) never wins over it;
 * otherwise signal count desc, then closeness of its evidence to the first failure, then registry
 * order. Confidence: `high` needs ≥3 independent signals, no live competing hypothesis and no
 * evidence gap that could hide one; `medium` ≥2; else `low`.
 */
import { type Derived, derive, evTime, RECOVERY_QUIET_MS } from '../analysis/derive.js';
import { list, nodeRef, podRef, ref, targetKubectl, workloadRef } from '../analysis/format.js';
import { clock, human, ms } from '../analysis/time.js';
import type { CauseId } from '../domain/causes.js';
import type { EvidenceGap, Facts } from '../domain/facts.js';
import type { Confidence, Evidence, InvestigationResult } from '../domain/result.js';
import { rules as defaultRules } from '../rules/index.js';
import type { Rule, RuleMatch } from '../rules/rule.js';

export type Conclusion = Pick<InvestigationResult, 'rootCause' | 'hypotheses' | 'ruledOut' | 'timeline'>;
type TimelineEntry = Conclusion['timeline'][number];

export interface Scored {
  id: CauseId;
  index: number;
  match: RuleMatch;
  signals: Evidence[];
  /** ms between the nearest timed signal and the first failure (Infinity when none is timed). */
  closeness: number;
}

const MAX_TIMELINE = 40;

function dedupeSignals(signals: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const s of signals) {
    const key = `${s.kind}|${s.ref}|${s.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

function byTime<T extends { time: string | null }>(items: readonly T[]): T[] {
  return items
    .map((x, i) => ({ x, i, t: ms(x.time) }))
    .sort((a, b) => (a.t ?? Number.POSITIVE_INFINITY) - (b.t ?? Number.POSITIVE_INFINITY) || a.i - b.i)
    .map((e) => e.x);
}

function closeness(signals: readonly Evidence[], firstFailure: string | null): number {
  const ff = ms(firstFailure);
  if (ff === null) return 0;
  let best = Number.POSITIVE_INFINITY;
  for (const s of signals) {
    const t = ms(s.time);
    if (t !== null) best = Math.min(best, Math.abs(t - ff));
  }
  return best;
}

/** Does `a` account for `b` (b is its symptom or trigger)? */
function explains(a: Scored, b: Scored): boolean {
  return a.match.explains.includes(b.id);
}

function competitors(m: Scored, all: readonly Scored[]): Scored[] {
  return all.filter((o) => o !== m && o.id !== m.id && o.signals.length >= 2 && !explains(m, o) && !explains(o, m));
}

// ---------------------------------------------------------------------------------------------
// Evidence gaps

const ALL = 'all' as const;
const HIDDEN_BY: Record<string, readonly CauseId[]> = {
  'pods/log': ['app-crash', 'dns-failure', 'startup-probe-too-short', 'cpu-throttling', 'init-container-failed'],
  nodes: ['scheduling-constraints', 'insufficient-resources'],
  replicasets: ['bad-rollout'],
  controllerrevisions: ['bad-rollout'],
  deployments: ['bad-rollout', 'hpa-at-max'],
  statefulsets: ['bad-rollout'],
  daemonsets: ['bad-rollout'],
  services: ['probe-timeout-slow-dependency', 'service-no-endpoints', 'readiness-probe-failing', 'dns-failure'],
  endpoints: ['probe-timeout-slow-dependency', 'service-no-endpoints', 'readiness-probe-failing'],
  endpointslices: ['probe-timeout-slow-dependency', 'service-no-endpoints', 'readiness-probe-failing'],
  configmaps: ['missing-config-reference', 'volume-mount-failed', 'probe-timeout-slow-dependency'],
  secrets: ['missing-config-reference', 'volume-mount-failed', 'image-pull-auth'],
  serviceaccounts: ['admission-rejected', 'image-pull-auth'],
  networkpolicies: ['dns-failure'],
  resourcequotas: ['quota-exceeded'],
  limitranges: ['quota-exceeded'],
  horizontalpodautoscalers: ['hpa-at-max'],
  persistentvolumeclaims: ['volume-unbound', 'volume-multi-attach'],
  persistentvolumes: ['volume-unbound', 'volume-multi-attach'],
  storageclasses: ['volume-unbound'],
  poddisruptionbudgets: [],
  priorityclasses: ['preempted'],
  jobs: ['job-failed'],
};

/** Causes that keep pods from being created, scheduled or started: they compete only when pods are missing. */
const CREATION: ReadonlySet<CauseId> = new Set<CauseId>([
  'quota-exceeded',
  'admission-rejected',
  'insufficient-resources',
  'scheduling-constraints',
  'volume-unbound',
  'volume-multi-attach',
  'pod-sandbox-failed',
  'preempted',
  'missing-config-reference',
  'volume-mount-failed',
  'image-pull-auth',
]);

/**
 * Causes that are still true while the target's pods look fine (saturation, budgets, routing,
 * throttling, a failed Job): a recovered target does not retire them. Every other cause shows as
 * failing pods, so once the target is whole and quiet again its match describes a past episode.
 */
const CURRENT_STATE: ReadonlySet<CauseId> = new Set<CauseId>([
  'hpa-at-max',
  'hpa-metrics-unavailable',
  'pdb-blocking-disruption',
  'service-no-endpoints',
  'cpu-throttling',
  'job-failed',
]);

/** Causes a gap could hide (`all` when it could hide anything, e.g. the target's events). */
function hiddenBy(gap: EvidenceGap, facts: Facts): readonly CauseId[] | typeof ALL {
  const r = gap.resource.toLowerCase();
  const ns = gap.namespace;
  const targetNs = ns === null || ns === facts.target.namespace;
  if (r === 'events') {
    if (targetNs || ns === 'default') return ALL;
    if (ns === 'kube-system') return ['dns-failure'];
    return ['probe-timeout-slow-dependency'];
  }
  if (r === 'pods') {
    if (targetNs) return ALL;
    if (ns === 'kube-system') return ['dns-failure'];
    return ['probe-timeout-slow-dependency'];
  }
  return HIDDEN_BY[r] ?? ALL;
}

/** Gaps that could hide a competitor of `m` (its own id and what it explains are not competitors). */
function blockingGaps(m: Scored | null, facts: Facts, d: Derived): EvidenceGap[] {
  const missingPods =
    d.health.podsTotal < (d.health.desired ?? d.health.podsTotal) || d.pods.some((p) => p.phase === 'Pending');
  return facts.gaps.filter((g) => {
    const h = hiddenBy(g, facts);
    if (h === ALL || !m) return true;
    return h.some((id) => id !== m.id && !m.match.explains.includes(id) && (missingPods || !CREATION.has(id)));
  });
}

export function describeGap(g: EvidenceGap): string {
  return `${g.verb} ${g.resource}${g.namespace ? ` in ${g.namespace}` : ''}${g.status ? ` (${g.status})` : ''}`;
}

function gapNote(gaps: readonly EvidenceGap[]): string {
  const uniq = [...new Set(gaps.map(describeGap))];
  return `Missing evidence: could not ${list(uniq, 4)}.`;
}

// ---------------------------------------------------------------------------------------------

function confidenceOf(
  m: Scored,
  all: readonly Scored[],
  facts: Facts,
  d: Derived,
): { level: Confidence; cappedByGap: boolean } {
  const n = m.signals.length;
  let level: Confidence = n >= 3 && competitors(m, all).length === 0 ? 'high' : n >= 2 ? 'medium' : 'low';
  let cappedByGap = false;
  if (level === 'high' && blockingGaps(m, facts, d).length > 0) {
    level = 'medium';
    cappedByGap = true;
  }
  return { level, cappedByGap };
}

/** Evaluate the rules; throwing rules are reported as nothing. */
export function evaluate(
  facts: Facts,
  derived: Derived,
  rules: readonly Rule[],
): { matches: Scored[]; ruledOut: { id: CauseId; reason: string }[]; errors: { id: string; error: string }[] } {
  const matches: Scored[] = [];
  const ruledOut: { id: CauseId; reason: string }[] = [];
  const errors: { id: string; error: string }[] = [];
  rules.forEach((rule, index) => {
    let outcome: ReturnType<Rule['evaluate']>;
    try {
      outcome = rule.evaluate(facts, derived);
    } catch (err) {
      errors.push({ id: rule.id, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (!outcome) return;
    if (outcome.kind === 'ruled-out') {
      ruledOut.push({ id: rule.id, reason: outcome.reason });
      return;
    }
    const signals = dedupeSignals(outcome.signals);
    if (signals.length === 0) return;
    matches.push({ id: rule.id, index, match: outcome, signals, closeness: closeness(signals, derived.firstFailure) });
  });
  return { matches, ruledOut, errors };
}

/** Best first: not explained by a live match, then signals desc, closeness asc, registry order. */
export function rank(matches: readonly Scored[]): Scored[] {
  const ordered = [...matches].sort(
    (a, b) => b.signals.length - a.signals.length || a.closeness - b.closeness || a.index - b.index,
  );
  const subsumed = (m: Scored) =>
    ordered.some(
      (o) => o !== m && o.id !== m.id && explains(o, m) && o.signals.length >= Math.min(2, m.signals.length),
    );
  const top = ordered.find((m) => !subsumed(m)) ?? ordered[0];
  return top ? [top, ...ordered.filter((m) => m !== top)] : [];
}

export function conclude(facts: Facts, rules: readonly Rule[] = defaultRules): Conclusion {
  let derived: Derived;
  try {
    derived = derive(facts);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return {
      rootCause: {
        id: 'unknown',
        summary: `The evidence about ${targetKubectl(facts)} could not be analysed (${msg}).`,
        confidence: 'low',
        signals: 0,
        trigger: null,
        evidence: [],
        fix: null,
        advice: 'Inspect the pods, their events and logs by hand; please report this analysis error.',
      },
      hypotheses: [],
      ruledOut: [],
      timeline: [],
    };
  }
  const { matches, ruledOut: rulesRuledOut } = evaluate(facts, derived, rules);
  // A target that recovered and stayed quiet: matches about failing pods describe the past episode.
  const rec = derived.health.recovered;
  const past = rec ? rank(matches.filter((m) => !CURRENT_STATE.has(m.id))) : [];
  const ranked = rank(rec ? matches.filter((m) => CURRENT_STATE.has(m.id)) : matches);
  const top = ranked[0] ?? null;
  const hypotheses = [
    ...ranked.map((m) => ({
      id: m.id,
      confidence: confidenceOf(m, ranked, facts, derived).level,
      signals: m.signals.length,
      summary: m.match.summary,
    })),
    ...past.map((m) => ({ id: m.id, confidence: 'low' as const, signals: m.signals.length, summary: m.match.summary })),
  ];
  const ruledOut = [...rulesRuledOut.filter((r) => !past.some((m) => m.id === r.id))];
  if (rec) {
    for (const m of past) {
      ruledOut.push({
        id: m.id,
        reason: `explains a past episode only: the target recovered at ${clock(rec.stableSince, facts.now)} and has been stable for ${human(rec.quietMs)} (${m.match.summary})`,
      });
    }
  }
  if (top) {
    for (const m of ranked.slice(1)) {
      if (explains(top, m) && !ruledOut.some((r) => r.id === m.id)) {
        ruledOut.push({ id: m.id, reason: `symptom/trigger of ${top.id}: ${m.match.summary}` });
      }
    }
  }
  // One verdict per id: the chosen cause is never listed as ruled out, and a ruled-out id (a symptom
  // or trigger the cause accounts for, a past episode) stays listed with its signals but is not an
  // open hypothesis, so it carries no confidence of its own.
  const closed = new Set(ruledOut.filter((r) => r.id !== top?.id).map((r) => r.id));
  const verdicts = hypotheses.map((h) => (closed.has(h.id) ? { ...h, confidence: 'low' as const } : h));
  const ruledOutFinal = ruledOut.filter((r) => r.id !== top?.id);
  const timeline = buildTimeline(facts, derived, top ?? past[0] ?? null);
  if (!top)
    return {
      ...noMatch(facts, derived, past[0] ?? null),
      hypotheses: verdicts,
      ruledOut: ruledOutFinal,
      timeline,
    };

  const { level, cappedByGap } = confidenceOf(top, ranked, facts, derived);
  const gaps = facts.gaps.length > 0 ? gapNote(facts.gaps) : null;
  const rivals = competitors(top, ranked);
  let summary = top.match.summary;
  if (cappedByGap && gaps)
    summary = `${summary} (confidence capped: ${gapNote(blockingGaps(top, facts, derived)).replace(/\.$/, '')})`;
  let advice = top.match.advice;
  if (rivals.length > 0 && top.signals.length >= 3) {
    advice = `${advice} Competing explanation still open: ${rivals.map((r) => `${r.id} (${r.signals.length} signals)`).join(', ')}.`;
  }
  if (gaps) advice = `${advice} ${gaps}`;
  return {
    rootCause: {
      id: top.id,
      summary,
      confidence: level,
      signals: top.signals.length,
      trigger: top.match.trigger,
      evidence: byTime(top.signals),
      fix: top.match.fix,
      advice,
    },
    hypotheses: verdicts,
    ruledOut: ruledOutFinal,
    timeline,
  };
}

function noMatch(facts: Facts, d: Derived, past: Scored | null): Pick<Conclusion, 'rootCause'> {
  const h = d.health;
  const target = targetKubectl(facts);
  const window = human(d.now - d.since);
  const gaps = facts.gaps.length > 0 ? gapNote(facts.gaps) : null;
  const rec = h.recovered;
  if (rec) {
    // Healthy now after a failure episode in the window: say so, and what the episode looked like.
    // At most medium: the episode's cause may come back.
    const n = h.evidence.length;
    const level: Confidence = n >= 2 && blockingGaps(null, facts, d).length === 0 ? 'medium' : 'low';
    const episode = `${clock(rec.firstFailure, facts.now)}–${clock(rec.lastFailure, facts.now)}`;
    return {
      rootCause: {
        id: 'no-issue-found',
        summary:
          `${target} is healthy now: it recovered at ${clock(rec.stableSince, facts.now)} from a failure episode (${episode}: ${rec.what}) and has been stable for ${human(rec.quietMs)}` +
          (past ? `; the episode looked like ${past.id}: ${past.match.summary}` : '') +
          (gaps ? `. ${gaps}` : '.'),
        confidence: level,
        signals: n,
        trigger: null,
        evidence: [...h.evidence, ...(past ? byTime(past.signals).slice(0, 2) : [])],
        fix: null,
        advice:
          `Nothing is failing now; the alert likely refers to the episode at ${episode}. ` +
          (past ? `If it recurs, look at ${past.id}: ${past.match.advice} ` : '') +
          `Check whether the alert is still firing and rerun if it does.${gaps ? ` ${gaps}` : ''}`,
      },
    };
  }
  if (h.healthy) {
    const blocking = blockingGaps(null, facts, d);
    const n = h.evidence.length;
    // Readiness blips in the window are something the alert may have seen: healthy now, but at most medium.
    const blips = h.blips.count;
    // Repeated (≥3) or recent (within the recovery quiet time) blips cap it; one old blip does not.
    const lastBlip = h.blips.last ? Date.parse(h.blips.last) : Number.NaN;
    const recentBlips = blips >= 3 || (blips > 0 && !(d.now - lastBlip >= RECOVERY_QUIET_MS));
    const level: Confidence = n >= 3 && blocking.length === 0 && !recentBlips ? 'high' : n >= 2 ? 'medium' : 'low';
    const ready = (h.evidence[0]?.text ?? `${h.podsReady}/${h.podsTotal} pods Ready`).replace(/ now$/, '');
    return {
      rootCause: {
        id: 'no-issue-found',
        summary:
          (blips > 0
            ? `${target} is healthy now: ${ready}, no restarts and no failure events in the last ${window} except ${blips} readiness failure${blips === 1 ? '' : 's'} (last at ${clock(h.blips.last, facts.now)}) that resolved on their own`
            : `${target} is healthy now: ${ready}, no restarts or failure events in the last ${window}`) +
          (gaps ? `. ${gaps}` : '.'),
        confidence: level,
        signals: n,
        trigger: null,
        evidence: h.evidence,
        fix: null,
        advice:
          (blips > 0
            ? `Nothing is failing now. The alert may match the readiness failures at ${clock(h.blips.last, facts.now)}: look at what the pods waited on then (their logs, their dependencies' latency). Otherwise check the alert's query and threshold, upstream callers and dependencies, `
            : `Nothing in the cluster explains the alert. Check the alert's query and threshold, upstream callers and dependencies, `) +
          `and rerun with a longer window (--since) if the problem was earlier.${gaps ? ` ${gaps}` : ''}`,
      },
    };
  }
  const symptoms = h.symptoms.length > 0 ? h.symptoms : ['failure signs without a recognised pattern'];
  const evidence: Evidence[] = [];
  if (d.firstFailureSign) {
    evidence.push({
      kind: 'event',
      ref: d.firstFailureSign.ref,
      time: d.firstFailureSign.time,
      text: `first failure sign at ${clock(d.firstFailureSign.time, facts.now)}: ${d.firstFailureSign.text}`,
    });
  }
  for (const s of symptoms) evidence.push({ kind: 'status', ref: workloadRef(facts), time: null, text: s });
  return {
    rootCause: {
      id: 'unknown',
      summary: `No rule explains what is wrong with ${target}: ${symptoms.join('; ')}${gaps ? `. ${gaps}` : '.'}`,
      confidence: 'low',
      signals: 0,
      trigger: null,
      evidence,
      fix: null,
      advice:
        `Read the failing containers' logs (kubectl logs -n ${facts.target.namespace} <pod> --previous), ` +
        `kubectl describe the pods and their nodes, and compare with the last rollout.${gaps ? ` ${gaps}` : ''}`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Timeline

function buildTimeline(facts: Facts, d: Derived, top: Scored | null): TimelineEntry[] {
  const entries: { time: string; text: string; ref: string; prio: number }[] = [];
  const add = (time: string | null | undefined, text: string, refStr: string, prio: number) => {
    if (!time || ms(time) === null) return;
    entries.push({ time, text, ref: refStr, prio });
  };
  if (top) {
    for (const s of top.signals) add(s.time, s.text, s.ref, 0);
    for (const t of top.match.timeline ?? []) add(t.time, t.text, t.ref, 1);
  }
  if (d.firstFailureSign)
    add(d.firstFailureSign.time, `first failure: ${d.firstFailureSign.text}`, d.firstFailureSign.ref, 2);
  // Node episodes of related nodes (target pods, dependencies) or close to the first failure.
  const related = new Set<string>([...d.pods.map((p) => p.node ?? ''), ...facts.deletedPods.map((p) => p.node ?? '')]);
  for (const dep of d.dependencies) {
    if (dep.disruption?.node) related.add(dep.disruption.node);
    if (dep.disruption?.currentNode) related.add(dep.disruption.currentNode);
  }
  const ff = ms(d.firstFailure);
  for (const ep of d.nodeEpisodes) {
    const near = ff !== null && (ms(ep.start) ?? 0) <= ff + 5 * 60_000 && (ms(ep.end) ?? 0) >= ff - 30 * 60_000;
    if (!related.has(ep.node) && !near) continue;
    for (const m of ep.marks) {
      if (m.kind === 'registered') continue;
      add(m.time, `node ${ep.node}: ${m.reason}${m.message ? ` (${m.message})` : ''}`, nodeRef(ep.node), 3);
    }
  }
  for (const dep of d.dependencies) {
    const x = dep.disruption;
    if (!x) continue;
    add(x.time, `dependency ${dep.name}: pod ${x.pod} ${x.what.join(', ')}`, podRef(x.namespace, x.pod), 4);
    if (x.recovery)
      add(
        x.recovery.to,
        `dependency ${dep.name}: ${x.pod} ready (${x.recovery.readyLine})`,
        podRef(x.namespace, x.pod),
        4,
      );
  }
  const r = d.lastRollout;
  if (r?.createdAt) {
    add(
      r.createdAt,
      `rollout: revision ${r.revision.revision} (${r.revision.kind} ${r.revision.name}) created${r.changes.length > 0 ? `: ${list(r.changes, 2)}` : ''}`,
      ref(facts.target.namespace, r.revision.kind, r.revision.name),
      5,
    );
  }
  const firstOf = new Map<string, { time: string; text: string; ref: string }>();
  for (const e of d.events) {
    if (!['Killing', 'BackOff', 'Failed', 'FailedMount', 'FailedScheduling', 'Evicted', 'Unhealthy'].includes(e.reason))
      continue;
    const key = `${e.reason}|${e.object}|${e.reason === 'Unhealthy' ? e.message.slice(0, 12) : ''}`;
    if (!firstOf.has(key))
      firstOf.set(key, { time: evTime(e), text: `${e.reason}: ${e.message}`, ref: ref(d.namespace, e.kind, e.object) });
  }
  for (const v of firstOf.values()) add(v.time, v.text.length > 200 ? `${v.text.slice(0, 199)}…` : v.text, v.ref, 6);

  // Dedupe by ref + second; the entry with the best priority wins.
  const seen = new Set<string>();
  const unique = [...entries]
    .sort((a, b) => a.prio - b.prio || (ms(a.time) ?? 0) - (ms(b.time) ?? 0))
    .filter((e) => {
      const key = `${e.ref}|${Math.floor((ms(e.time) ?? 0) / 1000)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_TIMELINE);
  return unique
    .sort((a, b) => (ms(a.time) ?? 0) - (ms(b.time) ?? 0) || a.prio - b.prio || a.text.localeCompare(b.text))
    .map(({ time, text, ref: r2 }) => ({ time, text, ref: r2 }));
}
