/**
 * FM-29: a PodDisruptionBudget blocks a drain / node rotation.
 * Keys on a PDB selecting the target's pods with `disruptionsAllowed: 0` (status), a spec that can
 * never allow a disruption (minAvailable 100% / == replicas, maxUnavailable 0), drain-blocked events
 * (Karpenter `DisruptionBlocked` "Pdb prevents pod evictions", `FailedDraining`, cluster-autoscaler
 * `ScaleDownFailed`) and cordoned nodes still running the target's pods. A PDB whose selector matches
 * nothing (`NoPods`) never blocks and is ruled out.
 */
import { isCordoned } from '../../analysis/nodes.js';
import type { Ev } from '../../domain/facts.js';
import type { KubeObject } from '../../domain/k8s.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  formatLabels,
  latestOf,
  ms,
  objName,
  quote,
  ref,
  selectorMatches,
  specSignal,
  statusSignal,
  times,
} from './common.js';

const DRAIN_REASONS = ['DisruptionBlocked', 'FailedDraining', 'ScaleDownFailed', 'EvictionBlocked', 'FailedEviction'];

/** Why the spec can never allow a voluntary disruption (null when it can). */
function neverAllows(pdb: KubeObject, replicas: number | null): string | null {
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined && s.maxUnavailable !== null) {
    return s.maxUnavailable === 0 || s.maxUnavailable === '0%' || s.maxUnavailable === '0'
      ? `maxUnavailable ${s.maxUnavailable}`
      : null;
  }
  if (s.minAvailable === '100%') return 'minAvailable 100%';
  const expected = replicas ?? (typeof pdb.status?.expectedPods === 'number' ? pdb.status.expectedPods : null);
  if (typeof s.minAvailable === 'number' && expected !== null && s.minAvailable >= expected) {
    return `minAvailable ${s.minAvailable} with ${expected} replica(s)`;
  }
  return null;
}

export const pdbBlockingDisruption: Rule = {
  id: 'pdb-blocking-disruption',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const ns = scope.namespace;
    const podLabelSets = [scope.podLabels, ...scope.pods.map((p) => p.metadata?.labels ?? {})].filter(
      (l) => Object.keys(l).length > 0,
    );
    const inNs = facts.pdbs.filter((p) => (p.metadata?.namespace ?? ns) === ns);
    const matching = inNs.filter((p) => podLabelSets.some((l) => selectorMatches(p.spec?.selector, l)));
    const blocking = matching.filter((p) => p.status?.disruptionsAllowed === 0);

    // Events that show a drain/eviction being refused, on the target's nodes/pods or naming a PDB.
    const pdbNames = new Set(inNs.map(objName));
    const drain = facts.events.filter((e) => {
      if (!DRAIN_REASONS.includes(e.reason) || ms(e.last) < ms(facts.since)) return false;
      if (/budget/i.test(e.message) && e.reason === 'DisruptionBlocked' && /blocking budget/i.test(e.message))
        return false;
      const named = [...e.message.matchAll(/PodDisruptionBudget=\[([^\]]+)\]|disruption budget ([\w.-]+)/g)].flatMap(
        (m) => (m[1] ?? m[2] ?? '').split(/[\s,]+/).map((x) => x.split('/').pop() ?? ''),
      );
      if (named.some((n) => pdbNames.has(n))) return true;
      if (e.kind === 'Node' && scope.nodes.has(e.object) && /pdb|disruption budget|evict|drain/i.test(e.message))
        return true;
      if (e.kind === 'Pod' && scope.isPod(e.object, e.objectNamespace)) return true;
      return [...scope.podNames].some((p) => e.message.includes(p));
    });
    const cordoned = [...scope.nodes.keys()]
      .map((n) => facts.nodes.find((x) => x.name === n))
      .filter((n) => n?.exists && isCordoned(n) && scope.pods.some((p) => p.spec?.nodeName === n.name));

    if (blocking.length === 0) {
      const empty = inNs.find(
        (p) =>
          !matching.includes(p) &&
          (p.status?.expectedPods === 0 ||
            facts.events.some(
              (e) => e.kind === 'PodDisruptionBudget' && e.object === objName(p) && e.reason === 'NoPods',
            )),
      );
      if (empty && (drain.length > 0 || cordoned.length > 0 || matching.length === 0)) {
        return {
          kind: 'ruled-out',
          reason: `PDB ${objName(empty)} selects ${formatLabels(empty.spec?.selector?.matchLabels ?? {}) || 'nothing'}, which matches no pods (NoPods / expectedPods 0): it never blocks an eviction.`,
        };
      }
      return null;
    }
    const replicas =
      typeof facts.target.workload?.spec?.replicas === 'number'
        ? (facts.target.workload.spec.replicas as number)
        : null;
    const pdb = blocking.find((p) => neverAllows(p, replicas)) ?? blocking[0];
    if (!pdb) return null;
    const name = objName(pdb);
    const structural = neverAllows(pdb, replicas);
    const isNodeTarget =
      facts.target.kind === 'Node' && facts.nodes.some((n) => n.name === facts.target.name && isCordoned(n));
    if (drain.length === 0 && cordoned.length === 0 && !isNodeTarget) return null;

    const pdbRef = ref(ns, 'PodDisruptionBudget', name);
    const st = pdb.status ?? {};
    const signals: Evidence[] = [
      statusSignal(
        pdbRef,
        null,
        `PDB ${name} allows 0 disruptions (currentHealthy ${st.currentHealthy ?? '?'}, desiredHealthy ${st.desiredHealthy ?? '?'}, expectedPods ${st.expectedPods ?? '?'}).`,
      ),
    ];
    if (structural)
      signals.push(specSignal(pdbRef, `PDB ${name} has ${structural}: it can never allow a voluntary eviction.`));
    const lastDrain: Ev | null = latestOf(drain, (e) => e.last);
    if (lastDrain)
      signals.push(
        eventSignal(
          lastDrain,
          `${lastDrain.reason} on ${lastDrain.kind} ${lastDrain.object}${times(lastDrain)}: ${quote(lastDrain.message)}`,
        ),
      );
    const c = cordoned[0];
    if (c) {
      const pods = scope.pods.filter((p) => p.spec?.nodeName === c.name).map((p) => p.metadata?.name ?? '');
      signals.push(
        statusSignal(
          ref('default', 'Node', c.name),
          null,
          `Node ${c.name} is cordoned for removal but still runs ${pods.join(', ')}.`,
        ),
      );
    }

    let fix: Fix | null = null;
    if (structural) {
      fix = {
        summary: `let PDB ${name} allow one pod to be evicted at a time (maxUnavailable: 1 instead of ${structural})`,
        resource: { apiVersion: pdb.apiVersion ?? 'policy/v1', kind: 'PodDisruptionBudget', namespace: ns, name },
        patchType: 'merge',
        patch: { spec: { minAvailable: null, maxUnavailable: 1 } },
      };
    }
    const unhealthy =
      typeof st.currentHealthy === 'number' &&
      typeof st.desiredHealthy === 'number' &&
      st.currentHealthy < st.desiredHealthy;
    const node = c?.name ?? (lastDrain?.kind === 'Node' ? lastDrain.object : null);
    const summary = structural
      ? `PDB ${name} (${structural}) never allows an eviction, so the drain of ${node ? `node ${node}` : 'the node'} is blocked.`
      : `PDB ${name} has no disruption left${unhealthy ? ` because only ${st.currentHealthy} of ${st.desiredHealthy} required pods are healthy` : ''}, so the drain of ${node ? `node ${node}` : 'the node'} is blocked.`;
    const advice = structural
      ? `kubectl -n ${ns} patch pdb ${name} --type=merge -p '{"spec":{"minAvailable":null,"maxUnavailable":1}}'${replicas !== null && replicas < 2 ? `; with ${replicas} replica run at least 2 so an eviction does not mean an outage` : ''}.`
      : `Make the pods healthy first (kubectl -n ${ns} get pods -l ${formatLabels(pdb.spec?.selector?.matchLabels ?? {})}), add replicas, or set unhealthyPodEvictionPolicy: AlwaysAllow on PDB ${name}.`;
    return {
      kind: 'match',
      summary,
      signals,
      trigger: lastDrain
        ? `drain of ${lastDrain.kind === 'Node' ? `node ${lastDrain.object}` : lastDrain.object} (${lastDrain.reason}) at ${clock(lastDrain.first ?? lastDrain.last)}`
        : node
          ? `node ${node} cordoned for removal`
          : null,
      fix,
      advice,
      explains: [],
    };
  },
};
