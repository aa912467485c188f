/** The dependencies step against an in-memory cluster: what it reads for an empty Service, and how much. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/domain/k8s.js';
import type { ListOptions, Resource } from '../../src/kube/reader.js';
import { dependencies } from '../../src/steps/dependencies.js';
import type { StepContext } from '../../src/steps/step.js';
import { at, container, deployment, facts, template } from '../rules/fixtures.js';

function context(objects: Record<string, KubeObject[]>, calls: string[]): StepContext {
  const tpl = template([container('app', { env: [{ name: 'DATABASE_HOST', value: 'orders-db' }] })]);
  const f = facts({ workload: deployment('web', tpl, 3) });
  const matches = (o: KubeObject, opts: ListOptions) => {
    if (opts.namespace && o.metadata?.namespace !== opts.namespace) return false;
    for (const part of (opts.labelSelector ?? '').split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      if (o.metadata?.labels?.[k ?? ''] !== v) return false;
    }
    for (const part of (opts.fieldSelector ?? '').split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      if (k === 'involvedObject.kind' && o.involvedObject?.kind !== v) return false;
      if (k === 'involvedObject.name' && o.involvedObject?.name !== v) return false;
    }
    return true;
  };
  return {
    request: { kind: 'Deployment', name: 'web', namespace: 'production', context: 'test' },
    facts: f,
    now: new Date(at('02:00')),
    since: new Date(at('00:00')),
    signal: new AbortController().signal,
    kube: undefined as never,
    async tryList(resource: Resource, opts: ListOptions) {
      calls.push(`list ${resource}`);
      return (objects[resource] ?? []).filter((o) => matches(o, opts));
    },
    async tryGet(resource: Resource, name: string) {
      calls.push(`get ${resource}`);
      return (objects[resource] ?? []).find((o) => o.metadata?.name === name) ?? null;
    },
    async tryLogs() {
      calls.push('logs');
      return null;
    },
  };
}

const NS = 'production';
const base = (): Record<string, KubeObject[]> => ({
  services: [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'orders-db', namespace: NS },
      spec: { selector: { app: 'orders-db' } },
    },
  ],
  endpoints: [{ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'orders-db', namespace: NS } }],
  replicasets: [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'orders-db-7c9d5f8b46',
        namespace: NS,
        labels: { app: 'orders-db', 'pod-template-hash': '7c9d5f8b46' },
        annotations: { 'deployment.kubernetes.io/desired-replicas': '0', 'deployment.kubernetes.io/revision': '5' },
        ownerReferences: [{ kind: 'Deployment', name: 'orders-db', controller: true }],
      },
    },
  ],
  events: [
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'orders-db.1', namespace: NS },
      involvedObject: { kind: 'Deployment', name: 'orders-db', namespace: NS },
      reason: 'ScalingReplicaSet',
      message: 'Scaled down replica set orders-db-7c9d5f8b46 from 1 to 0',
      type: 'Normal',
      firstTimestamp: at('01:20'),
      lastTimestamp: at('01:20'),
      count: 1,
    },
  ],
});

test('an empty dependency Service: its Deployment (from the ReplicaSets carrying its labels) and its events, in 2 extra calls', async () => {
  const calls: string[] = [];
  const out = await dependencies.run(context(base(), calls));
  const dep = out.facts?.dependencies?.[0];
  assert.deepEqual(dep?.backing, { kind: 'Deployment', name: 'orders-db', namespace: NS, replicas: 0 });
  assert.ok(out.facts?.events?.some((e) => e.reason === 'ScalingReplicaSet' && e.object === 'orders-db'));
  assert.deepEqual(
    calls.filter((c) => c === 'list replicasets' || c === 'list events' || c === 'list statefulsets'),
    ['list replicasets', 'list events'],
  );
});

test('a dependency with pods behind it: no backing read', async () => {
  const objects = base();
  objects.pods = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'orders-db-7c9d5f8b46-abcde',
        namespace: NS,
        labels: { app: 'orders-db' },
        creationTimestamp: at('00:00', '2026-04-20'),
      },
      status: { phase: 'Running' },
    },
  ];
  const calls: string[] = [];
  const out = await dependencies.run(context(objects, calls));
  assert.equal(out.facts?.dependencies?.[0]?.backing, undefined);
  assert.ok(!calls.includes('list replicasets'));
});
