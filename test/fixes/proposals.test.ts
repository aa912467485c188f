/**
 * What a fix proposal is bound to: the target's spec (plus labels and annotations), hashed over canonical JSON,
 * so that the status writes of a crash-looping workload do not make a reviewed fix stale.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/domain/k8s.js';
import {
  canonicalJson,
  type ProposalRecord,
  ProposalRecordSchema,
  snapshotOf,
  specHash,
  targetChange,
} from '../../src/fixes/proposals.js';
import { seedDeployment } from './fixtures.js';

/** The same object with its keys in reverse order, at every level. */
function reversedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversedKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>)
      .reverse()
      .map(([k, x]) => [k, reversedKeys(x)]),
  );
}

function withStatusWrite(obj: KubeObject, rv: string): KubeObject {
  const next = structuredClone(obj);
  next.metadata = {
    ...next.metadata,
    resourceVersion: rv,
    managedFields: [{ manager: 'kube-controller-manager', subresource: 'status', time: '2024-05-14T02:13:00Z' }],
  };
  next.status = {
    ...next.status,
    availableReplicas: 0,
    conditions: [{ type: 'Available', status: 'False', lastUpdateTime: '2024-05-14T02:13:00Z' }],
  };
  return next;
}

function recordOf(obj: KubeObject): ProposalRecord {
  const snap = snapshotOf(obj);
  assert.ok(snap);
  return {
    actionId: 'act_1',
    purpose: 'fix',
    context: null,
    resource: 'apps/v1 Deployment production/payments-service',
    rollbackOf: null,
    uid: snap.uid,
    resourceVersion: snap.resourceVersion,
    generation: snap.generation ?? null,
    ...(snap.specHash === undefined ? {} : { specHash: snap.specHash }),
  };
}

test('canonical JSON sorts keys at every level and keeps array order', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }),
    '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
  );
  assert.equal(canonicalJson({ a: undefined, b: 'x' }), '{"b":"x"}');
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

test('the spec hash ignores status, volatile metadata and key order', () => {
  const d = seedDeployment();
  const h = specHash(d);
  assert.match(h, /^sha256:[0-9a-f]{64}$/);
  assert.equal(specHash(withStatusWrite(d, '331000')), h, 'a status write (and its managedFields entry)');
  assert.equal(specHash(reversedKeys(d) as KubeObject), h, 'key order');
  const noise = structuredClone(d);
  noise.metadata = { ...noise.metadata, generation: 99, uid: 'other', creationTimestamp: '2020-01-01T00:00:00Z' };
  assert.equal(specHash(noise), h, 'server bookkeeping (uid and generation are compared on their own)');
});

test('the spec hash changes with the spec, the labels and the annotations', () => {
  const d = seedDeployment();
  const h = specHash(d);
  const spec = structuredClone(d);
  spec.spec.template.spec.containers[0].livenessProbe.timeoutSeconds = 5;
  assert.notEqual(specHash(spec), h, 'pod template');
  const replicas = structuredClone(d);
  replicas.spec.replicas = (d.spec.replicas ?? 1) + 1;
  assert.notEqual(specHash(replicas), h, 'replicas');
  const label = structuredClone(d);
  label.metadata = { ...label.metadata, labels: { ...label.metadata?.labels, 'argocd.argoproj.io/instance': 'x' } };
  assert.notEqual(specHash(label), h, 'a label (GitOps ownership is a label)');
  const annotation = structuredClone(d);
  annotation.metadata = { ...annotation.metadata, annotations: { 'example.com/touched': 'yes' } };
  assert.notEqual(specHash(annotation), h, 'an annotation');
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
  assert.notEqual(specHash(cm), specHash({ ...cm, data: { a: '2' } }), 'kinds without spec: data');
});

test('targetChange: none, status only, spec (or generation) changed; older proposals fall back to resourceVersion', () => {
  const d = seedDeployment();
  const record = recordOf(d);
  assert.equal(record.generation, d.metadata?.generation);
  assert.equal(targetChange(record, d), 'none');
  assert.equal(targetChange(record, reversedKeys(withStatusWrite(d, '331000')) as KubeObject), 'status-only');

  const spec = withStatusWrite(d, '331001');
  spec.spec.replicas = 1;
  assert.equal(targetChange(record, spec), 'spec');

  const generation = withStatusWrite(d, '331002');
  generation.metadata = { ...generation.metadata, generation: (d.metadata?.generation ?? 0) + 1 };
  assert.equal(targetChange(record, generation), 'spec', 'generation moved (e.g. changed and changed back)');
  assert.equal(
    targetChange({ ...record, generation: null }, generation),
    'status-only',
    'compared only when both sides have one',
  );

  const { specHash: _h, generation: _g, ...legacy } = record;
  const parsed = ProposalRecordSchema.parse(legacy);
  assert.equal(parsed.specHash, undefined, 'a stored proposal of an older version still parses');
  assert.equal(targetChange(parsed, d), 'none');
  assert.equal(targetChange(parsed, withStatusWrite(d, '331000')), 'version', 'older proposals: exact resourceVersion');
});
