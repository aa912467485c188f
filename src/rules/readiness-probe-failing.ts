/**
 * FM-08: pods run but never become Ready; the Service has no ready endpoints. The cause is inside
 * the pod or its probe (wrong port/path, app not ready). Readiness failures that only accompany
 * liveness/startup kills are a symptom of those and are left to them.
 */
import { declaredPorts, isActive, templateContainer } from '../analysis/containers.js';
import { changeOf, changeSignal, type Derived, recentChange, replicaTotal } from '../analysis/derive.js';
import { containerPatch, list, podRef, ref, signal, workloadFix, workloadRef } from '../analysis/format.js';
import { describeMode, group, probeTarget } from '../analysis/probes.js';
import { clock } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence, Fix } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

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
    const own = failures.filter((f) => !killed.has(`${f.pod}|${f.container ?? ''}`));
    if (own.length === 0) return null;
    const g = group(own);
    const notReady = d.pods.filter((p) => p.phase === 'Running' && !p.ready && !p.deleting);
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
    const why =
      fix !== null
        ? `its readiness probe targets port ${target.rawPort}, where nothing listens`
        : own.some((f) => f.mode === 'status' && f.status === 404)
          ? `its readiness probe path ${target.path ?? ''} returns 404`
          : `its readiness probe fails (${mode})`;
    return {
      kind: 'match',
      summary: `${cname || 'The app'} on ${facts.target.workload?.metadata?.name ?? facts.target.name} never becomes Ready: ${why}${noEndpoints && svc ? `; Service ${svc.name} has no ready endpoints` : ''}`,
      signals,
      trigger: change?.text ?? null,
      fix,
      advice:
        fix !== null
          ? 'Point the probe at the port the app listens on (or a named port), then watch the endpoints fill.'
          : `Check the probe's port/path against the app (kubectl -n ${ns} exec ${g.pods[0] ?? '<pod>'} -- wget -qO- localhost:<port><path>) and why the app reports not ready${dep ? `; its dependency ${dep.name} has no ready endpoints` : ''}.`,
      explains: ['service-no-endpoints', 'bad-rollout'],
    };
  },
};
