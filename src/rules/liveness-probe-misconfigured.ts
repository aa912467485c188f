/**
 * FM-10: the liveness probe points at a wrong port/path/command, so a working app is restarted
 * constantly (connection refused on an undeclared port, HTTP 404). Timeouts are not this cause.
 */
import { declaredPorts, templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, recentChange, replicaTotal } from '../analysis/derive.js';
import { containerPatch, list, podRef, quote, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { describeMode, group, probeTarget } from '../analysis/probes.js';
import { clock, parseLogTimeIso } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

const CLEAN_STOP =
  /SIGTERM|signal 15|SIGQUIT|shutting down|graceful(ly)? (shutdown|stop)|exiting|received (term|stop)/i;

export const livenessProbeMisconfigured: Rule = {
  id: 'liveness-probe-misconfigured',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const live = d.probeFailures.filter((f) => f.probe === 'liveness');
    const wrong = live.filter(
      (f) =>
        f.mode === 'refused' || (f.mode === 'status' && (f.status === 404 || f.status === 401 || f.status === 403)),
    );
    if (wrong.length === 0) return null;
    const g = group(wrong);
    if (g.count < group(live.filter((f) => f.mode === 'timeout')).count) return null;
    const kills = group(d.probeKills.filter((k) => k.probe === 'liveness'));
    const cname = g.containers[0] ?? kills.containers[0] ?? facts.target.template?.spec?.containers?.[0]?.name ?? '';
    const spec = templateContainer(facts, cname);
    const target = probeTarget(spec?.livenessProbe, spec);
    const ns = facts.target.namespace;
    const total = replicaTotal(facts, d, g.pods.length);
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, g.pods[0] ?? ''),
        g.first,
        `Liveness probe fails (${describeMode(wrong)}) on ${g.pods.length}/${total} pods from ${clock(g.first, facts.now)} (×${g.count})${kills.count > 0 ? `, ${kills.count} kills` : ''}: ${quote(wrong[0]!.message, 140)}`,
      ),
    ];
    const ports = declaredPorts(spec);
    const readiness = probeTarget(spec?.readinessProbe, spec);
    const readyOk = !d.probeFailures.some(
      (f) => f.probe === 'readiness' && f.container === cname && f.mode === 'refused',
    );
    let fix: Fix | null = null;
    let why: string;
    if (target.portDeclared === false && wrong.some((f) => f.mode === 'refused')) {
      why = `it probes port ${target.rawPort}, which the container does not declare (ports: ${list(ports.map((p) => String(p.port)))})`;
      signals.push(
        signal(
          'spec',
          workloadRef(facts),
          null,
          `livenessProbe of ${cname} targets port ${target.rawPort}; the container declares ${list(ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`))}`,
        ),
      );
      if (ports.length === 1 && (target.kind === 'http' || target.kind === 'tcp')) {
        const key = target.kind === 'http' ? 'httpGet' : 'tcpSocket';
        fix = workloadFix(
          facts,
          `point livenessProbe of container ${cname} at its declared port ${target.rawPort}→${ports[0]!.port}`,
          containerPatch([{ name: cname, fields: { livenessProbe: { [key]: { port: ports[0]!.port } } } }]),
        );
      }
    } else if (wrong.some((f) => f.mode === 'status')) {
      const code = wrong.find((f) => f.mode === 'status')?.status;
      why = `its path ${target.path ?? '?'} answers HTTP ${code}`;
      if (readiness.kind === 'http' && readiness.port === target.port && readiness.path !== target.path && readyOk) {
        signals.push(
          signal(
            'spec',
            workloadRef(facts),
            null,
            `livenessProbe path ${target.path} differs from the readinessProbe path ${readiness.path} on the same port, which succeeds`,
          ),
        );
      }
    } else {
      why = `nothing answers on port ${target.rawPort ?? '?'}`;
    }
    // The app itself works: it became Ready between kills, or it stops cleanly when told to.
    const readyPods = d.pods.filter((p) => p.ready || p.containers.some((c) => c.name === cname && c.ready));
    const restarts = d.containers.filter((c) => c.name === cname).reduce((n, c) => n + c.restarts, 0);
    const clean = d.containers.filter((c) => c.name === cname && c.last && [0, 143].includes(c.last.exitCode ?? -1));
    if (readyPods.length > 0 || clean.length > 0) {
      signals.push(
        signal(
          'status',
          podRef(ns, (readyPods[0] ?? d.pods[0])?.name ?? ''),
          facts.now,
          `The app itself works: ${[readyPods.length > 0 ? `${readyPods.length}/${total} pods are Ready between kills` : '', clean.length > 0 ? `its runs end with exit ${clean[0]!.last!.exitCode} (stopped on request, not a crash)` : ''].filter(Boolean).join(', ')}; ${restarts} restarts`,
        ),
      );
    }
    const stopLog = facts.logs.find(
      (l) =>
        l.container === cname &&
        l.previous &&
        d.targetPodNames.has(l.pod) &&
        l.lines.slice(-5).some((x) => CLEAN_STOP.test(x)),
    );
    if (stopLog) {
      const line = stopLog.lines.slice(-5).find((x) => CLEAN_STOP.test(x))!;
      signals.push(
        signal(
          'log',
          podRef(stopLog.namespace, stopLog.pod),
          parseLogTimeIso(line, facts.now),
          `${stopLog.pod} previous run ends with a clean shutdown: "${quote(line, 120)}"`,
        ),
      );
    }
    const change = recentChange(d, changeOf(cname, ['livenessProbe']));
    if (change) signals.push(changeSignal(facts, change));
    if (signals.length < 2 && target.portDeclared !== false) return null;
    return {
      kind: 'match',
      summary: `The liveness probe of ${cname} on ${facts.target.workload?.metadata?.name ?? facts.target.name} is misconfigured: ${why}, so a working container is restarted`,
      signals,
      trigger: change?.text ?? null,
      fix,
      advice: fix
        ? 'Point the probe at the port the app listens on (prefer the named port), and keep liveness process-local.'
        : `Fix the probe's port/path/command to one the app serves (kubectl -n ${ns} exec ${g.pods[0] ?? '<pod>'} -- wget -qO- localhost:<port><path>).`,
      explains: ['app-crash', 'readiness-probe-failing', 'graceful-shutdown-timeout', 'bad-rollout'],
    };
  },
};
