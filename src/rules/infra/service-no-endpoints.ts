/**
 * FM-30: a Service's selector (or named targetPort) matches none of the pods meant to back it, so it
 * has no endpoints at all; usually no event anywhere.
 * Keys on the Endpoints being empty (status), the Service selector vs the labels the target's pods
 * carry (spec: all but one key agree), Ready pods existing with the other value (status), or a named
 * targetPort that no container declares. Endpoints that exist but are not Ready are a readiness
 * problem (FM-08) and are ruled out.
 */
import type { ServiceFacts } from '../../domain/facts.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import { buildScope, formatLabels, plural, ref, specSignal, statusSignal } from './common.js';

interface Diff {
  same: string[];
  differ: string[];
  absent: string[];
}

function compare(selector: Record<string, string>, labels: Record<string, string>): Diff {
  const d: Diff = { same: [], differ: [], absent: [] };
  for (const [k, v] of Object.entries(selector)) {
    if (!(k in labels)) d.absent.push(k);
    else if (labels[k] === v) d.same.push(k);
    else d.differ.push(k);
  }
  return d;
}

export const serviceNoEndpoints: Rule = {
  id: 'service-no-endpoints',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const ns = scope.namespace;
    const labels = scope.podLabels;
    const hasLabels = Object.keys(labels).length > 0;
    const isTargetSvc = (s: ServiceFacts) => facts.target.kind === 'Service' && s.name === facts.target.name;
    const candidates = facts.services.filter((s) => {
      if ((s.namespace || ns) !== ns || Object.keys(s.selector).length === 0) return false;
      if (s.matchesTemplate || isTargetSvc(s)) return true;
      if (!hasLabels) return false;
      const d = compare(s.selector, labels);
      return d.same.length >= 1 && d.differ.length + d.absent.length >= 1;
    });
    if (candidates.length === 0) return null;
    const empty = candidates.filter((s) => s.endpoints.ready === 0 && s.endpoints.notReady === 0);
    const notReadyOnly = candidates.filter((s) => s.endpoints.ready === 0 && s.endpoints.notReady > 0);
    const svc = empty[0];
    if (!svc) {
      const nr = notReadyOnly[0];
      if (nr) {
        return {
          kind: 'ruled-out',
          reason: `Service ${nr.name} does select the pods (${nr.endpoints.notReady} not-ready endpoint(s)): they fail readiness, the selector is fine.`,
        };
      }
      return null;
    }

    const readyPods = scope.pods.filter(
      (p) =>
        p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const signals: Evidence[] = [
      statusSignal(
        ref(ns, 'Endpoints', svc.name),
        null,
        svc.endpoints.exists
          ? `Endpoints ${svc.name} has no addresses (0 ready, 0 not ready).`
          : `Service ${svc.name} has no Endpoints/EndpointSlice addresses at all.`,
      ),
    ];
    const svcRef = ref(ns, 'Service', svc.name);
    const d = hasLabels ? compare(svc.selector, labels) : null;
    let fix: Fix | null = null;
    let summary: string;
    let advice: string;

    if (d && (d.differ.length > 0 || d.absent.length > 0)) {
      const wrong = [...d.differ, ...d.absent];
      const podSide = d.differ.map((k) => `${k}=${labels[k]}`).concat(d.absent.map((k) => `no ${k} label`));
      signals.push(
        specSignal(
          svcRef,
          `Service ${svc.name} selects ${formatLabels(svc.selector)}, but the pods carry ${podSide.join(', ')}${scope.workload ? ` (${scope.workload.kind} ${scope.workload.name} template)` : ''}.`,
        ),
      );
      if (readyPods.length > 0) {
        signals.push(
          statusSignal(
            ref(ns, 'Pod', readyPods[0]?.metadata?.name ?? ''),
            null,
            `${plural(readyPods.length, 'pod')} are Running and Ready with ${wrong.map((k) => (k in labels ? `${k}=${labels[k]}` : `no ${k}`)).join(', ')}: healthy backends the selector misses.`,
          ),
        );
      }
      const key = d.differ[0];
      if (d.differ.length === 1 && d.absent.length === 0 && key !== undefined && labels[key] !== undefined) {
        fix = {
          summary: `point Service ${svc.name} selector ${key} at ${labels[key]} (was ${svc.selector[key]})`,
          resource: { apiVersion: 'v1', kind: 'Service', namespace: ns, name: svc.name },
          patchType: 'strategic',
          patch: { spec: { selector: { [key]: labels[key] } } },
        };
      }
      summary = `Service ${svc.name} has no endpoints: its selector ${wrong.map((k) => `${k}=${svc.selector[k]}`).join(', ')} does not match the pods (${podSide.join(', ')}).`;
      advice = `Align selector and labels: kubectl -n ${ns} patch svc ${svc.name} -p '${JSON.stringify({ spec: { selector: { ...svc.selector, ...Object.fromEntries(d.differ.map((k) => [k, labels[k]])) } } })}'${d.absent.length > 0 ? ` (or add ${d.absent.join(', ')} to the pod labels)` : ''}, or fix the pod template labels if the Service is right.`;
    } else {
      // Selector matches: a named targetPort no container declares leaves the pod out of the endpoints.
      const containers = scope.template?.spec?.containers ?? scope.pods[0]?.spec?.containers ?? [];
      const ports = containers.flatMap((c) => c.ports ?? []);
      const bad = svc.ports.find(
        (p) =>
          typeof p.targetPort === 'string' &&
          !/^\d+$/.test(p.targetPort) &&
          !ports.some((cp) => cp.name === p.targetPort),
      );
      if (bad && ports.length > 0) {
        signals.push(
          specSignal(
            svcRef,
            `Service ${svc.name} port ${bad.port} targets port name "${bad.targetPort}", which no container declares (ports: ${ports.map((p) => `${p.name ?? '-'}:${p.containerPort}`).join(', ')}).`,
          ),
        );
        const only = ports.length === 1 ? ports[0] : undefined;
        if (only && svc.ports.length === 1) {
          const to = only.name ?? only.containerPort;
          fix = {
            summary: `set Service ${svc.name} targetPort ${bad.targetPort}→${to}`,
            resource: { apiVersion: 'v1', kind: 'Service', namespace: ns, name: svc.name },
            patchType: 'strategic',
            patch: { spec: { ports: [{ port: bad.port, targetPort: to }] } },
          };
        }
        if (readyPods.length > 0) {
          signals.push(
            statusSignal(
              ref(ns, 'Pod', readyPods[0]?.metadata?.name ?? ''),
              null,
              `${plural(readyPods.length, 'pod')} selected by the Service are Running and Ready, yet none is an endpoint.`,
            ),
          );
        }
        summary = `Service ${svc.name} has no endpoints: targetPort "${bad.targetPort}" matches no container port.`;
        advice = `Set the Service targetPort to the container's port (kubectl -n ${ns} edit svc ${svc.name}).`;
      } else if (scope.pods.length === 0) {
        if (!isTargetSvc(svc)) return null;
        summary = `Service ${svc.name} has no endpoints: its selector ${formatLabels(svc.selector)} matches no pod.`;
        advice = `kubectl -n ${ns} get pods -l ${formatLabels(svc.selector)} returns nothing: compare with kubectl -n ${ns} get pods --show-labels and fix the selector or the pod labels.`;
        signals.push(specSignal(svcRef, `Service ${svc.name} selects ${formatLabels(svc.selector)}.`));
      } else {
        // Matching pods exist but none is an endpoint and none is Ready: pods not running (other causes).
        return null;
      }
    }
    return { kind: 'match', summary, signals, trigger: null, fix, advice, explains: [] };
  },
};
