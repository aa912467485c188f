/**
 * FM-32: graceful node shutdown / instance termination.
 *
 * Two shapes of the same infrastructure event:
 * 1. The kubelet itself terminated the pods (`status.reason: Terminated`, `Pod was terminated in
 *    response to imminent node shutdown.`) or rejected new ones (`NodeShutdown`): live Failed pods.
 *    Leftover Terminated pods from before the window are ruled out.
 * 2. The node was interrupted (spot interruption, scheduled maintenance, instance termination:
 *    Karpenter / Node Termination Handler / kubelet shutdown manager) and the target's pod on it was
 *    drained and replaced: the lost instance exists only in events now, as a deleted pod or as the
 *    earlier instance of a same-named StatefulSet pod (its events predate the live pod). Keys on the
 *    pod's own interruption events (SpotInterrupted, Evicted "Forceful Termination"), the kubelet's
 *    Killing on that node, the node's interruption events, and the node's state (gone / NotReady /
 *    removed) — each an independent source. Planned disruptions (Karpenter consolidation/drift
 *    `DisruptionTerminating`, cluster-autoscaler `ScaleDown`, cordons) and reboots are not
 *    interruptions (FM-37) and never match on their own.
 * The interruption names the trigger; a node that no longer exists needs no drain or repair.
 */
import { isNotReady, nodeCondition } from '../../analysis/nodes.js';
import type { Ev, Facts, NodeFacts } from '../../domain/facts.js';
import type { Pod } from '../../domain/k8s.js';
import type { Evidence } from '../../domain/result.js';
import type { Rule, RuleMatch, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  earliestOf,
  eventSignal,
  formatLabels,
  kubectlTarget,
  latestOf,
  lossLabel,
  ms,
  nodeEvents,
  nodeLoss,
  plural,
  quote,
  ref,
  type Scope,
  statusSignal,
  times,
} from './common.js';

const SHUTDOWN = /imminent node shutdown|node is shutting down|node shutdown/i;
const INTERRUPT = /Spot|Interrupt|Rebalance|ScheduledEvent|Terminat|Shutdown|Rebooted|ASGLifecycle|Preempt/i;

/**
 * Interruption / termination notices on a Node (Karpenter, aws-node-termination-handler, kubelet
 * shutdown manager, cloud preemption). Not Karpenter's planned `Disruption*`, not reboots or cordons.
 */
const NODE_INTERRUPT =
  /Spot|Interrupt|Rebalance|ScheduledEvent|ASGLifecycle|InstanceTerminat|InstanceStop|^Shutdown$|Preempt/i;
/** The same notices on a Pod (scheduler `Preempted` is FM-33, not an interruption). */
const POD_INTERRUPT = /Spot|Interrupt|Rebalance|ScheduledEvent|ASGLifecycle|InstanceTerminat/i;
/** An eviction that says it was forced by the instance going away. */
const FORCED_EVICTION = /interrupt|spot|forceful termination|shutdown|instance terminat/i;
/** The node object was removed from the cluster (node-controller, cloud-node-lifecycle-controller). */
const REMOVED = ['RemovingNode', 'DeletingNode'];
/** A kubelet kill counts as the interruption's only when it comes this close after the notice. */
const KILL_SLACK_MS = 15 * 60_000;
/** A node notice later than the instance's last event + this did not take that instance. */
const NOTICE_SLACK_MS = 5 * 60_000;
const PROBE_KILL = /failed (liveness|startup) probe|FailedPostStartHook/i;

function shutdownInfo(p: Pod): { time: string | null; message: string } | null {
  const st = p.status;
  const dt = st?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const viaStatus = st?.reason === 'NodeShutdown' || SHUTDOWN.test(st?.message ?? '');
  const viaCond = dt?.reason === 'TerminationByKubelet' && SHUTDOWN.test(dt.message ?? '');
  if (!viaStatus && !viaCond) return null;
  const fin = st?.containerStatuses?.map((c) => c.state?.terminated?.finishedAt).find(Boolean) ?? null;
  return { time: dt?.lastTransitionTime ?? fin ?? null, message: st?.message ?? dt?.message ?? st?.reason ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Instances lost to an interrupted node (they exist only in events now)

interface Lost {
  pod: string;
  /** The live pod of the same name (a StatefulSet's new instance), when this was its predecessor. */
  successor: Pod | null;
  node: string | null;
  /** Events of this instance. */
  events: Ev[];
  lastSeen: string | null;
  /** The pod's own interruption events (notices and forced evictions) in the window. */
  podInterrupt: Ev[];
  /** Interruption notices on its node in the window, earliest first. */
  nodeInterrupt: Ev[];
  /** The kubelet's Killing of its containers on that node, close after the interruption. */
  kill: Ev | null;
  /** When the interruption started (earliest notice). */
  at: string;
}

const onset = (e: Ev) => e.first ?? e.last;

/** The node an instance ran on, from its own events: the Scheduled binding, else a kubelet host. */
function hostOf(events: readonly Ev[]): string | null {
  for (const e of events) {
    const m = e.reason === 'Scheduled' ? /assigned \S+ to (\S+)/.exec(e.message) : null;
    if (m?.[1]) return m[1];
  }
  return events.find((e) => e.source === 'kubelet' && e.host)?.host ?? null;
}

function lostInstances(facts: Facts, scope: Scope): Lost[] {
  const since = ms(facts.since);
  const inWindow = (e: Ev) => ms(e.last) >= since;
  const byName = new Map<string, Ev[]>();
  for (const e of facts.events) {
    if (e.kind !== 'Pod' || !scope.isPod(e.object, e.objectNamespace)) continue;
    const list = byName.get(e.object) ?? [];
    list.push(e);
    byName.set(e.object, list);
  }
  const out: Lost[] = [];
  for (const [name, all] of byName) {
    const live = facts.pods.find((p) => p.metadata?.name === name) ?? null;
    let events = all;
    if (live) {
      // Same name, new instance: the events older than the live pod belong to its predecessor.
      const born = ms(live.metadata?.creationTimestamp);
      if (Number.isNaN(born)) continue;
      events = all.filter((e) => ms(e.last) < born);
    }
    if (events.length === 0 || !events.some(inWindow)) continue;
    const deleted = live ? undefined : facts.deletedPods.find((d) => d.name === name);
    const node = deleted?.node ?? hostOf(events);
    const lastSeen = latestOf(events, (e) => e.last)?.last ?? null;
    const podInterrupt = events.filter(
      (e) =>
        inWindow(e) && (POD_INTERRUPT.test(e.reason) || (e.reason === 'Evicted' && FORCED_EVICTION.test(e.message))),
    );
    const limit = lastSeen ? ms(lastSeen) + NOTICE_SLACK_MS : Number.POSITIVE_INFINITY;
    const nodeInterrupt = node
      ? nodeEvents(facts, node)
          .filter(
            (e) =>
              inWindow(e) && NODE_INTERRUPT.test(e.reason) && !/^Disruption/.test(e.reason) && !(ms(onset(e)) > limit),
          )
          .sort((a, b) => ms(onset(a)) - ms(onset(b)))
      : [];
    // A notice is what makes it an interruption; a forced eviction alone is not enough.
    const notice = podInterrupt.some((e) => POD_INTERRUPT.test(e.reason)) || nodeInterrupt.length > 0;
    if (!notice) continue;
    const first = earliestOf([...podInterrupt, ...nodeInterrupt], onset);
    const at = first ? onset(first) : (lastSeen ?? facts.now);
    const kill =
      earliestOf(
        events.filter(
          (e) =>
            e.reason === 'Killing' &&
            e.source === 'kubelet' &&
            e.host !== null &&
            (node === null || e.host === node) &&
            !PROBE_KILL.test(e.message) &&
            ms(e.last) >= ms(at) - 60_000 &&
            ms(onset(e)) <= ms(at) + KILL_SLACK_MS,
        ),
        onset,
      ) ?? null;
    out.push({
      pod: name,
      successor: live,
      node: node ?? kill?.host ?? null,
      events,
      lastSeen,
      podInterrupt,
      nodeInterrupt,
      kill,
      at,
    });
  }
  return out;
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function isActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return !p.metadata?.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded';
}

/** "Spot interruption" / "Scheduled maintenance" / ... from the reasons seen. */
function interruptionKind(reasons: readonly string[]): string {
  if (reasons.some((r) => /Spot/i.test(r))) return 'Spot interruption';
  if (reasons.some((r) => /ScheduledEvent/i.test(r))) return 'Scheduled maintenance';
  if (reasons.some((r) => /Preempt/i.test(r))) return 'Preemption';
  if (reasons.some((r) => /Shutdown/i.test(r))) return 'Shutdown';
  if (reasons.some((r) => /Interrupt|Rebalance/i.test(r))) return 'Interruption';
  return 'Instance termination';
}

/** A required node affinity / nodeSelector that admits only spot capacity (`key In [spot]`). */
function spotPin(template: Scope['template']): string | null {
  const spec = template?.spec;
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (/^spot$/i.test(v)) return `${k}=${v}`;
  const terms = (
    spec?.affinity as
      | {
          nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
            };
          };
        }
      | undefined
  )?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const t of terms ?? [])
    for (const e of t.matchExpressions ?? [])
      if (e.operator === 'In' && (e.values ?? []).length > 0 && (e.values ?? []).every((v) => /^spot$/i.test(v)))
        return `${e.key} In [${(e.values ?? []).join(', ')}]`;
  return null;
}

/** The node's state as one observation: gone, NotReady now, removed, or a NodeNotReady event. */
function nodeStateSignal(facts: Facts, name: string, node: NodeFacts | undefined): Evidence | null {
  const nodeRef = ref('default', 'Node', name);
  const inWindow = (e: Ev) => ms(e.last) >= ms(facts.since);
  const removed = earliestOf(nodeEvents(facts, name, REMOVED).filter(inWindow), onset);
  if (node && !node.exists) {
    return statusSignal(
      nodeRef,
      removed ? onset(removed) : null,
      `Node ${name} no longer exists (instance terminated${removed ? `; ${removed.reason} at ${clock(onset(removed))}` : ''}).`,
    );
  }
  if (node && isNotReady(node)) {
    const c = nodeCondition(node, 'Ready');
    return statusSignal(
      nodeRef,
      c?.lastTransitionTime ?? null,
      `Node ${name} Ready=${c?.status}${c?.message ? `: ${quote(c.message, 160)}` : ''}.`,
    );
  }
  if (removed && !node)
    return eventSignal(removed, `${removed.reason} (${removed.source || 'node'}): ${quote(removed.message)}.`);
  const notReady = latestOf(nodeEvents(facts, name, ['NodeNotReady']).filter(inWindow), (e) => e.last);
  return notReady ? eventSignal(notReady, `${notReady.reason}: ${quote(notReady.message)}.`) : null;
}

function interruptedMatch(facts: Facts, scope: Scope, lost: Lost[]): RuleMatch {
  const ns = scope.namespace;
  // The node that matters: the one that took most target pods (earliest interruption on ties).
  const count = new Map<string, number>();
  for (const l of lost) if (l.node) count.set(l.node, (count.get(l.node) ?? 0) + 1);
  const sorted = [...lost].sort(
    (a, b) => (count.get(b.node ?? '') ?? 0) - (count.get(a.node ?? '') ?? 0) || ms(a.at) - ms(b.at),
  );
  const main = sorted[0] as Lost;
  const nodeName = main.node;
  const nodes = [...new Set(lost.map((l) => l.node).filter((n): n is string => !!n))];
  const node = nodeName ? facts.nodes.find((n) => n.name === nodeName) : undefined;
  const names = [...new Set(lost.map((l) => l.pod))];
  const at = earliestOf(lost, (l) => l.at)?.at ?? main.at;

  const signals: Evidence[] = [];
  // 1. The pod's own interruption events (one observation: the notice and the eviction it caused).
  const podEvs = lost.flatMap((l) => l.podInterrupt).sort((a, b) => ms(onset(a)) - ms(onset(b)));
  const podFirst = podEvs.find((e) => POD_INTERRUPT.test(e.reason)) ?? podEvs[0];
  if (podFirst) {
    const podsHit = [...new Set(podEvs.map((e) => e.object))];
    const replaced = lost.some((l) => l.successor && podsHit.includes(l.pod));
    const evicted = podEvs.find((e) => e !== podFirst && e.reason !== podFirst.reason);
    signals.push(
      eventSignal(
        podFirst,
        `${podFirst.reason} (${podFirst.source || 'pod'}) on ${podsHit.length > 1 ? plural(podsHit.length, 'target pod') : `pod ${podFirst.object}${replaced ? ' (its previous instance)' : ''}`}${times(podFirst)}: ${quote(podFirst.message)}` +
          (evicted ? `; then ${evicted.reason}: ${quote(evicted.message)}.` : '.'),
      ),
    );
  }
  // 2. The kubelet on that node stopping the containers (the node's own record).
  const kills = lost.map((l) => l.kill).filter((k): k is Ev => k !== null);
  const kill = earliestOf(kills, onset);
  if (kill) {
    const n = new Set(kills.map((k) => k.object)).size;
    signals.push(
      eventSignal(
        kill,
        `kubelet on ${kill.host} stopped ${n > 1 ? plural(n, 'target pod') : `${kill.container ? `container ${kill.container} of ` : ''}pod ${kill.object}`} at ${clock(onset(kill))}${/^Stopping container/.test(kill.message) ? '' : `: ${quote(kill.message)}`}.`,
      ),
    );
  }
  // 3. The node's interruption notices (one observation, every reason named).
  const nodeEvs = lost.filter((l) => l.node === nodeName).flatMap((l) => l.nodeInterrupt);
  const nodeFirst = earliestOf(nodeEvs, onset);
  if (nodeFirst) {
    const reasons = [...new Set([...nodeEvs].sort((a, b) => ms(onset(a)) - ms(onset(b))).map((e) => e.reason))];
    signals.push(
      eventSignal(
        nodeFirst,
        `${reasons.join(', then ')} on node ${nodeFirst.object} (${nodeFirst.source || 'node'}) at ${clock(onset(nodeFirst))}${times(nodeFirst)}: ${quote(nodeFirst.message)}.`,
      ),
    );
  }
  // 4. The node's state: gone, NotReady or removed.
  const state = nodeName ? nodeStateSignal(facts, nodeName, node) : null;
  if (state) signals.push(state);

  // Where the target stands now.
  const active = scope.pods.filter(isActive);
  const ready = active.filter(isReady);
  const desired: number | null = facts.target.workload?.spec?.replicas ?? null;
  const whole = active.length > 0 && ready.length === active.length && (desired === null || ready.length >= desired);
  const noController = !scope.workload || scope.workload.kind === 'Job' || scope.workload.kind === 'CronJob';
  const lostAt = ms(earliestOf(lost, (l) => l.lastSeen)?.lastSeen ?? at);
  const replacements = active.filter(
    (p) =>
      lost.some((l) => l.successor === p) || ms(p.metadata?.creationTimestamp) >= Math.min(lostAt, ms(at)) - 60_000,
  );
  const where = (pods: readonly Pod[]) =>
    [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))].join(', ');
  let now: string;
  if (noController && replacements.length === 0) now = '; no controller recreates it';
  else if (replacements.length === 0)
    now = `; ${ready.length}/${desired ?? active.length} target pods are Ready now${whole ? '' : ' (no replacement yet)'}`;
  else {
    const one = names.length === 1 && replacements.length === 1;
    const rep = replacements[0] as Pod;
    const repReady = replacements.every(isReady);
    const on = where(replacements);
    if (one && rep.metadata?.name === names[0])
      now = `; it was rescheduled${on ? ` on ${on}` : ''} and ${repReady ? 'is Ready again' : rep.spec?.nodeName ? 'is not Ready yet' : 'is not scheduled yet'}`;
    else if (one)
      now = `; its replacement ${rep.metadata?.name}${on ? ` on ${on}` : ''} ${repReady ? 'is Ready' : rep.spec?.nodeName ? 'is not Ready yet' : 'is not scheduled yet'}`;
    else
      now = `; ${plural(replacements.length, 'replacement')}${on ? ` on ${on}` : ''}, ${ready.length}/${desired ?? active.length} target pods Ready now`;
    if (repReady && !whole) now += ` (${ready.length}/${desired ?? active.length} Ready)`;
  }

  const reasons = [...podEvs, ...nodeEvs].map((e) => e.reason);
  const kind = interruptionKind(reasons);
  const spotNode = node?.spot ? 'spot node' : 'node';
  const who =
    names.length > 1
      ? `${plural(names.length, 'target pod')} (${names.slice(0, 3).join(', ')}${names.length > 3 ? '…' : ''})`
      : (names[0] ?? 'the target pod');
  const summary = `${kind} of ${nodeName ? `${spotNode} ${nodeName}` : 'its node'} at ${clock(at)} terminated ${who}${nodes.length > 1 ? ` (nodes ${nodes.join(', ')})` : ''}${now}.`;

  // Trigger: the node's own lifecycle events when we have them, else the pod's notice.
  const loss = nodeLoss(facts, scope, main.lastSeen ?? at);
  let trigger = loss?.text ?? null;
  if (!trigger && podFirst) {
    const label = lossLabel(podFirst.reason) ?? 'was interrupted';
    trigger = `${nodeName ? `node ${nodeName}` : 'the node'} ${label} at ${clock(onset(podFirst))} (${podFirst.reason} on pod ${podFirst.object})`;
  }

  const target = kubectlTarget(scope.workload, `pod/${names[0] ?? ''}`);
  const gone = node ? !node.exists : nodeName ? nodeEvents(facts, nodeName, REMOVED).length > 0 : false;
  const labels = Object.keys(facts.target.selector).length > 0 ? facts.target.selector : scope.podLabels;
  const selector = Object.keys(labels).length > 0 ? ` -l ${formatLabels(labels)}` : '';
  const pin = spotPin(scope.template);
  const single = (desired ?? active.length) <= 1;
  const resilience = noController
    ? ''
    : single
      ? ` ${target} runs a single replica, so every interruption of its node is an outage: run ≥2 replicas with a PodDisruptionBudget${pin ? `, or allow on-demand capacity (it is pinned to spot by ${pin})` : ', or keep it on on-demand capacity'}.`
      : ` Keep a PodDisruptionBudget and spread the replicas across nodes and zones (topologySpreadConstraints) so one interruption takes only part of ${target}${pin ? `; it is pinned to spot (${pin}): allow on-demand as a fallback if interruptions recur` : ''}.`;
  const advice =
    `An infrastructure event (${kind.toLowerCase()}${nodeName ? ` of node ${nodeName}` : ''}), not an application failure` +
    (gone ? '; the node no longer exists, so there is nothing to drain or repair.' : '.') +
    (noController
      ? ` ${target} is not recreated by a controller: re-run it (bare pods and Job pods with restartPolicy: Never stay lost).`
      : ` Its pods were replaced: check that ${target} is whole (kubectl -n ${ns} get pods${selector} -o wide)${whole ? '' : ' and see why the replacement is not Ready'}.`) +
    resilience;

  return {
    kind: 'match',
    summary,
    signals,
    trigger,
    fix: null,
    advice,
    explains: ['node-not-ready', 'app-crash', 'graceful-shutdown-timeout'],
    timeline: nodeName
      ? [{ time: at, text: `${kind.toLowerCase()} of node ${nodeName}`, ref: ref('default', 'Node', nodeName) }]
      : [],
  };
}

export const nodeShutdown: Rule = {
  id: 'node-shutdown',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const hits = scope.pods
      .map((p) => ({ pod: p, info: shutdownInfo(p) }))
      .filter((x): x is { pod: Pod; info: { time: string | null; message: string } } => x.info !== null);
    if (hits.length === 0) {
      const lost = lostInstances(facts, scope);
      return lost.length > 0 ? interruptedMatch(facts, scope, lost) : null;
    }
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
