/**
 * FM-32: graceful node shutdown / instance termination: the kubelet itself terminated the pods
 * (`status.reason: Terminated`, `Pod was terminated in response to imminent node shutdown.`) or
 * rejected new ones (`NodeShutdown`).
 * Keys on those pod statuses (one observation), the node's state (NotReady / gone / NodeNotReady)
 * and the interruption events on that node (spot / scheduled event / termination), which also name
 * the trigger. Leftover Terminated pods from before the window are ruled out.
 */
import { isNotReady, nodeCondition } from '../../analysis/nodes.js';
import type { Pod } from '../../domain/k8s.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  kubectlTarget,
  latestOf,
  ms,
  nodeEvents,
  nodeLoss,
  plural,
  quote,
  ref,
  statusSignal,
  times,
} from './common.js';

const SHUTDOWN = /imminent node shutdown|node is shutting down|node shutdown/i;
const INTERRUPT = /Spot|Interrupt|Rebalance|ScheduledEvent|Terminat|Shutdown|Rebooted|ASGLifecycle|Preempt/i;

function shutdownInfo(p: Pod): { time: string | null; message: string } | null {
  const st = p.status;
  const dt = st?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const viaStatus = st?.reason === 'NodeShutdown' || SHUTDOWN.test(st?.message ?? '');
  const viaCond = dt?.reason === 'TerminationByKubelet' && SHUTDOWN.test(dt.message ?? '');
  if (!viaStatus && !viaCond) return null;
  const fin = st?.containerStatuses?.map((c) => c.state?.terminated?.finishedAt).find(Boolean) ?? null;
  return { time: dt?.lastTransitionTime ?? fin ?? null, message: st?.message ?? dt?.message ?? st?.reason ?? '' };
}

export const nodeShutdown: Rule = {
  id: 'node-shutdown',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const hits = scope.pods
      .map((p) => ({ pod: p, info: shutdownInfo(p) }))
      .filter((x): x is { pod: Pod; info: { time: string | null; message: string } } => x.info !== null);
    if (hits.length === 0) return null;
    const recent = hits.filter((h) => h.info.time === null || ms(h.info.time) >= ms(facts.since));
    if (recent.length === 0) {
      const first = hits[0];
      return {
        kind: 'ruled-out',
        reason: `pod ${first?.pod.metadata?.name} was terminated by a node shutdown at ${first?.info.time}, before the evidence window: a leftover Failed object.`,
      };
    }
    const last = latestOf(recent, (h) => h.info.time);
    if (!last) return null;
    const nodes = [...new Set(recent.map((h) => h.pod.spec?.nodeName).filter((n): n is string => !!n))];
    const nodeName = last.pod.spec?.nodeName ?? nodes[0] ?? null;
    const ns = scope.namespace;
    const signals: Evidence[] = [
      statusSignal(
        ref(ns, 'Pod', last.pod.metadata?.name ?? ''),
        last.info.time,
        `${recent.length > 1 ? `${recent.length} target pods` : `Pod ${last.pod.metadata?.name}`} ${last.pod.status?.phase ?? 'Failed'} with reason ${last.pod.status?.reason ?? 'Terminated'}${nodeName ? ` on ${nodeName}` : ''}: ${quote(last.info.message, 200)}`,
      ),
    ];
    if (nodeName) {
      const node = facts.nodes.find((n) => n.name === nodeName);
      const nodeRef = ref('default', 'Node', nodeName);
      const notReadyEv = latestOf(nodeEvents(facts, nodeName, ['NodeNotReady']), (e) => e.last);
      if (node && !node.exists)
        signals.push(statusSignal(nodeRef, null, `Node ${nodeName} no longer exists (instance terminated).`));
      else if (node && isNotReady(node)) {
        const c = nodeCondition(node, 'Ready');
        signals.push(
          statusSignal(
            nodeRef,
            c?.lastTransitionTime ?? null,
            `Node ${nodeName} Ready=${c?.status}${c?.message ? `: ${quote(c.message, 160)}` : ''}.`,
          ),
        );
      } else if (notReadyEv)
        signals.push(eventSignal(notReadyEv, `${notReadyEv.reason}: ${quote(notReadyEv.message)}.`));
      const interrupt = latestOf(
        nodeEvents(facts, nodeName).filter((e) => INTERRUPT.test(e.reason) && e.reason !== 'NodeNotReady'),
        (e) => e.last,
      );
      if (interrupt)
        signals.push(
          eventSignal(
            interrupt,
            `${interrupt.reason} (${interrupt.source || 'node'})${times(interrupt)}: ${quote(interrupt.message)}.`,
          ),
        );
    }
    const loss = nodeLoss(facts, scope, last.info.time);
    const node = nodeName ? facts.nodes.find((n) => n.name === nodeName) : undefined;
    const target = kubectlTarget(scope.workload, `pod/${last.pod.metadata?.name}`);
    const noController = !scope.workload || scope.workload.kind === 'Job' || scope.workload.kind === 'CronJob';
    return {
      kind: 'match',
      summary: `${node?.spot ? 'Spot node' : 'Node'} ${nodeName ?? '?'} shut down at ${clock(last.info.time)} and its kubelet terminated ${plural(recent.length, 'target pod')}${nodes.length > 1 ? ` (nodes ${nodes.join(', ')})` : ''}.`,
      signals,
      trigger: loss ? loss.text : null,
      fix: null,
      advice:
        `An infrastructure shutdown, not an application failure. Clean up the leftovers (kubectl -n ${ns} delete pod --field-selector=status.phase=Failed)` +
        (noController
          ? `; ${target} is not recreated by a controller: re-run it (bare pods and Job pods with restartPolicy: Never stay Failed).`
          : `; check that ${target} recovered its replicas, and keep ≥2 replicas with a PDB (or on-demand capacity) for singletons.`),
      explains: ['node-not-ready', 'app-crash', 'graceful-shutdown-timeout'],
    };
  },
};
