/**
 * FM-23: the HPA cannot compute its metrics (a container without the resource request, or the
 * metrics API is down), so it does not scale.
 * Keys on `FailedGetResourceMetric` / `FailedComputeMetricsReplicas` events and the identical
 * `ScalingActive=False` condition (one observation), the template container missing the request
 * (spec) and Causa's own failed read of metrics.k8s.io (gap). Ruled out once ScalingActive is True again.
 */
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  formatBytes,
  formatCpu,
  latestOf,
  ms,
  parseQuantity,
  patchable,
  quote,
  ref,
  specSignal,
  statusSignal,
  templatePatch,
  times,
} from './common.js';
import { hpaCondition, targetHpas } from './hpa.js';

const FAILED = [
  'FailedGetResourceMetric',
  'FailedComputeMetricsReplicas',
  'FailedGetContainerResourceMetric',
  'FailedGetPodsMetric',
  'FailedGetExternalMetric',
  'FailedGetObjectMetric',
];
const MISSING = /missing request for ([\w./-]+)(?: in container "?([\w.-]+)"?)?(?: of Pod "?([\w.-]+)"?)?/;
const API_DOWN =
  /resource metrics API|metrics\.k8s\.io|custom\.metrics|external\.metrics|unable to fetch metrics|no metrics returned|the server is currently unable to handle the request/;

export const hpaMetricsUnavailable: Rule = {
  id: 'hpa-metrics-unavailable',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    for (const h of targetHpas(facts, scope)) {
      const events = facts.events.filter(
        (e) => e.kind === 'HorizontalPodAutoscaler' && e.object === h.name && FAILED.includes(e.reason),
      );
      const active = hpaCondition(h, 'ScalingActive');
      const failingNow = active?.status === 'False' && /Failed|Invalid/.test(active.reason ?? '');
      const last = latestOf(events, (e) => e.last);
      if (!last && !failingNow) continue;
      const hpaRef = `${h.ref.namespace}/HorizontalPodAutoscaler/${h.name}`;
      if (!failingNow && active?.status === 'True' && last && ms(active.lastTransitionTime) > ms(last.last)) {
        return {
          kind: 'ruled-out',
          reason: `HPA ${h.name} metrics recovered: ScalingActive=True (${active.reason ?? ''}) since ${clock(active.lastTransitionTime)}, after the last ${last.reason} at ${clock(last.last)}.`,
        };
      }
      const message = last?.message ?? active?.message ?? '';
      const signals: Evidence[] = [
        last
          ? eventSignal(last, `${last.reason} on HPA ${h.name}${times(last)}: ${quote(message, 300)}`)
          : statusSignal(
              hpaRef,
              active?.lastTransitionTime ?? null,
              `HPA ${h.name} ScalingActive=False (${active?.reason}): ${quote(message, 300)}`,
            ),
      ];
      const ns = h.ref.namespace;
      const missing = MISSING.exec(message);
      let fix: Fix | null = null;
      let summary: string;
      let advice: string;
      if (missing) {
        const res = missing[1] ?? 'cpu';
        const name = missing[2] ?? null;
        const containers = scope.template?.spec?.containers ?? [];
        const lacking = containers.filter((c) => !c.resources?.requests?.[res] && (name === null || c.name === name));
        const ctr = lacking[0];
        if (ctr && scope.workload) {
          signals.push(
            specSignal(
              ref(scope.namespace, scope.workload.kind, scope.workload.name),
              `Container ${ctr.name} of ${scope.workload.kind} ${scope.workload.name} sets no requests.${res}; utilization is a percentage of that request.`,
            ),
          );
        }
        if (ctr && patchable(scope.workload) && (res === 'cpu' || res === 'memory')) {
          const lim = parseQuantity(ctr.resources?.limits?.[res]);
          const value =
            res === 'cpu'
              ? formatCpu(lim !== null ? Math.min(lim, 0.25) : 0.25)
              : formatBytes(lim !== null ? Math.min(lim, 256 * 2 ** 20) : 256 * 2 ** 20);
          fix = {
            summary: `add requests.${res}: ${value} to container ${ctr.name} so HPA ${h.name} can compute utilization`,
            resource: scope.workload,
            patchType: 'strategic',
            patch: templatePatch(scope.workload.kind, {
              containers: [{ name: ctr.name, resources: { requests: { [res]: value } } }],
            }),
          };
        }
        const inTemplate = name === null || containers.some((c) => c.name === name);
        summary = `HPA ${h.name} cannot compute ${res} utilization: container ${name ?? ctr?.name ?? '?'} has no ${res} request${inTemplate ? '' : ' (an injected sidecar, not in the pod template)'}.`;
        advice = inTemplate
          ? `Set resources.requests.${res} on every container of ${scope.workload ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}` : 'the workload'} (kubectl -n ${ns} set resources ${scope.workload ? `${scope.workload.kind.toLowerCase()}/${scope.workload.name}` : '<workload>'} -c ${name ?? ctr?.name ?? '<container>'} --requests=${res}=${res === 'cpu' ? '250m' : '256Mi'}), sized to real usage.`
          : `Container ${name} is injected (sidecar): set its ${res} request through the injector's annotations/config, or use a ContainerResource metric for the app container.`;
      } else if (API_DOWN.test(message)) {
        const gap = facts.gaps.find((g) => /metrics\.k8s\.io|metrics/.test(`${g.resource} ${g.message}`));
        if (gap)
          signals.push(
            statusSignal(
              ref(gap.namespace ?? 'default', 'APIService', 'v1beta1.metrics.k8s.io'),
              null,
              `Causa's own ${gap.verb} ${gap.resource} failed: ${quote(gap.message, 160)}.`,
            ),
          );
        summary = `HPA ${h.name} cannot read metrics: the metrics API is unavailable (${quote(message, 140)}).`;
        advice = `Restore metrics-server: kubectl get apiservice v1beta1.metrics.k8s.io; kubectl -n kube-system get pods -l k8s-app=metrics-server; kubectl -n kube-system logs deploy/metrics-server. Until then HPA ${h.name} will not scale.`;
      } else {
        summary = `HPA ${h.name} cannot compute its metrics: ${quote(message, 160)}`;
        advice = `kubectl -n ${ns} describe hpa ${h.name}; check the metric source (metrics-server, custom/external metrics adapter) and that the target pods are Ready.`;
      }
      return { kind: 'match', summary, signals, trigger: null, fix, advice, explains: [] };
    }
    return null;
  },
};
