/**
 * FM-27: a low CPU limit throttles the container; latency climbs and probes with short timeouts
 * fail. Invisible in events, so it needs a low limit plus probe timeouts (plus slowness in logs),
 * and it stands down when a dependency disruption explains the timeouts.
 * Without a direct measurement of throttling (a log line reporting CPU throttling, e.g. cgroup
 * `nr_throttled` or a `CPUThrottlingHigh` alert) the cause is inferred from the spec and indirect
 * symptoms: the slowness (probe timeouts, GC pauses, starvation, slow requests in the logs) counts
 * as one signal and a recent limit change is shown with the spec, so it stays at most medium.
 */
import { formatCpu, millicores, templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, recentChange, replicaTotal } from '../analysis/derive.js';
import { containerPatch, podRef, quote, roundUp, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { group, probeSettings } from '../analysis/probes.js';
import { clock, ms, parseLogTimeIso } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const LOW_LIMIT_M = 500;
/** A measurement of CPU throttling itself (cgroup counters, the CPUThrottlingHigh alert, an app reporting it). */
const DIRECT =
  /nr_throttled|throttled_(?:usec|time|periods)|cfs_throttled|CPUThrottlingHigh|\bcpu\b.{0,40}\bthrottl|\bthrottl\w*.{0,40}\bcpu\b/i;
const SLOW =
  /throttl|GC pause|Full GC|took \d{4,} ?ms|slow (request|query|response)|event loop (lag|blocked)|stall|starv|deadline exceeded while processing/i;

export const cpuThrottling: Rule = {
  id: 'cpu-throttling',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const timeouts = d.probeFailures.filter((f) => f.mode === 'timeout' && f.probe !== 'startup');
    if (timeouts.length === 0) return null;
    const g = group(timeouts);
    const cname = g.containers[0] ?? facts.target.template?.spec?.containers?.[0]?.name ?? '';
    const spec = templateContainer(facts, cname);
    const limit = millicores(spec?.resources?.limits?.cpu);
    if (limit === null || limit > LOW_LIMIT_M) return null;
    const ff = ms(g.first) ?? ms(d.firstFailure);
    const dep = d.dependencies.find((v) => {
      const t = ms(v.disruption?.time);
      return (
        (t !== null && ff !== null && t >= ff - 15 * 60_000 && t <= ff + 2 * 60_000) ||
        v.logHits.some((h) => h.kind === 'error')
      );
    });
    if (dep) {
      return {
        kind: 'ruled-out',
        reason: `probe timeouts coincide with a disruption of dependency ${dep.name}${dep.disruption ? ` (${dep.disruption.pod} ${dep.disruption.what.join(', ')} at ${clock(dep.disruption.time, facts.now)})` : ''}, not with CPU starvation`,
      };
    }
    const ns = facts.target.namespace;
    const total = replicaTotal(facts, d, g.pods.length);
    const request = millicores(spec?.resources?.requests?.cpu);
    const kinds = [...new Set(timeouts.map((t) => t.probe))].join('/');
    const lines = facts.logs
      .filter((l) => l.container === cname && d.targetPodNames.has(l.pod))
      .flatMap((l) => l.lines.map((line) => ({ l, line })));
    const direct = lines.filter((x) => DIRECT.test(x.line));
    const slow = lines.filter((x) => !DIRECT.test(x.line) && SLOW.test(x.line));
    const s0 = slow[0];
    // The slowness is one observation, whether seen by the kubelet's probes or in the app's log.
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, g.pods[0] ?? ''),
        g.first,
        `${kinds} probe timeouts on ${g.pods.length}/${total} pods from ${clock(g.first, facts.now)} (×${g.count})` +
          (s0 ? `; the logs show stalls (${slow.length} lines, e.g. ${s0.l.pod}: "${quote(s0.line, 140)}")` : ''),
      ),
    ];
    const probe = spec?.livenessProbe ?? spec?.readinessProbe;
    const t = probe ? probeSettings(probe).timeoutSeconds : null;
    const change = recentChange(d, changeOf(cname, ['resources']));
    signals.push(
      signal(
        'spec',
        workloadRef(facts),
        null,
        `Container ${cname} is limited to ${spec?.resources?.limits?.cpu} CPU${request !== null ? ` (request ${spec?.resources?.requests?.cpu})` : ''}${t !== null ? ` with a ${t}s probe timeout` : ''}${change ? `, set by the ${change.text}` : ''}`,
      ),
    );
    const timeline: { time: string; text: string; ref: string }[] = [];
    const d0 = direct[0];
    if (d0) {
      // Only a measurement of throttling lifts it above an inference (and lets the change count).
      signals.push(
        signal(
          'log',
          podRef(ns, d0.l.pod),
          parseLogTimeIso(d0.line, facts.now),
          `${d0.l.pod} log reports CPU throttling (${direct.length} lines): "${quote(d0.line, 140)}"`,
        ),
      );
      if (change) signals.push(changeSignal(facts, change));
    } else if (change) {
      const c = changeSignal(facts, change);
      if (c.time) timeline.push({ time: c.time, text: c.text, ref: c.ref });
    }
    if (s0) {
      const at = parseLogTimeIso(s0.line, facts.now);
      if (at) timeline.push({ time: at, text: `${s0.l.pod} log: "${quote(s0.line, 140)}"`, ref: podRef(ns, s0.l.pod) });
    }
    const next = Math.max(roundUp(limit * 2, 100), 500);
    const fix = workloadFix(
      facts,
      `raise limits.cpu of container ${cname} ${formatCpu(limit)}→${formatCpu(next)}`,
      containerPatch([{ name: cname, fields: { resources: { limits: { cpu: formatCpu(next) } } } }]),
    );
    const workload = facts.target.workload?.metadata?.name ?? facts.target.name;
    const who = cname === workload ? cname : `${cname} on ${workload}`;
    return {
      kind: 'match',
      summary: d0
        ? `${who} is CPU-throttled at its ${spec?.resources?.limits?.cpu} limit: its log reports throttling and probes time out`
        : `${who} is likely CPU-throttled at its ${spec?.resources?.limits?.cpu} limit: probes time out${s0 ? ' and the logs show stalls' : ''} without any other cause in view (inferred: no throttling measurement available)`,
      signals,
      trigger: change?.text ?? null,
      fix,
      advice:
        'Confirm with container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total (or kubectl top pod at the limit); raise or remove the CPU limit and keep the request accurate.',
      explains: ['readiness-probe-failing', 'app-crash', 'bad-rollout'],
      ...(timeline.length > 0 ? { timeline } : {}),
    };
  },
};
