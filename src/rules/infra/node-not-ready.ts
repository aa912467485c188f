/**
 * FM-17: a node that hosts the target's pods went NotReady / unreachable.
 * Keys on the node's Ready condition (status), node-controller/kubelet `NodeNotReady` node events,
 * the per-pod `NodeNotReady` "Node is not ready" and `TaintManagerEviction` events on the target's
 * pods. A NotReady node that hosts none of the target's pods is ruled out (planned rotation, noise).
 * When no node on the target's records is NotReady but its pods got the per-pod `NodeNotReady`
 * (which names no node: the pod was since replaced elsewhere), the node is the one that went
 * NotReady at that moment (`nodeOfPodNotReady`); when none does, the node is left unnamed.
 */
import { isNotReady, nodeCondition, nodeStatusFromMessage } from '../../analysis/nodes.js';
import type { Ev, Facts, NodeFacts } from '../../domain/facts.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  currentNodeOf,
  earliestOf,
  eventSignal,
  knownNodeNames,
  kubectlTarget,
  latestOf,
  ms,
  nodeEvents,
  nodeOfPodNotReady,
  plural,
  podEvents,
  quote,
  ref,
  type Scope,
  statusSignal,
  times,
} from './common.js';

/** The node object was removed from the cluster (node-controller, cloud-node-lifecycle-controller). */
const REMOVED = ['RemovingNode', 'DeletingNode'];

interface Sick {
  name: string;
  node: NodeFacts | null;
  events: Ev[];
  /** When it went NotReady (condition transition or first event). */
  since: string | null;
}

function notReadyEvents(facts: Facts, node: string): Ev[] {
  return nodeEvents(facts, node, ['NodeNotReady']).filter(
    (e) => ms(e.last) >= ms(facts.since) && (nodeStatusFromMessage(e.message) ?? 'NodeNotReady') === 'NodeNotReady',
  );
}

function sickNodes(facts: Facts, names: Iterable<string>): Sick[] {
  const out: Sick[] = [];
  for (const name of names) {
    const node = facts.nodes.find((n) => n.name === name) ?? null;
    const events = notReadyEvents(facts, name);
    const down = node ? isNotReady(node) : false;
    if (!down && events.length === 0) continue;
    const cond = node ? nodeCondition(node, 'Ready') : undefined;
    const first = earliestOf(events, (e) => e.first ?? e.last);
    out.push({
      name,
      node,
      events,
      since: (down ? cond?.lastTransitionTime : null) ?? first?.first ?? first?.last ?? null,
    });
  }
  return out;
}

/**
 * Nodes the per-pod `NodeNotReady` events point at (node → its events): the event's host when it
 * names one, else the node other than the pod's current one that went NotReady at that moment
 * (`nodeOfPodNotReady`: none when the current node did, nothing close enough, or a tie).
 */
function impliedNodes(facts: Facts, scope: Scope, perPod: readonly Ev[]): Map<string, Ev[]> {
  const out = new Map<string, Ev[]>();
  const names = knownNodeNames(facts);
  for (const e of perPod) {
    const node = e.host || nodeOfPodNotReady(facts, e, currentNodeOf(scope, e.object), names);
    if (node) out.set(node, [...(out.get(node) ?? []), e]);
  }
  return out;
}

export const nodeNotReady: Rule = {
  id: 'node-not-ready',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const hosting = [...scope.nodes.keys()];
    const sick = sickNodes(facts, hosting);
    const podNotReady = podEvents(facts, scope, ['NodeNotReady']);
    const evictions = podEvents(facts, scope, ['TaintManagerEviction']).filter((e) =>
      /Marking for deletion/.test(e.message),
    );

    if (sick.length === 0 && podNotReady.length === 0) {
      // Red herring: some other node went NotReady.
      const others = sickNodes(
        facts,
        new Set([
          ...facts.nodes.map((n) => n.name),
          ...facts.events.filter((e) => e.kind === 'Node').map((e) => e.object),
        ]),
      );
      if (others.length === 0) {
        const known = hosting.map((n) => facts.nodes.find((x) => x.name === n));
        const live = scope.pods.filter((p) => p.spec?.nodeName);
        if (derived?.health.healthy !== false || live.length === 0 || known.some((n) => !n?.exists)) return null;
        return {
          kind: 'ruled-out',
          reason: `every node hosting the target's pods is Ready (${hosting.slice(0, 4).join(', ')}) with no NodeNotReady in the window.`,
        };
      }
      const where =
        hosting.length > 0 ? `the target's pods run on ${hosting.slice(0, 4).join(', ')}` : 'no target pod ran there';
      return {
        kind: 'ruled-out',
        reason: `node ${others.map((o) => o.name).join(', ')} went NotReady at ${clock(others[0]?.since)} but hosts none of the target's pods (${where}).`,
      };
    }

    // No node on the target's records is NotReady: the per-pod NodeNotReady events point at the
    // node an earlier instance ran on (their host, else the node that went NotReady then).
    const implied = sick.length === 0 ? impliedNodes(facts, scope, podNotReady) : new Map<string, Ev[]>();
    const candidates =
      sick.length > 0
        ? sick
        : [...implied].map(([name, evs]): Sick => {
            // Its NotReady records may predate the window: the per-pod event dates it then.
            const first = earliestOf(evs, (e) => e.first ?? e.last);
            return (
              sickNodes(facts, [name])[0] ?? {
                name,
                node: facts.nodes.find((n) => n.name === name) ?? null,
                events: [],
                since: first ? (first.first ?? first.last) : null,
              }
            );
          });
    // The node that matters most: the one hosting most target pods, NotReady now first.
    const ranked = [...candidates].sort(
      (a, b) =>
        Number(b.node ? isNotReady(b.node) : 0) - Number(a.node ? isNotReady(a.node) : 0) ||
        (scope.nodes.get(b.name)?.size ?? 0) - (scope.nodes.get(a.name)?.size ?? 0) ||
        (implied.get(b.name)?.length ?? 0) - (implied.get(a.name)?.length ?? 0),
    );
    const main = ranked[0] ?? null;
    const nodeName = main?.name ?? null;
    /** Pods whose earlier instance ran on the main node (known only from the per-pod NodeNotReady). */
    const earlier = nodeName ? [...new Set((implied.get(nodeName) ?? []).map((e) => e.object))] : [];
    const nodeRef = nodeName ? ref('default', 'Node', nodeName) : null;
    const signals: Evidence[] = [];
    const cond = main?.node ? nodeCondition(main.node, 'Ready') : undefined;
    let why = '';
    if (nodeRef && main?.node && isNotReady(main.node) && cond) {
      why = (cond.message ?? cond.reason ?? '').replace(/\.\s*$/, '');
      signals.push(
        statusSignal(
          nodeRef,
          cond.lastTransitionTime ?? null,
          `Node ${nodeName} Ready=${cond.status}${cond.reason ? ` (${cond.reason})` : ''}${cond.message ? `: ${quote(cond.message, 200)}` : ''}${main.node.taints.some((t) => /unreachable|not-ready/.test(t.key)) ? '; tainted unreachable/not-ready' : ''}.`,
        ),
      );
    } else if (nodeRef && main?.node && !main.node.exists) {
      signals.push(statusSignal(nodeRef, null, `Node ${nodeName} no longer exists (only its events remain).`));
    }
    const nodeEv = latestOf(main?.events ?? [], (e) => e.last);
    if (nodeEv)
      signals.push(
        eventSignal(
          nodeEv,
          `${nodeEv.reason} (${nodeEv.source || 'node-controller'})${times(nodeEv)}: ${quote(nodeEv.message)}`,
        ),
      );
    const pne = latestOf(podNotReady, (e) => e.last);
    if (pne) {
      const n = new Set(podNotReady.map((e) => e.object)).size;
      const at = earlier.length > 0 ? earliestOf(implied.get(nodeName ?? '') ?? [], (e) => e.first ?? e.last) : null;
      const where = at
        ? ` (at ${clock(at.first ?? at.last)}, as node ${nodeName} went NotReady: ${earlier.length > 1 ? `${earlier.slice(0, 3).join(', ')} ran` : `${earlier[0]} ran`} there)`
        : '';
      signals.push(eventSignal(pne, `NodeNotReady on ${plural(n, 'target pod')}: ${quote(pne.message)}${where}.`));
    } else if (nodeName) {
      const onNode = scope.pods.filter(
        (p) =>
          p.spec?.nodeName === nodeName &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False'),
      );
      if (onNode.length > 0) {
        signals.push(
          statusSignal(
            ref(scope.namespace, 'Pod', onNode[0]?.metadata?.name ?? ''),
            null,
            `${plural(onNode.length, 'target pod')} on ${nodeName} are not Ready.`,
          ),
        );
      }
    }
    const ev = latestOf(evictions, (e) => e.last);
    if (ev) {
      const n = new Set(evictions.map((e) => e.object)).size;
      signals.push(
        eventSignal(
          ev,
          `TaintManagerEviction on ${plural(n, 'target pod')}: ${quote(ev.message)} (NoExecute taint after tolerationSeconds).`,
        ),
      );
    }

    const count = nodeName ? (scope.nodes.get(nodeName)?.size ?? 0) : 0;
    const allSick =
      candidates.length > 1
        ? ` (${candidates.length} nodes ${sick.length > 0 ? 'hosting' : 'that ran'} the target are NotReady: ${candidates.map((s) => s.name).join(', ')})`
        : '';
    const since = main?.since ? ` since ${clock(main.since)}` : '';
    const ns = scope.namespace;
    // A node that no longer exists (deleted, or removed from the controller) needs no drain or repair.
    const removed = nodeName
      ? earliestOf(
          nodeEvents(facts, nodeName, REMOVED).filter((e) => ms(e.last) >= ms(facts.since)),
          (e) => e.first ?? e.last,
        )
      : null;
    const gone = main?.node ? !main.node.exists : removed !== null;
    const removedAt = removed ? ` (${removed.reason} at ${clock(removed.first ?? removed.last)})` : '';
    const target = kubectlTarget(scope.workload, 'the target');
    const stuck = nodeName
      ? scope.pods.filter((p) => p.spec?.nodeName === nodeName).map((p) => p.metadata?.name ?? '')
      : [];
    const several =
      candidates.length > 1
        ? ' Several nodes at once: suspect the zone or control-plane connectivity rather than each node.'
        : '';
    const pneAt = earliestOf(podNotReady, (e) => e.first ?? e.last);
    const advice = !nodeName
      ? `Find the node that went NotReady${pneAt ? ` around ${clock(pneAt.first ?? pneAt.last)} (the node-controller's NodeNotReady on pod ${pneAt.object} names none)` : ''}: ` +
        `kubectl get nodes; kubectl get events -A --field-selector involvedObject.kind=Node,reason=NodeNotReady. ` +
        `Then fix or replace it: kubectl describe node <node>; kubectl -n kube-node-lease get lease <node>; ` +
        `if it does not recover, kubectl drain <node> --ignore-daemonsets --delete-emptydir-data and let the autoscaler replace it.${several}`
      : gone
        ? `Node ${nodeName} no longer exists${removedAt}: there is nothing to drain or repair. ` +
          `Controllers recreate its pods on other nodes (bare pods are not): check that ${target} is whole again (kubectl -n ${ns} get pods -o wide)` +
          (stuck.length > 0
            ? `; ${plural(stuck.length, 'target pod')} still bound to it (${stuck.slice(0, 3).join(', ')}): kubectl -n ${ns} delete pod <pod> --grace-period=0 --force.`
            : '.') +
          ` Find out why it went away (kubectl get events -A --field-selector involvedObject.name=${nodeName}; the autoscaler's or cloud provider's records): an instance interruption, a scale-down or a failed instance; ` +
          `for singletons keep ≥2 replicas with a PodDisruptionBudget.${several}`
        : `Fix or replace node ${nodeName}: kubectl describe node ${nodeName}; kubectl -n kube-node-lease get lease ${nodeName}; ` +
          `if it does not recover, kubectl drain ${nodeName} --ignore-daemonsets --delete-emptydir-data and let the autoscaler replace it ` +
          `(pods stuck Terminating there: kubectl -n ${ns} delete pod <pod> --grace-period=0 --force once the node is confirmed gone).${several}`;
    const state = !nodeName
      ? `went NotReady${pneAt ? ` at ${clock(pneAt.first ?? pneAt.last)}` : ''}`
      : gone
        ? `went NotReady${main?.since ? ` at ${clock(main.since)}` : ''} and no longer exists${removedAt}`
        : `is NotReady${since}${why ? `: ${quote(why, 160)}` : ''}`;
    const subject = !nodeName
      ? `The node of ${pneAt ? `pod ${pneAt.object}` : 'the target'} (not identified)`
      : count === 0 && earlier.length > 0
        ? `Node ${nodeName}, where ${earlier.some((p) => currentNodeOf(scope, p)) ? `the earlier ${earlier.length > 1 ? 'instances' : 'instance'} of ` : ''}${earlier.length > 1 ? `pods ${earlier.slice(0, 3).join(', ')}` : `pod ${earlier[0]}`} ran,`
        : `Node ${nodeName}${count > 0 ? `, which ${gone ? 'hosted' : 'hosts'} ${plural(count, 'target pod')},` : ''}`;
    return {
      kind: 'match',
      summary: `${subject} ${state}${allSick}.`,
      signals,
      trigger: null,
      fix: null,
      advice,
      explains: ['readiness-probe-failing'],
      timeline:
        nodeRef && main?.since ? [{ time: main.since, text: `node ${nodeName} went NotReady`, ref: nodeRef }] : [],
    };
  },
};
