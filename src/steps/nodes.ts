/** Nodes the target's (and its dependencies') pods ran on: conditions, taints, and node events,
 * including nodes that no longer exist (their events stay in `default`; queried across all namespaces). */
import type { NodeFacts } from '../domain/facts.js';
import type { KubeEvent, KubeObject, Pod } from '../domain/k8s.js';
import { normalizeEvent } from '../engine/normalize.js';
import { eventsFor, restarts, summarizeEvents } from './lib.js';
import type { Step } from './step.js';

const MAX_NODES = 10;

const SPOT_LABELS: [string, RegExp][] = [
  ['karpenter.sh/capacity-type', /^spot$/i],
  ['eks.amazonaws.com/capacityType', /^spot$/i],
  ['cloud.google.com/gke-spot', /^true$/i],
  ['cloud.google.com/gke-preemptible', /^true$/i],
  ['kubernetes.azure.com/scalesetpriority', /^spot$/i],
  ['node.kubernetes.io/lifecycle', /^spot$/i],
  ['node-lifecycle', /^spot$/i],
];

export function nodeFacts(name: string, node: KubeObject | null, pods: string[]): NodeFacts {
  const labels: Record<string, string> = node?.metadata?.labels ?? {};
  const conditions = (node?.status?.conditions ?? []) as NodeFacts['conditions'];
  const ready = conditions.find((c) => c.type === 'Ready')?.status ?? null;
  return {
    name,
    exists: node !== null,
    object: node,
    ready: ready as NodeFacts['ready'],
    conditions,
    taints: node?.spec?.taints ?? [],
    unschedulable: node?.spec?.unschedulable === true,
    spot: SPOT_LABELS.some(([k, re]) => re.test(labels[k] ?? '')),
    createdAt: node?.metadata?.creationTimestamp ?? null,
    labels,
    pods,
  };
}

export const nodes: Step<'nodes'> = {
  id: 'nodes',
  title: 'Nodes and node events',
  after: ['pod-events', 'dependencies'],
  async run(ctx) {
    const { target, pods, deletedPods, dependencies } = ctx.facts;
    // name -> pods, in priority order: the target node, dependency nodes, troubled pods' nodes, the rest
    const wanted = new Map<string, Set<string>>();
    const add = (node: string | null | undefined, pod: string) => {
      if (!node) return;
      if (!wanted.has(node)) wanted.set(node, new Set());
      if (pod) wanted.get(node)!.add(pod);
    };
    if (target.kind === 'Node') add(target.name, '');
    for (const d of dependencies) for (const p of d.pods) add(p.spec?.nodeName, p.metadata?.name ?? '');
    // Dependency pods that were replaced: their old node is in their Scheduled events or event source.
    const depPrefixes = dependencies.flatMap((d) =>
      d.pods.map((p) => {
        const rs = p.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
        return rs ? `${rs}-` : (p.metadata?.name ?? '\0');
      }),
    );
    for (const e of ctx.facts.events) {
      if (e.kind !== 'Pod' || !depPrefixes.some((p) => e.object.startsWith(p))) continue;
      const m = e.reason === 'Scheduled' ? /\bto (\S+)$/.exec(e.message) : null;
      if (m) add(m[1], e.object);
      else if (e.host) add(e.host, e.object);
    }
    for (const p of [...pods].sort((a, b) => restarts(b) - restarts(a))) add(p.spec?.nodeName, p.metadata?.name ?? '');
    for (const d of deletedPods) add(d.node, d.name);
    const picks = [...wanted.entries()].slice(0, MAX_NODES);

    const results = await Promise.all(
      picks.map(async ([name, podSet]) => {
        const [obj, events] = await Promise.all([ctx.tryGet('nodes', name, null), eventsFor(ctx, 'Node', name, null)]);
        return {
          facts: nodeFacts(name, obj === undefined ? null : obj, [...podSet]),
          events,
          unknown: obj === undefined,
        };
      }),
    );
    let nodeList = results.map((r) => (r.unknown ? { ...r.facts, exists: true } : r.facts));
    const events = results.flatMap((r) => r.events);

    // When something was lost to a node (a dependency restarted, pods evicted or gone), the node may
    // be gone too and unknown by name: look for node lifecycle events of the window, cluster-wide.
    // Two bounded queries whose size follows the incident (failing nodes), not the cluster.
    const recentDependencyRestart = dependencies.some((d) =>
      d.pods.some(
        (p) =>
          Date.parse(p.metadata?.creationTimestamp ?? '') >= ctx.since.getTime() ||
          (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0),
      ),
    );
    const nodeLoss = ctx.facts.events.some(
      (e) => e.kind === 'Pod' && (e.reason === 'NodeNotReady' || e.reason === 'TaintManagerEviction'),
    );
    if (recentDependencyRestart || nodeLoss || deletedPods.length > 0) {
      const lists = await Promise.all(
        ['involvedObject.kind=Node,type=Warning', 'involvedObject.kind=Node,reason=NodeNotReady'].map((fieldSelector) =>
          ctx.tryList('events', { namespace: null, fieldSelector, maxItems: 200 }),
        ),
      );
      const lifecycle = lists
        .flat()
        .map((e) => normalizeEvent(e as KubeEvent))
        .filter((e) => Date.parse(e.last) >= ctx.since.getTime() && e.reason !== 'InvalidDiskCapacity');
      const known = new Set(nodeList.map((n) => n.name));
      const fresh = [...new Set(lifecycle.map((e) => e.object))].filter((n) => !known.has(n)).slice(0, 4);
      const more = await Promise.all(
        fresh.map(async (name) => {
          const [obj, evs] = await Promise.all([ctx.tryGet('nodes', name, null), eventsFor(ctx, 'Node', name, null)]);
          events.push(...evs);
          return obj === undefined ? { ...nodeFacts(name, null, []), exists: true } : nodeFacts(name, obj, []);
        }),
      );
      nodeList = [...nodeList, ...more];
      events.push(...lifecycle.filter((e) => known.has(e.object) || fresh.includes(e.object)));
    }
    // A node under memory pressure that evicted (or hosts) the target's pods: the pods running there
    // now, to find the consumer that starved it (one call per such node, at most two; bounded by
    // the node's pod capacity, not the cluster).
    const sinceMs = ctx.since.getTime();
    const memoryPressed = (n: NodeFacts) =>
      n.exists &&
      (n.conditions.some((c) => c.type === 'MemoryPressure' && c.status === 'True') ||
        events.some(
          (e) =>
            e.object === n.name &&
            Date.parse(e.last) >= sinceMs &&
            (e.reason === 'NodeHasInsufficientMemory' ||
              (e.reason === 'EvictionThresholdMet' && /reclaim memory/i.test(e.message))),
        ) ||
        ctx.facts.events.some(
          (e) =>
            e.kind === 'Pod' &&
            e.reason === 'Evicted' &&
            /low on resource: memory/.test(e.message) &&
            Date.parse(e.last) >= sinceMs &&
            (e.host === n.name || n.pods.includes(e.object)),
        ));
    const pressed = nodeList.filter(memoryPressed).slice(0, 2);
    const residents = await Promise.all(
      pressed.map(
        (n) =>
          ctx.tryList('pods', {
            namespace: null,
            fieldSelector: `spec.nodeName=${n.name}`,
            maxItems: 250,
          }) as Promise<Pod[]>,
      ),
    );
    nodeList = nodeList.map((n) => {
      const i = pressed.indexOf(n);
      return i >= 0 ? { ...n, residents: residents[i] ?? [] } : n;
    });

    const notes = summarizeEvents(events.filter((e) => Date.parse(e.last) >= ctx.since.getTime()));
    for (const n of nodeList) {
      if (!n.exists)
        notes.push({
          time: null,
          text: `Node ${n.name} no longer exists (only its events remain)`,
          ref: `default/Node/${n.name}`,
        });
      else if (n.ready && n.ready !== 'True')
        notes.push({ time: null, text: `Node ${n.name} Ready=${n.ready}`, ref: `default/Node/${n.name}` });
      const pressure = n.conditions.filter((c) => c.type !== 'Ready' && c.status === 'True');
      if (pressure.length > 0)
        notes.push({
          time: null,
          text: `Node ${n.name}: ${pressure.map((c) => c.type).join(', ')}`,
          ref: `default/Node/${n.name}`,
        });
    }
    return { facts: { nodes: nodeList, events }, notes };
  },
};
