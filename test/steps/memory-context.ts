/**
 * An in-memory cluster for step tests: a StepContext whose reads filter plain objects (namespace,
 * `k=v` label and field selectors) and record every call, so tests can count what a step asks for.
 */
import type { Facts } from '../../src/domain/facts.js';
import type { KubeObject } from '../../src/domain/k8s.js';
import type { ListOptions, LogOptions, Resource } from '../../src/kube/reader.js';
import type { StepContext } from '../../src/steps/step.js';
import { at } from '../rules/fixtures.js';

export interface Cluster {
  objects: Partial<Record<Resource, KubeObject[]>>;
  /** Log text by `pod/container/previous|current`; a missing key reads as unavailable. */
  logs?: Record<string, string>;
}

function field(o: KubeObject, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
}

function matches(o: KubeObject, opts: ListOptions): boolean {
  if (opts.namespace && o.metadata?.namespace !== opts.namespace) return false;
  for (const part of (opts.labelSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (o.metadata?.labels?.[k ?? ''] !== v) return false;
  }
  for (const part of (opts.fieldSelector ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (String(field(o, k ?? '') ?? '') !== v) return false;
  }
  return true;
}

export function memoryContext(cluster: Cluster, facts: Facts, calls: string[]): StepContext {
  return {
    request: {
      kind: facts.target.kind,
      name: facts.target.name,
      namespace: facts.target.namespace,
      context: 'test',
    },
    facts,
    now: new Date(at('02:00')),
    since: new Date(at('00:00')),
    signal: new AbortController().signal,
    kube: undefined as never,
    async tryList(resource: Resource, opts: ListOptions) {
      calls.push(`list ${resource}${opts.fieldSelector ? ` ${opts.fieldSelector}` : ''}`);
      return (cluster.objects[resource] ?? []).filter((o) => matches(o, opts));
    },
    async tryGet(resource: Resource, name: string) {
      calls.push(`get ${resource} ${name}`);
      return (cluster.objects[resource] ?? []).find((o) => o.metadata?.name === name) ?? null;
    },
    async tryLogs(_ns: string, pod: string, opts: LogOptions) {
      const key = `${pod}/${opts.container}/${opts.previous ? 'previous' : 'current'}`;
      calls.push(`logs ${key}`);
      return cluster.logs?.[key] ?? null;
    },
  };
}
