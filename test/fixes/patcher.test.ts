/** The client-node patcher against the Kubernetes simulator: dry runs, preconditions, and every failure classified. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Fix } from '../../src/domain/result.js';
import {
  canPatch,
  classifyStatus,
  createClientNodePatcher,
  type KubePatcher,
  patchBody,
  permissionFor,
} from '../../src/fixes/patcher.js';
import { type KubeSimulator, startKubeSimulator } from '../../src/simulators/kube/index.js';
import { SEED_FIX, seedScenario } from './fixtures.js';

const PRE = { resourceVersion: '330954', uid: '7e7366d8-ddb6-4c14-8a08-03829783dd49' };
const REF = SEED_FIX.resource;

test('the request body carries the precondition for every patch type', () => {
  const strategic = patchBody(SEED_FIX, PRE) as { metadata: unknown; spec: unknown };
  assert.deepEqual(strategic.metadata, PRE);
  assert.deepEqual(strategic.spec, (SEED_FIX.patch as { spec: unknown }).spec);
  const withMeta: Fix = { ...SEED_FIX, patchType: 'merge', patch: { metadata: { labels: { a: 'b' } } } };
  assert.deepEqual(patchBody(withMeta, PRE), { metadata: { labels: { a: 'b' }, ...PRE } });
  const json: Fix = { ...SEED_FIX, patchType: 'json', patch: [{ op: 'replace', path: '/spec/replicas', value: 2 }] };
  assert.deepEqual(patchBody(json, PRE), [
    { op: 'test', path: '/metadata/uid', value: PRE.uid },
    { op: 'replace', path: '/metadata/resourceVersion', value: PRE.resourceVersion },
    { op: 'replace', path: '/spec/replicas', value: 2 },
  ]);
  assert.equal(patchBody(SEED_FIX, null), SEED_FIX.patch);
});

test('RBAC permissions are named the way a Role grants them', () => {
  assert.equal(permissionFor('patch', REF), 'patch deployments.apps in namespace production');
  assert.equal(
    permissionFor('get', { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'web' }),
    'get services in namespace shop',
  );
  assert.equal(
    permissionFor('patch', { apiVersion: 'v1', kind: 'Node', namespace: '', name: 'n1' }),
    'patch nodes cluster-wide',
  );
  assert.ok(canPatch(REF));
  assert.ok(!canPatch({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' }));
  assert.ok(!canPatch({ apiVersion: 'example.com/v1', kind: 'Widget' }));
});

test('Status answers are classified', () => {
  const s = (code: number, body: unknown) => classifyStatus(code, body, 'patch', REF, 'https://k8s');
  assert.equal(s(403, { message: 'forbidden' }).permission, 'patch deployments.apps in namespace production');
  assert.equal(s(404, {}).kind, 'not-found');
  assert.equal(s(409, {}).kind, 'conflict');
  const invalid = s(422, {
    message: 'Deployment.apps "x" is invalid',
    details: { causes: [{ field: 'spec.replicas', message: 'must be >= 0', reason: 'FieldValueInvalid' }] },
  });
  assert.equal(invalid.kind, 'invalid');
  assert.deepEqual(invalid.causes, [{ field: 'spec.replicas', message: 'must be >= 0' }]);
  assert.equal(s(422, { message: 'testing value /metadata/uid failed: test failed' }).kind, 'conflict');
  assert.equal(s(415, {}).kind, 'unsupported');
  assert.equal(s(401, {}).kind, 'unauthenticated');
  assert.equal(s(503, {}).kind, 'server');
});

describe('client-node patcher against the simulator', () => {
  let kube: KubeSimulator;
  let patcher: KubePatcher;
  let dir: string;
  before(async () => {
    const scenario = seedScenario();
    scenario.forbidden.push({ verb: 'patch', resource: 'statefulsets', namespace: 'production' });
    kube = await startKubeSimulator({ scenario });
    dir = mkdtempSync(join(tmpdir(), 'causa-patcher-'));
    kube.writeKubeconfig(join(dir, 'kubeconfig'));
    patcher = await createClientNodePatcher({ kubeconfig: join(dir, 'kubeconfig') });
  });
  after(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const liveProbe = () => {
    const d = kube.objects().find((o) => o.kind === 'Deployment' && o.metadata?.name === 'payments-service');
    return d?.spec.template.spec.containers[0].livenessProbe;
  };

  test('get returns the object in wire form', async () => {
    const got = await patcher.get(REF);
    assert.ok(got.ok);
    assert.equal(got.object.metadata?.resourceVersion, PRE.resourceVersion);
    assert.equal(got.object.kind, 'Deployment');
    assert.equal(typeof got.object.metadata?.creationTimestamp, 'string');
  });

  test('a dry run returns the would-be object and changes nothing', async () => {
    kube.resetRequests();
    const res = await patcher.patch({ fix: SEED_FIX, dryRun: true, precondition: PRE });
    assert.ok(res.ok, JSON.stringify(!res.ok && res.failure));
    assert.equal(res.object.spec.template.spec.containers[0].livenessProbe.timeoutSeconds, 10);
    assert.equal(liveProbe().timeoutSeconds, 2);
    const path = kube.requests.find((r) => r.method === 'PATCH')?.path ?? '';
    assert.match(path, /dryRun=All/);
    assert.match(path, /fieldManager=causa/);
  });

  test('a stale precondition is a conflict; the right one applies exactly the patch', async () => {
    const stale = await patcher.patch({ fix: SEED_FIX, dryRun: false, precondition: { ...PRE, resourceVersion: '1' } });
    assert.ok(!stale.ok && stale.failure.kind === 'conflict', JSON.stringify(stale));
    const wrongUid = await patcher.patch({ fix: SEED_FIX, dryRun: false, precondition: { ...PRE, uid: 'nope' } });
    assert.ok(!wrongUid.ok && wrongUid.failure.kind === 'conflict');
    assert.equal(liveProbe().timeoutSeconds, 2);
    const res = await patcher.patch({ fix: SEED_FIX, dryRun: false, precondition: PRE });
    assert.ok(res.ok);
    assert.deepEqual(
      { ...liveProbe(), httpGet: undefined },
      {
        httpGet: undefined,
        timeoutSeconds: 10,
        initialDelaySeconds: 15,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
    );
    assert.equal(res.object.metadata?.generation, 32);
  });

  test('a JSON patch with a stale uid test is a conflict, not a bad patch', async () => {
    const json: Fix = {
      ...SEED_FIX,
      patchType: 'json',
      patch: [{ op: 'replace', path: '/spec/replicas', value: 4 }],
    };
    const got = await patcher.get(REF);
    assert.ok(got.ok);
    const rv = got.object.metadata?.resourceVersion ?? '';
    const res = await patcher.patch({ fix: json, dryRun: true, precondition: { resourceVersion: rv, uid: 'other' } });
    assert.ok(!res.ok && res.failure.kind === 'conflict', JSON.stringify(res));
    const ok = await patcher.patch({ fix: json, dryRun: true, precondition: { resourceVersion: rv, uid: PRE.uid } });
    assert.ok(ok.ok && ok.object.spec.replicas === 4);
  });

  test('invalid, forbidden, missing and unsupported targets come back classified', async () => {
    const got = await patcher.get(REF);
    assert.ok(got.ok);
    const pre = { resourceVersion: got.object.metadata?.resourceVersion ?? '', uid: PRE.uid };
    const invalid = await patcher.patch({
      fix: { ...SEED_FIX, patchType: 'merge', patch: { spec: { replicas: -1 } } },
      dryRun: true,
      precondition: pre,
    });
    assert.ok(!invalid.ok && invalid.failure.kind === 'invalid');
    assert.equal(invalid.failure.causes[0]?.field, 'spec.replicas');

    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'production', name: 'redis-cache' };
    const forbidden = await patcher.patch({
      fix: { ...SEED_FIX, resource: sts, patch: { metadata: { labels: { a: 'b' } } } },
      dryRun: true,
      precondition: null,
    });
    assert.ok(!forbidden.ok && forbidden.failure.kind === 'forbidden');
    assert.equal(forbidden.failure.permission, 'patch statefulsets.apps in namespace production');

    const missing = await patcher.get({ ...REF, name: 'nope' });
    assert.ok(!missing.ok && missing.failure.kind === 'not-found');

    const widget = await patcher.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'x', name: 'y' });
    assert.ok(!widget.ok && widget.failure.kind === 'unsupported');
  });
});
