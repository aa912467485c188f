/**
 * FM-12 / FM-13: FailedScheduling because a constraint cannot be met: untolerated taint,
 * nodeSelector/node affinity, cordoned nodes, pod (anti-)affinity or topology spread.
 * Keys on the fit-error clauses (all nodes excluded by pre-filters, or spreading clauses deciding
 * among the nodes that had room), then corroborates with the template's constraint (spec), the
 * nodes' labels/taints/cordon state (status), the autoscaler's verdict and the rollout that
 * introduced the constraint. The control-plane taint clause alone is incidental.
 */
import {
  describeNodeTerms,
  formatTaint,
  isControlPlane,
  isCordoned,
  isNotReady,
  nodeMatchesPod,
  requiredNodeTerms,
  type Toleration,
  untoleratedTaints,
} from '../../analysis/nodes.js';
import { type ClauseKind, describeClauses, taintClass } from '../../analysis/scheduling.js';
import type { Facts, NodeFacts } from '../../domain/facts.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  eventSignal,
  formatLabels,
  kubectlTarget,
  latestOf,
  nodeLoss,
  otherVerdictReason,
  parseQuantity,
  patchable,
  plural,
  podEvents,
  previousRevision,
  quote,
  recentRollout,
  ref,
  rolloutExplains,
  type Scope,
  schedulingPicture,
  schedulingSignal,
  specSignal,
  statusSignal,
  templatePatch,
  templateResource,
  times,
  transientReason,
} from './common.js';

const CONSTRAINT_KINDS: ClauseKind[] = ['taint', 'selector', 'unschedulable', 'affinity', 'antiAffinity', 'topology'];

// biome-ignore lint/suspicious/noExplicitAny: raw pod spec fields
type Raw = any;

interface Spread {
  topologyKey: string;
  whenUnsatisfiable?: string;
  maxSkew?: number;
  nodeTaintsPolicy?: string;
}

function requiredAntiAffinity(spec: Raw): { topologyKey: string }[] {
  const terms = spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) ? terms : [];
}

function strictSpreads(spec: Raw): Spread[] {
  const list = spec?.topologySpreadConstraints;
  if (!Array.isArray(list)) return [];
  return (list as Spread[]).filter((c) => (c.whenUnsatisfiable ?? 'DoNotSchedule') === 'DoNotSchedule');
}

function constraintText(spec: Raw): string {
  const parts: string[] = [];
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0)
    parts.push(`nodeSelector ${formatLabels(spec.nodeSelector)}`);
  const terms = describeNodeTerms(spec.affinity);
  if (terms) parts.push(`required node affinity ${terms}`);
  return parts.join(' and ');
}

/** The spec fields that changed between the previous and the current revision, among the constraints. */
function constraintChange(
  facts: Facts,
): { field: string; revision: number; name: string; kind: string; time: string | null } | null {
  const cur = recentRollout(facts);
  const prev = previousRevision(facts);
  if (!cur?.template || !prev?.template) return null;
  const a: Raw = prev.template.spec ?? {};
  const b: Raw = cur.template.spec ?? {};
  for (const field of ['nodeSelector', 'affinity', 'tolerations', 'topologySpreadConstraints']) {
    if (JSON.stringify(a[field] ?? null) !== JSON.stringify(b[field] ?? null)) {
      return { field, revision: cur.revision, name: cur.name, kind: cur.kind, time: cur.createdAt };
    }
  }
  return null;
}

/**
 * A nodeSelector with exactly one key that no usable node satisfies, where exactly one value of that
 * label belongs to nodes that satisfy everything else (other keys, taints, allocatable ≥ requests):
 * point the selector at it. Null when that is not unambiguous.
 */
function selectorFix(scope: Scope, spec: Raw, known: NodeFacts[]): Fix | null {
  const sel: Record<string, string> = spec.nodeSelector ?? {};
  if (!patchable(scope.workload) || requiredNodeTerms(spec.affinity).length > 0) return null;
  const usable = known.filter((n) => !isNotReady(n) && !isCordoned(n));
  const bad = Object.keys(sel).filter((k) => !usable.some((n) => n.labels[k] === sel[k]));
  const key = bad[0];
  if (bad.length !== 1 || key === undefined) return null;
  const rest = Object.keys(sel).filter((k) => k !== key);
  const tolerations: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const need = {
    cpu: templateResource(scope.template, 'requests', 'cpu'),
    memory: templateResource(scope.template, 'requests', 'memory'),
  };
  const fits = usable.filter((n) => {
    if (!(key in n.labels) || !rest.every((k) => n.labels[k] === sel[k])) return false;
    if (untoleratedTaints(n, tolerations).length > 0) return false;
    return (['cpu', 'memory'] as const).every((r) => {
      const alloc = parseQuantity(n.object?.status?.allocatable?.[r]);
      return need[r] === null || alloc === null || alloc >= (need[r] ?? 0);
    });
  });
  const values = [...new Set(fits.map((n) => n.labels[key] ?? ''))];
  const value = values[0];
  if (values.length !== 1 || value === undefined) return null;
  const why =
    need.memory !== null || need.cpu !== null
      ? 'the only nodes that satisfy the rest of the spec and fit its requests'
      : 'the only nodes that satisfy the rest of the spec';
  return {
    summary: `point nodeSelector ${key} at ${value} (was ${sel[key]}): ${why}`,
    resource: scope.workload,
    patchType: 'strategic',
    patch: templatePatch(scope.workload.kind, { nodeSelector: { [key]: value } }),
  };
}

function workloadRef(scope: Scope, pod: string): string {
  return scope.workload
    ? ref(scope.namespace, scope.workload.kind, scope.workload.name)
    : ref(scope.namespace, 'Pod', pod);
}

export const schedulingConstraints: Rule = {
  id: 'scheduling-constraints',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const pic = schedulingPicture(facts, scope);
    const withConstraint = pic.observations.filter((o) =>
      o.failure.clauses.some((c) => CONSTRAINT_KINDS.includes(c.kind)),
    );
    if (withConstraint.length === 0) {
      const other = otherVerdictReason(pic, 'taint/selector/affinity/spread');
      return other ? { kind: 'ruled-out', reason: other } : null;
    }

    const firstClauses = withConstraint[0]?.failure.clauses.filter((c) => CONSTRAINT_KINDS.includes(c.kind)) ?? [];
    const transient = transientReason(pic, describeClauses(firstClauses));
    if (transient) return { kind: 'ruled-out', reason: transient };
    const a = pic.assessment;
    const latest = pic.latest;
    if (!a || !latest) return null;
    if (a.verdict !== 'constraints') {
      const present = latest.failure.clauses.filter((c) => CONSTRAINT_KINDS.includes(c.kind));
      if (present.length === 0) return null;
      const incidental = present.filter((c) => a.incidental.includes(c));
      const why =
        incidental.length === present.length
          ? `${describeClauses(present)} is incidental (control-plane / node-lifecycle taint)`
          : `${describeClauses(present)} only narrows the candidate nodes`;
      return { kind: 'ruled-out', reason: `${why}; ${describeClauses(a.decisive)} is what blocks the pod.` };
    }

    const kinds = new Set(a.decisive.map((c) => c.kind));
    const spec: Raw = scope.template?.spec ?? scope.pods[0]?.spec ?? {};
    // The selector is satisfiable: a known node matches it, and the scheduler kept the pod off that
    // node for a node-condition taint (memory/disk pressure, not-ready…). The node's condition blocks
    // the pod, not its constraint (each node is counted under the first filter it fails, taints first).
    const conditionClauses = latest.failure.clauses.filter((c) => c.taint?.class === 'node-condition');
    if (conditionClauses.length > 0 && [...kinds].every((k) => k === 'selector')) {
      const tolerations: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const keys = conditionClauses.map((c) => c.taint?.key ?? '');
      const eligible = facts.nodes.filter(
        (n) =>
          n.exists &&
          !isControlPlane(n) &&
          nodeMatchesPod(n, spec.nodeSelector, spec.affinity) &&
          untoleratedTaints(n, tolerations).every(
            (t) => keys.includes(t.key) || taintClass(t.key) === 'node-condition',
          ),
      );
      if (eligible.length > 0) {
        return {
          kind: 'ruled-out',
          reason: `${constraintText(spec) || 'the node selector'} matches ${plural(eligible.length, 'node')} (${eligible
            .slice(0, 3)
            .map((n) => n.name)
            .join(
              ', ',
            )}), kept off by ${describeClauses(conditionClauses)}: a node condition, not the pod's constraint, blocks it.`,
        };
      }
    }
    const signals: Evidence[] = [];
    const sched = schedulingSignal(pic, scope);
    if (sched) signals.push(sched);
    const wref = workloadRef(scope, latest.pod);
    const known = facts.nodes.filter((n) => n.exists && !isControlPlane(n));
    const advice: string[] = [];
    const ns = scope.namespace;
    const target = kubectlTarget(scope.workload, `pod/${latest.pod}`);
    let fix: Fix | null = null;

    if (kinds.has('selector')) {
      const text = constraintText(spec);
      if (text) signals.push(specSignal(wref, `The pod template requires ${text}.`));
      if (known.length > 0 && text) {
        const matching = known.filter((n) => nodeMatchesPod(n, spec.nodeSelector, spec.affinity));
        if (matching.length === 0) {
          signals.push(
            statusSignal(
              ref('default', 'Node', known[0]?.name ?? ''),
              null,
              `None of the ${known.length} known worker nodes (${known.map((n) => n.name).join(', ')}) carries ${text}.`,
            ),
          );
        }
      }
      fix = selectorFix(scope, spec, known);
      advice.push(
        `No node satisfies ${text || "the pod's node selector/affinity"}: fix the selector of ${target} (kubectl -n ${ns} edit ${target}) or label the intended node (kubectl label node <node> ${spec.nodeSelector ? formatLabels(spec.nodeSelector) : '<key>=<value>'}).`,
      );
    }

    if (kinds.has('taint')) {
      const tolerations: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const shown = a.decisive.filter((c) => c.kind === 'taint' && c.taint?.key).map((c) => c.taint?.key ?? '');
      const tainted = known
        .map((n) => ({ n, taints: untoleratedTaints(n, tolerations) }))
        .filter((x) => x.taints.length > 0 && (shown.length === 0 || x.taints.some((t) => shown.includes(t.key))));
      if (tainted.length > 0) {
        const first = tainted[0];
        signals.push(
          statusSignal(
            ref('default', 'Node', first?.n.name ?? ''),
            null,
            `${tainted.length} node(s) carry taints the pod does not tolerate: ${tainted
              .slice(0, 3)
              .map((x) => `${x.n.name} ${x.taints.map(formatTaint).join(' ')}`)
              .join('; ')}.`,
          ),
        );
      }
      const keys = shown.length > 0 ? shown : [...new Set(tainted.flatMap((x) => x.taints.map((t) => t.key)))];
      signals.push(
        specSignal(
          wref,
          tolerations.length === 0
            ? 'The pod template has no tolerations.'
            : `The pod template tolerates only ${tolerations.map((t) => t.key ?? '*').join(', ')}${keys.length > 0 ? `, not ${keys.join(', ')}` : ''}.`,
        ),
      );
      advice.push(
        `Add a toleration${keys.length > 0 ? ` for ${keys.join(', ')}` : ''} to ${target} if it is meant to run on those nodes, or remove the taint (kubectl taint node <node> <key>-).`,
      );
    }

    if (kinds.has('unschedulable')) {
      const cordoned = facts.nodes.filter((n) => n.exists && isCordoned(n));
      if (cordoned.length > 0) {
        signals.push(
          statusSignal(
            ref('default', 'Node', cordoned[0]?.name ?? ''),
            null,
            `${cordoned.length} node(s) are cordoned (spec.unschedulable): ${cordoned.map((n) => n.name).join(', ')}.`,
          ),
        );
      }
      advice.push(
        `Nodes are cordoned: finish or undo the drain (kubectl uncordon ${cordoned.map((n) => n.name).join(' ') || '<node>'}) or add nodes.`,
      );
    }

    if (kinds.has('antiAffinity') || kinds.has('affinity')) {
      const anti = requiredAntiAffinity(spec);
      const replicas = facts.target.workload?.spec?.replicas;
      if (anti.length > 0) {
        const keys = [...new Set(anti.map((t) => t.topologyKey))].join(', ');
        const schedulable = known.filter((n) => !isCordoned(n)).length;
        signals.push(
          specSignal(
            wref,
            `Required pod anti-affinity on ${keys}${typeof replicas === 'number' ? ` with ${replicas} replicas` : ''}${schedulable > 0 ? ` and ${schedulable} schedulable worker node(s)` : ''}.`,
          ),
        );
        advice.push(
          `Required anti-affinity on ${keys} needs one eligible ${keys.includes('hostname') ? 'node' : 'domain'} per replica: use preferredDuringSchedulingIgnoredDuringExecution, lower the replicas (kubectl -n ${ns} scale ${target} --replicas=N) or add nodes.`,
        );
      } else {
        advice.push(`Check the pod (anti-)affinity rules of ${target} against the pods already running on each node.`);
      }
    }

    if (kinds.has('topology')) {
      const strict = strictSpreads(spec);
      if (strict.length > 0) {
        signals.push(
          specSignal(
            wref,
            `topologySpreadConstraints ${strict.map((c) => `${c.topologyKey} maxSkew=${c.maxSkew ?? 1} DoNotSchedule${c.nodeTaintsPolicy ? ` nodeTaintsPolicy=${c.nodeTaintsPolicy}` : ''}`).join('; ')}.`,
          ),
        );
      }
      const taintedDomain = latest.failure.clauses.some((c) => c.kind === 'taint');
      const fixable = strict.filter((c) => !c.nodeTaintsPolicy);
      if (taintedDomain && fixable.length > 0 && patchable(scope.workload)) {
        fix = {
          summary:
            'honour node taints in topology spread (nodeTaintsPolicy: Honor) so tainted nodes stop counting as empty domains',
          resource: scope.workload,
          patchType: 'strategic',
          patch: templatePatch(scope.workload.kind, {
            topologySpreadConstraints: fixable.map((c) => ({
              topologyKey: c.topologyKey,
              whenUnsatisfiable: c.whenUnsatisfiable ?? 'DoNotSchedule',
              nodeTaintsPolicy: 'Honor',
            })),
          }),
        };
      }
      advice.push(
        `Topology spread cannot be satisfied: set nodeTaintsPolicy: Honor${taintedDomain ? ' (a tainted node counts as an empty domain)' : ''}, whenUnsatisfiable: ScheduleAnyway, or add nodes in the missing domains.`,
      );
    }

    // The autoscaler reached the same verdict (independent component).
    const notTriggered = latestOf(podEvents(facts, scope, ['NotTriggerScaleUp']), (e) => e.last);
    if (notTriggered)
      signals.push(
        eventSignal(notTriggered, `NotTriggerScaleUp${times(notTriggered)}: ${quote(notTriggered.message)}`),
      );

    const change = constraintChange(facts);
    if (change) {
      signals.push({
        kind: 'rollout',
        ref: ref(ns, change.kind, change.name),
        time: change.time,
        text: `Revision ${change.revision} changed the pod template's ${change.field}.`,
      });
    }
    const loss = change ? null : nodeLoss(facts, scope, pic.firstSeen);
    const trigger = change
      ? `rollout to revision ${change.revision} changed ${change.field}`
      : loss
        ? `${loss.text} (its pods had to be rescheduled)`
        : null;

    const decisiveText = describeClauses(a.decisive);
    const incidental = a.incidental.length > 0 ? ` (${describeClauses(a.incidental)} incidental)` : '';
    const pods = pic.pending.length || pic.pods.length;
    return {
      kind: 'match',
      summary: `${plural(pods, 'pod')} cannot be scheduled on any of the ${latest.failure.total ?? '?'} nodes: ${decisiveText}${incidental}.`,
      signals,
      trigger,
      fix,
      advice: advice.join(' '),
      explains: rolloutExplains(facts),
    };
  },
};
