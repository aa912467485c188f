/**
 * FM-33: the target's pods were preempted by higher-priority pods.
 * Keys on the scheduler's `Preempted` events on the target's pods (or their
 * `DisruptionTarget=PreemptionByScheduler` condition: the same observation), the template's
 * priority (no priorityClassName = priority 0), and replacements left Pending for lack of room.
 * A node interruption that squeezed capacity just before is the trigger.
 */
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  earliestOf,
  eventSignal,
  kubectlTarget,
  latestOf,
  ms,
  nodeLoss,
  plural,
  podEvents,
  quote,
  ref,
  schedulingPicture,
  schedulingSignal,
  specSignal,
  statusSignal,
  times,
} from './common.js';

export const preempted: Rule = {
  id: 'preempted',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const ns = scope.namespace;
    const events = podEvents(facts, scope, ['Preempted']).filter((e) => ms(e.last) >= ms(facts.since));
    const conds = scope.pods
      .map((p) => ({
        p,
        c: p.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler'),
      }))
      .filter((x) => x.c !== undefined);
    if (events.length === 0 && conds.length === 0) return null;

    const signals: Evidence[] = [];
    const last = latestOf(events, (e) => e.last);
    const first = earliestOf(events, (e) => e.first ?? e.last);
    const victims = new Set([...events.map((e) => e.object), ...conds.map((x) => x.p.metadata?.name ?? '')]);
    if (last) {
      signals.push(
        eventSignal(last, `Preempted on ${plural(victims.size, 'target pod')}${times(last)}: ${quote(last.message)}`),
      );
    } else {
      const x = conds[0];
      signals.push(
        statusSignal(
          ref(ns, 'Pod', x?.p.metadata?.name ?? ''),
          x?.c?.lastTransitionTime ?? null,
          `${plural(victims.size, 'target pod')} DisruptionTarget=PreemptionByScheduler: ${x?.c?.message ?? 'preempting to accommodate a higher priority pod'}.`,
        ),
      );
    }
    const msg = last?.message ?? '';
    const by = /Preempted by (?:pod )?([\w.-]+\/[\w.-]+|[0-9a-f-]{36}|a pod)/.exec(msg)?.[1] ?? null;
    const node = /on node (\S+)/.exec(msg)?.[1] ?? null;

    const spec = scope.template?.spec ?? scope.pods[0]?.spec;
    const wref = scope.workload
      ? ref(ns, scope.workload.kind, scope.workload.name)
      : ref(ns, 'Pod', [...victims][0] ?? '');
    if (spec && !spec.priorityClassName) {
      signals.push(
        specSignal(
          wref,
          'The pod template sets no priorityClassName: its pods run at priority 0 (or the global default) and are the first victims.',
        ),
      );
    }
    const pic = schedulingPicture(facts, scope);
    if (pic.pending.length > 0 && pic.latest) {
      const s = schedulingSignal(pic, scope);
      if (s) signals.push({ ...s, text: `Replacement pod(s) cannot be scheduled: ${s.text}` });
    }

    const loss = nodeLoss(facts, scope, first?.first ?? first?.last ?? null);
    const trigger = loss
      ? `${loss.text}, which removed capacity`
      : by && by !== 'a pod'
        ? `higher-priority pod ${by} needed room${node ? ` on ${node}` : ''}`
        : null;
    const target = kubectlTarget(scope.workload, `pod/${[...victims][0] ?? ''}`);
    return {
      kind: 'match',
      summary: `${plural(victims.size, 'target pod')} preempted by the scheduler${by && by !== 'a pod' ? ` for ${by}` : ' for a higher-priority pod'}${node ? ` on ${node}` : ''} at ${clock(first?.first ?? first?.last ?? conds[0]?.c?.lastTransitionTime)}${pic.pending.length > 0 ? `; ${plural(pic.pending.length, 'replacement')} still Pending` : ''}.`,
      signals,
      trigger,
      fix: null,
      advice: `Check priorities (kubectl get priorityclass; kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PRIO:.spec.priority --sort-by=.spec.priority | tail): give ${target} a PriorityClass that matches its importance, set preemptionPolicy: Never on batch classes, or add capacity so preemption is not needed.`,
      explains: ['insufficient-resources'],
    };
  },
};
