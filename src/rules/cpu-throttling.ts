/**
 * FM-27: a low CPU limit throttles the container; latency climbs and probes with short timeouts
 * fail. Invisible in events, so it needs a low limit plus probe timeouts (plus slowness in logs),
 * and it stands down when a dependency disruption explains the timeouts.
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
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, g.pods[0] ?? ''),
        g.first,
        `${kinds} probe timeouts on ${g.pods.length}/${total} pods from ${clock(g.first, facts.now)} (×${g.count})`,
      ),
    ];
    const probe = spec?.livenessProbe ?? spec?.readinessProbe;
    const t = probe ? probeSettings(probe).timeoutSeconds : null;
    signals.push(
      signal(
        'spec',
        workloadRef(facts),
        null,
        `Container ${cname} is limited to ${spec?.resources?.limits?.cpu} CPU${request !== null ? ` (request ${spec?.resources?.requests?.cpu})` : ''}${t !== null ? ` with a ${t}s probe timeout` : ''}`,
      ),
    );
    const slow = facts.logs
      .filter((l) => l.container === cname && d.targetPodNames.has(l.pod))
      .flatMap((l) => l.lines.filter((x) => SLOW.test(x)).map((line) => ({ l, line })));
    if (slow[0]) {
      signals.push(
        signal(
          'log',
          podRef(ns, slow[0].l.pod),
          parseLogTimeIso(slow[0].line, facts.now),
          `${slow[0].l.pod} log shows stalls (${slow.length} lines): "${quote(slow[0].line, 140)}"`,
        ),
      );
    }
    const change = recentChange(d, changeOf(cname, ['resources']));
    if (change) signals.push(changeSignal(facts, change));
    const next = Math.max(roundUp(limit * 2, 100), 500);
    const fix = workloadFix(
      facts,
      `raise limits.cpu of container ${cname} ${formatCpu(limit)}→${formatCpu(next)}`,
      containerPatch([{ name: cname, fields: { resources: { limits: { cpu: formatCpu(next) } } } }]),
    );
    return {
      kind: 'match',
      summary: `${cname} on ${facts.target.workload?.metadata?.name ?? facts.target.name} is likely CPU-throttled at its ${spec?.resources?.limits?.cpu} limit: probes time out without any other cause in view`,
      signals,
      trigger: change?.text ?? null,
      fix,
      advice:
        'Confirm with container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total (or kubectl top pod at the limit); raise or remove the CPU limit and keep the request accurate.',
      explains: ['readiness-probe-failing', 'app-crash', 'bad-rollout'],
    };
  },
};
