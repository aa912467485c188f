import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fix } from '../../src/domain/result.js';
import { applyLocally, changedFields, comparable, inverseFix, planFix, unifiedDiff } from '../../src/fixes/plan-fix.js';
import { jsonPatch, PatchError } from '../../src/simulators/kube/patch.js';
import { SEED_FIX, seedDeployment } from './fixtures.js';

test('the seed fix: two changed fields, before and after, and the pods roll', () => {
  const plan = planFix(SEED_FIX, seedDeployment());
  assert.equal(plan.resource, 'apps/v1 Deployment production/payments-service');
  assert.deepEqual(
    plan.changes.map((c) => [c.path, c.before, c.after]),
    [
      ['spec.template.spec.containers[payments].livenessProbe.timeoutSeconds', 2, 10],
      ['spec.template.spec.containers[payments].livenessProbe.initialDelaySeconds', undefined, 15],
    ],
  );
  assert.equal(plan.changes[0]?.pointer, '/spec/template/spec/containers/0/livenessProbe/timeoutSeconds');
  assert.ok(plan.restartsPods);
  assert.match(plan.patchYaml, /timeoutSeconds: 10/);
});

test('the diff is unified, with context and the enclosing YAML key, and leaves status and metadata noise out', () => {
  const { diff } = planFix(SEED_FIX, seedDeployment());
  const lines = diff.split('\n');
  assert.equal(lines[0], '--- live apps/v1 Deployment production/payments-service (resourceVersion 330954)');
  assert.equal(lines[1], '+++ after the patch');
  assert.match(lines[2] ?? '', /^@@ -\d+,\d+ \+\d+,\d+ @@ livenessProbe:$/);
  assert.ok(
    lines.some((l) => /^-\s+timeoutSeconds: 2$/.test(l)),
    diff,
  );
  assert.ok(
    lines.some((l) => /^\+\s+timeoutSeconds: 10$/.test(l)),
    diff,
  );
  assert.ok(
    lines.some((l) => /^\+\s+initialDelaySeconds: 15$/.test(l)),
    diff,
  );
  assert.equal(lines.filter((l) => /^[-+]\s/.test(l)).length, 3, 'only the changed lines');
  assert.ok(!/observedGeneration|resourceVersion: /.test(diff), 'no status, no volatile metadata');
});

test('a server dry-run result can stand in for the local preview', () => {
  const live = seedDeployment();
  const after = structuredClone(applyLocally(SEED_FIX, live));
  after.metadata = { ...after.metadata, generation: 32, resourceVersion: '999' };
  const plan = planFix(SEED_FIX, live, after);
  assert.equal(plan.changes.length, 2, 'generation and resourceVersion are not changes');
});

test('a patch that changes nothing has no changes and no diff', () => {
  const live = applyLocally(SEED_FIX, seedDeployment());
  const plan = planFix(SEED_FIX, live);
  assert.deepEqual(plan.changes, []);
  assert.equal(plan.diff, '');
});

test('the inverse patch restores the object, and refuses to if someone changed the field since', () => {
  const live = seedDeployment();
  const after = applyLocally(SEED_FIX, live);
  const inverse = inverseFix(SEED_FIX, planFix(SEED_FIX, live, after).changes);
  assert.ok(inverse);
  assert.equal(inverse.patchType, 'json');
  assert.match(inverse.summary, /^roll back: /);
  const restored = jsonPatch(after as never, inverse.patch);
  assert.deepEqual(comparable(restored as never), comparable(live));

  const edited = structuredClone(after);
  edited.spec.template.spec.containers[0].livenessProbe.timeoutSeconds = 30;
  assert.throws(() => jsonPatch(edited as never, inverse.patch), PatchError);
  assert.equal(inverseFix(SEED_FIX, []), null);
});

test('named list items are matched by name; a list that gains an item is one change', () => {
  const before = {
    env: [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ],
  };
  const reordered = {
    env: [
      { name: 'B', value: '3' },
      { name: 'A', value: '1' },
    ],
  };
  assert.deepEqual(changedFields(before, reordered), [
    { path: 'env[B].value', pointer: '/env/0/value', before: '2', after: '3' },
  ]);
  const grown = { env: [...before.env, { name: 'C', value: '4' }] };
  const [c] = changedFields(before, grown);
  assert.equal(c?.path, 'env');
  assert.equal(changedFields({ args: ['a', 'b'] }, { args: ['a', 'c'] })[0]?.path, 'args[1]');
  assert.equal(
    changedFields({ metadata: { annotations: {} } }, { metadata: { annotations: { 'a.io/x': 'y' } } })[0]?.path,
    'metadata.annotations["a.io/x"]',
  );
});

test('merge and JSON patches plan too; only pod-template changes roll pods', () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'shop', resourceVersion: '5' },
    spec: { minReplicas: 2, maxReplicas: 4 },
  };
  const merge: Fix = {
    summary: 'raise maxReplicas',
    resource: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'web' },
    patchType: 'merge',
    patch: { spec: { maxReplicas: 8 } },
  };
  const plan = planFix(merge, hpa);
  assert.equal(plan.changes[0]?.path, 'spec.maxReplicas');
  assert.equal(plan.restartsPods, false);

  const json: Fix = { ...merge, patchType: 'json', patch: [{ op: 'replace', path: '/spec/minReplicas', value: 3 }] };
  assert.deepEqual(planFix(json, hpa).changes[0], {
    path: 'spec.minReplicas',
    pointer: '/spec/minReplicas',
    before: 2,
    after: 3,
  });
  const broken: Fix = { ...json, patch: [{ op: 'replace', path: '/spec/nothing/here', value: 1 }] };
  assert.throws(() => planFix(broken, hpa), PatchError);
});

test('unifiedDiff: hunks, counts and separate regions', () => {
  assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', { from: 'x', to: 'y' }), '');
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const changed = [...lines];
  changed[1] = 'LINE 2';
  changed.splice(15, 0, 'inserted');
  const diff = unifiedDiff(lines.join('\n'), changed.join('\n'), { from: 'a', to: 'b', context: 2 });
  const hunks = diff.split('\n').filter((l) => l.startsWith('@@'));
  assert.deepEqual(hunks, ['@@ -1,4 +1,4 @@', '@@ -14,4 +14,5 @@']);
  assert.match(diff, /-line 2\n\+LINE 2/);
  assert.match(diff, /\+inserted/);
  assert.equal(unifiedDiff('', 'new\n', { from: 'a', to: 'b' }).split('\n')[2], '@@ -0,0 +1,1 @@');
});
