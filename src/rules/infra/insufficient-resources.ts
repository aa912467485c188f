/**
 * FM-11: FailedScheduling because no node has enough CPU/memory/pods for the pod.
 * Keys on the FailedScheduling fit error (clause arithmetic: resource clauses decide once pre-filters
 * such as the control-plane taint are set aside), the preemption verdict, requests vs node
 * allocatable, and the autoscaler's reaction. Stands down when the failure was transient or another
 * clause (volume, spreading, selector) explains the nodes.
 */
import { isControlPlane, isCordoned, isNotReady, nodeMatchesPod } from '../../analysis/nodes.js';
import { describeClauses } from '../../analysis/scheduling.js';
import type { Facts } from '../../domain/facts.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  formatQuantity,
  kubectlTarget,
  latestOf,
  ms,
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
  rolloutTrigger,
  scaleUpTrigger,
  schedulingPicture,
  schedulingSignal,
  specSignal,
  statusSignal,
  templatePatch,
  templateResource,
  times,
  transientReason,
} from './common.js';

const RESOURCE_KEYS: Record<string, string> = {
  cpu: 'cpu',
  memory: 'memory',
  'ephemeral-storage': 'ephemeral-storage',
};

/** Largest allocatable of `resource` among known schedulable nodes. */
function maxAllocatable(facts: Facts, resource: string): { value: number; node: string } | null {
  let best: { value: number; node: string } | null = null;
  for (const n of facts.nodes) {
    const v = parseQuantity(n.object?.status?.allocatable?.[resource]);
    if (v === null || !n.exists) continue;
    if (!best || v > best.value) best = { value: v, node: n.name };
  }
  return best;
}

export const insufficientResources: Rule = {
  id: 'insufficient-resources',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const pic = schedulingPicture(facts, scope);
    const resourceObs = pic.observations.filter((o) => o.failure.clauses.some((c) => c.kind === 'resources'));
    if (resourceObs.length === 0) {
      const other = otherVerdictReason(pic, 'Insufficient cpu/memory');
      if (other) return { kind: 'ruled-out', reason: other };
      // Unhealthy target whose recent pods were all placed: the nodes had room.
      const scheduled = podEvents(facts, scope, ['Scheduled']).filter((e) => ms(e.last) >= ms(facts.since));
      if (
        pic.observations.length === 0 &&
        pic.pending.length === 0 &&
        scheduled.length > 0 &&
        derived?.health.healthy === false
      ) {
        const pods = new Set(scheduled.map((e) => e.object)).size;
        return {
          kind: 'ruled-out',
          reason: `no FailedScheduling: the ${plural(pods, 'pod')} created in the window ${pods === 1 ? 'was' : 'were'} scheduled (last at ${clock(latestOf(scheduled, (e) => e.last)?.last)}), so the nodes had room.`,
        };
      }
      return null;
    }
    const clauseText = describeClauses(resourceObs[0]?.failure.clauses.filter((c) => c.kind === 'resources') ?? []);

    const transient = transientReason(pic, clauseText);
    if (transient) return { kind: 'ruled-out', reason: transient };
    const a = pic.assessment;
    if (!a || !pic.latest) return null;
    if (a.verdict !== 'resources') {
      const latestResources = pic.latest.failure.clauses.filter((c) => c.kind === 'resources');
      if (latestResources.length === 0) return null;
      return {
        kind: 'ruled-out',
        reason: `only ${describeClauses(latestResources)} of ${pic.latest.failure.total ?? '?'} nodes in the latest FailedScheduling; ${describeClauses(a.decisive)} decides where the pod can run.`,
      };
    }

    const signals: Evidence[] = [];
    const sched = schedulingSignal(pic, scope);
    if (sched) signals.push(sched);
    const resources = [...new Set(a.decisive.map((c) => c.resource ?? ''))].filter(Boolean);
    const template = scope.template;

    // Requests vs the largest node allocatable (spec + node status: independent of the scheduler event).
    let tooLarge: { container: string; resource: string; request: string; max: string; node: string } | null = null;
    for (const res of resources) {
      const key = RESOURCE_KEYS[res];
      if (!key) continue;
      const max = maxAllocatable(facts, key);
      for (const c of template?.spec?.containers ?? []) {
        const req = parseQuantity(c.resources?.requests?.[key]);
        if (req === null) continue;
        if (max && req > max.value) {
          tooLarge = {
            container: c.name,
            resource: key,
            request: c.resources?.requests?.[key] ?? '',
            max: formatQuantity(key, max.value),
            node: max.node,
          };
        }
      }
    }
    if (tooLarge && scope.workload) {
      signals.push(
        specSignal(
          ref(scope.namespace, scope.workload.kind, scope.workload.name),
          `Container ${tooLarge.container} requests ${tooLarge.resource} ${tooLarge.request}, more than the largest node allocatable (${tooLarge.max} on ${tooLarge.node}).`,
        ),
      );
    }

    // Autoscaler reaction (cluster-autoscaler / Karpenter): capacity could not be, or is being, added.
    const autoscaler = podEvents(facts, scope, [
      'NotTriggerScaleUp',
      'TriggeredScaleUp',
      'FailedScheduling',
      'Nominated',
    ]).filter(
      (e) =>
        e.reason !== 'FailedScheduling' || /karpenter/i.test(e.source) || /^Failed to schedule pod/.test(e.message),
    );
    const nodePool = facts.events.filter((e) => e.reason === 'NoCompatibleInstanceTypes');
    const blocked = latestOf(
      [...autoscaler.filter((e) => e.reason === 'NotTriggerScaleUp' || e.reason === 'FailedScheduling'), ...nodePool],
      (e) => e.last,
    );
    const scaling = latestOf(
      autoscaler.filter((e) => e.reason === 'TriggeredScaleUp' || e.reason === 'Nominated'),
      (e) => e.last,
    );
    // Karpenter: `all available instance types exceed limits for nodepool "gpu"` — the pool is capped.
    const capped = blocked ? /exceed limits for nodepool "?([\w.-]+)"?/.exec(blocked.message)?.[1] : undefined;
    if (blocked) {
      signals.push(
        eventSignal(
          blocked,
          capped
            ? `${blocked.reason}${times(blocked)} (Karpenter): every instance type would exceed the limits of NodePool ${capped}, so no node can be added — ${quote(blocked.message, 200)}`
            : `${blocked.reason}${times(blocked)}: ${quote(blocked.message)}`,
        ),
      );
    } else if (scaling) {
      signals.push(
        eventSignal(scaling, `${scaling.reason}: ${quote(scaling.message)} (the autoscaler is adding capacity).`),
      );
    }

    // A recent rollout that raised the requests is the trigger.
    const cur = recentRollout(facts);
    const prev = previousRevision(facts);
    let raised: { container: string; resource: string; from: string; to: string } | null = null;
    if (cur?.template && prev?.template) {
      for (const c of cur.template.spec?.containers ?? []) {
        const old = prev.template.spec?.containers?.find((o) => o.name === c.name);
        for (const res of resources) {
          const key = RESOURCE_KEYS[res];
          if (!key) continue;
          const to = c.resources?.requests?.[key];
          const from = old?.resources?.requests?.[key];
          const toQ = parseQuantity(to);
          const fromQ = parseQuantity(from);
          if (to && from && toQ !== null && fromQ !== null && toQ > fromQ)
            raised = { container: c.name, resource: key, from, to };
        }
      }
    }
    if (raised && cur) {
      signals.push({
        kind: 'rollout',
        ref: ref(scope.namespace, cur.kind, cur.name),
        time: cur.createdAt,
        text: `Revision ${cur.revision} raised ${raised.container} requests.${raised.resource} from ${raised.from} to ${raised.to}.`,
      });
    }

    // The nodes that could take the pod, from their own status: every known node matching its
    // selector/affinity is big enough for it but has no room left for the missing resource (allocatable minus what the
    // target's pods there request). Independent of the scheduler's event.
    const podSpec = template?.spec ?? scope.pods[0]?.spec;
    for (const res of resources) {
      const need = templateResource(template, 'requests', res) ?? templateResource(template, 'limits', res);
      if (need === null || need <= 0) continue;
      const eligible = facts.nodes.filter(
        (n) =>
          n.exists &&
          !isControlPlane(n) &&
          !isCordoned(n) &&
          !isNotReady(n) &&
          nodeMatchesPod(n, podSpec?.nodeSelector, podSpec?.affinity) &&
          parseQuantity(n.object?.status?.allocatable?.[res]) !== null,
      );
      if (eligible.length === 0) continue;
      const full = eligible.map((n) => {
        const alloc = parseQuantity(n.object?.status?.allocatable?.[res]) ?? 0;
        const used = scope.pods
          .filter((p) => p.spec?.nodeName === n.name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
          .reduce(
            (sum, p) =>
              sum +
              (p.spec?.containers ?? []).reduce(
                (x, c) => x + (parseQuantity(c.resources?.requests?.[res] ?? c.resources?.limits?.[res]) ?? 0),
                0,
              ),
            0,
          );
        return { n, alloc, used, free: alloc - used };
      });
      // Room used up (each node could hold the pod empty), not a request too large for any node.
      if (full.every((x) => x.free < need && x.alloc >= need)) {
        const fmt = (v: number) => formatQuantity(res, v);
        signals.push(
          statusSignal(
            ref('default', 'Node', full[0]?.n.name ?? ''),
            null,
            `The ${plural(full.length, 'known node')} that match the pod's selector (${full
              .slice(0, 3)
              .map(
                (x) => `${x.n.name}: ${res} ${fmt(x.alloc)} allocatable, ${fmt(x.used)} requested by running replicas`,
              )
              .join(
                '; ',
              )}${full.length > 3 ? '; …' : ''}) have less than the ${fmt(need)} ${res} a new replica requests.`,
          ),
        );
        break;
      }
    }

    const total = pic.latest.failure.total;
    const summary =
      `${plural(pic.pending.length || pic.pods.length, 'pod')} cannot be scheduled on any of the ${total ?? '?'} nodes: ${describeClauses(a.decisive)}` +
      (a.incidental.length > 0 ? ` (${describeClauses(a.incidental)} incidental)` : '') +
      (a.requestTooLarge || tooLarge
        ? '; the request is larger than any node can offer.'
        : a.clusterFull
          ? '; the cluster is full (no lower-priority pods to preempt).'
          : '.');

    // A safe patch only when the new request can never fit and the previous revision's value did.
    let fix: Fix | null = null;
    if (tooLarge && raised && raised.resource === tooLarge.resource && patchable(scope.workload)) {
      const fromQ = parseQuantity(raised.from);
      const max = maxAllocatable(facts, raised.resource);
      if (fromQ !== null && max && fromQ <= max.value) {
        fix = {
          summary: `restore ${raised.container} requests.${raised.resource} ${raised.to}→${raised.from} (revision ${prev?.revision}'s value, which fits the nodes); if the new version really needs ${raised.to}, add a node group with larger instances instead`,
          resource: scope.workload,
          patchType: 'strategic',
          patch: templatePatch(scope.workload.kind, {
            containers: [{ name: raised.container, resources: { requests: { [raised.resource]: raised.from } } }],
          }),
        };
      }
    }
    const ns = scope.namespace;
    const target = kubectlTarget(scope.workload, `pod/${pic.latest.pod}`);
    const advice =
      a.requestTooLarge || tooLarge
        ? `Lower the requests of ${target} below the largest node's allocatable (kubectl -n ${ns} set resources ${target} --requests=…) or add a node group / NodePool with a larger instance type; check with kubectl describe nodes | grep -A6 Allocatable.`
        : capped
          ? `NodePool ${capped} is at its limits (kubectl get nodepool ${capped} -o jsonpath='{.spec.limits} {.status.resources}'): raising them is a capacity/spend decision; otherwise free capacity on its nodes or reduce the replicas/requests of ${target}. No automatic patch.`
          : `Add capacity: raise the node group max / NodePool limits (the autoscaler cannot place ${target}), or reduce the requests/replicas of ${target}; see kubectl -n ${ns} describe pod ${pic.latest.pod} and kubectl top nodes.`;
    return {
      kind: 'match',
      summary,
      signals,
      trigger:
        rolloutTrigger(facts) ??
        scaleUpTrigger(facts, scope, pic.firstSeen) ??
        nodeLoss(facts, scope, pic.firstSeen)?.text ??
        null,
      fix,
      advice,
      explains: rolloutExplains(facts),
    };
  },
};
