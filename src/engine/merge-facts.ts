import type { Facts, NodeFacts, TargetKind } from '../domain/facts.js';
import type { KubeObject } from '../domain/k8s.js';
import type { TargetRequest } from '../steps/step.js';
import { mergeEvents } from './normalize.js';

export function emptyFacts(request: TargetRequest, now: Date, since: Date): Facts {
  return {
    now: now.toISOString(),
    since: since.toISOString(),
    target: {
      kind: request.kind as TargetKind,
      name: request.name,
      namespace: request.namespace,
      context: request.context,
      apiVersion: 'v1',
      object: null,
      workload: null,
      selector: {},
      labelSelector: '',
      template: null,
      ownerChain: [],
    },
    revisions: [],
    pods: [],
    deletedPods: [],
    jobs: [],
    events: [],
    nodes: [],
    logs: [],
    dependencies: [],
    services: [],
    hpas: [],
    pvcs: [],
    pvs: [],
    storageClasses: [],
    quotas: [],
    pdbs: [],
    networkPolicies: [],
    references: [],
    dnsPods: [],
    gaps: [],
  };
}

function uniqueObjects(a: readonly KubeObject[], b: readonly KubeObject[]): KubeObject[] {
  const out = new Map<string, KubeObject>();
  for (const o of [...a, ...b]) out.set(`${o.kind ?? ''}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
  return [...out.values()];
}

function mergeNodes(a: readonly NodeFacts[], b: readonly NodeFacts[]): NodeFacts[] {
  const out = new Map<string, NodeFacts>();
  for (const n of [...a, ...b]) {
    const prev = out.get(n.name);
    out.set(n.name, prev ? { ...prev, ...n, pods: [...new Set([...prev.pods, ...n.pods])] } : n);
  }
  return [...out.values()].sort((x, y) => x.name.localeCompare(y.name));
}

/** Merge a step's partial facts into the accumulated facts (pure: returns a new object). */
export function mergeFacts(facts: Facts, part: Partial<Facts>): Facts {
  const next: Facts = { ...facts };
  for (const [key, value] of Object.entries(part) as [keyof Facts, unknown][]) {
    if (value === undefined) continue;
    switch (key) {
      case 'events':
        next.events = mergeEvents(facts.events, value as Facts['events']);
        break;
      case 'nodes':
        next.nodes = mergeNodes(facts.nodes, value as NodeFacts[]);
        break;
      case 'pods':
      case 'jobs':
      case 'hpas':
      case 'pvcs':
      case 'pvs':
      case 'quotas':
      case 'pdbs':
      case 'networkPolicies':
      case 'dnsPods':
        (next[key] as KubeObject[]) = uniqueObjects(facts[key] as KubeObject[], value as KubeObject[]);
        break;
      case 'target':
      case 'now':
      case 'since':
        (next as unknown as Record<string, unknown>)[key] = value;
        break;
      default:
        (next as unknown as Record<string, unknown[]>)[key] = [
          ...((facts[key] as unknown[]) ?? []),
          ...(value as unknown[]),
        ];
    }
  }
  return next;
}
