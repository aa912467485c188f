/**
 * FM-34: FailedCreatePodSandBox — the CNI cannot set up the pod network (IP exhaustion, CNI not
 * initialised, plugin missing). Only the target's own pods count: sandbox storms on other
 * workloads are noise.
 */
import type { Derived } from '../analysis/derive.js';
import { list, nodeRef, podRef, quote, signal } from '../analysis/format.js';
import { stripCombined } from '../analysis/probes.js';
import { clock, ms } from '../analysis/time.js';
import type { Facts } from '../domain/facts.js';
import type { Evidence } from '../domain/result.js';
import type { Rule, RuleOutcome } from './rule.js';

function classify(m: string): { kind: string; advice: string } {
  if (/assign an IP|no available IP|InsufficientFreeAddresses|ipam|exhaust|no IP addresses|out of IPs/i.test(m)) {
    return {
      kind: 'the subnet/node ran out of pod IPs',
      advice:
        'Free or add IPs: larger or additional subnets, VPC CNI prefix delegation (ENABLE_PREFIX_DELEGATION=true), or a lower maxPods per node.',
    };
  }
  if (
    /cni plugin not initialized|failed to find plugin|NetworkPluginNotReady|network plugin is not ready|cni config uninitialized/i.test(
      m,
    )
  ) {
    return {
      kind: 'the CNI plugin is not ready on the node',
      advice:
        'Check the CNI DaemonSet pod on that node (kubectl -n kube-system get pods -o wide | grep <node>) and its logs; cordon and replace the node if it does not recover.',
    };
  }
  return {
    kind: 'the runtime/CNI cannot create the pod sandbox',
    advice: 'Read the kubelet and CNI logs on the node for the sandbox error.',
  };
}

export const podSandboxFailed: Rule = {
  id: 'pod-sandbox-failed',
  evaluate(facts: Facts, d: Derived): RuleOutcome {
    const evs = d.events.filter(
      (e) => e.reason === 'FailedCreatePodSandBox' && e.kind === 'Pod' && (ms(e.last) ?? 0) >= d.since,
    );
    if (evs.length === 0) return null;
    const ns = facts.target.namespace;
    const pods = [...new Set(evs.map((e) => e.object))].sort();
    const msg = stripCombined(evs[evs.length - 1]!.message);
    const c = classify(evs.map((e) => e.message).join('\n'));
    const signals: Evidence[] = [
      signal(
        'event',
        podRef(ns, evs[0]!.object),
        evs[0]!.first ?? evs[0]!.last,
        `FailedCreatePodSandBox on ${pods.length} pod(s) from ${clock(evs[0]!.first ?? evs[0]!.last, facts.now)} (×${evs.reduce((n, e) => n + e.count, 0)}): ${quote(msg, 180)}`,
      ),
    ];
    const stuck = d.pods.filter(
      (p) => pods.includes(p.name) && !p.podIP && p.containers.some((x) => x.waitingReason === 'ContainerCreating'),
    );
    if (stuck.length > 0) {
      signals.push(
        signal(
          'status',
          podRef(ns, stuck[0]!.name),
          facts.now,
          `${stuck.length} pod(s) stuck ContainerCreating without a pod IP`,
        ),
      );
    }
    const nodes = [
      ...new Set(
        pods
          .map((p) => d.nodeOf.get(p) ?? evs.find((e) => e.object === p)?.host ?? null)
          .filter((n): n is string => n !== null),
      ),
    ];
    const sick = facts.nodes.filter(
      (n) =>
        nodes.includes(n.name) &&
        n.conditions.some(
          (k) =>
            (k.type === 'Ready' && k.status !== 'True' && /network|cni/i.test(k.message ?? '')) ||
            (k.type === 'NetworkUnavailable' && k.status === 'True'),
        ),
    );
    if (sick[0]) {
      const cond = sick[0].conditions.find((k) => k.type === 'NetworkUnavailable' || k.type === 'Ready');
      signals.push(
        signal(
          'status',
          nodeRef(sick[0].name),
          cond?.lastTransitionTime ?? null,
          `Node ${sick[0].name} ${cond?.type}=${cond?.status}: ${quote(cond?.message ?? '', 140)}`,
        ),
      );
    } else if (nodes.length === 1 && pods.length > 1) {
      signals.push(
        signal('status', nodeRef(nodes[0]!), null, `All ${pods.length} failing pods are on node ${nodes[0]}`),
      );
    }
    return {
      kind: 'match',
      summary: `Pods of ${facts.target.workload?.metadata?.name ?? facts.target.name} cannot get a network sandbox${nodes.length > 0 ? ` on ${list(nodes)}` : ''}: ${c.kind}`,
      signals,
      trigger: null,
      fix: null,
      advice: c.advice,
      explains: ['bad-rollout'],
    };
  },
};
