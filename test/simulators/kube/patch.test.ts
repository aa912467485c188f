import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Json,
  type JsonObject,
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge as smp,
} from '../../../src/simulators/kube/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read deep into patched documents
type Loose = any;
const strategicMerge = (original: object, patch: unknown): Loose => smp(original as JsonObject, patch as Json);

const deployment = {
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'web:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m' } },
          },
          { name: 'proxy', image: 'envoy:1' },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'web' } }],
        tolerations: [{ key: 'x', operator: 'Exists' }],
      },
    },
  },
};

describe('strategic merge patch', () => {
  it('merges containers by name and keeps the untouched ones', () => {
    const out = strategicMerge(deployment, {
      spec: { template: { spec: { containers: [{ name: 'app', resources: { limits: { memory: '512Mi' } } }] } } },
    });
    const cs = out.spec.template.spec.containers;
    assert.deepEqual(
      cs.map((c: { name: string }) => c.name),
      ['app', 'proxy'],
    );
    assert.deepEqual(cs[0].resources, { limits: { memory: '512Mi' }, requests: { cpu: '100m' } });
    assert.equal(cs[0].image, 'web:1');
    assert.equal(deployment.spec.template.spec.containers[0]?.resources?.limits.memory, '256Mi', 'input untouched');
  });

  it('merges env by name, ports by containerPort, appends new items', () => {
    const out = strategicMerge(deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'C', value: '3' },
                ],
                ports: [{ containerPort: 9090 }],
              },
              { name: 'debug', image: 'busybox' },
            ],
          },
        },
      },
    });
    const app = out.spec.template.spec.containers[0];
    assert.deepEqual(app.env, [
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    assert.deepEqual(
      app.ports.map((p: { containerPort: number }) => p.containerPort),
      [8080, 9090],
    );
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: { name: string }) => c.name),
      ['app', 'proxy', 'debug'],
    );
  });

  it('honours $patch: delete / replace, null deletes, atomic lists replace', () => {
    const out = strategicMerge(deployment, {
      metadata: { labels: { app: null }, finalizers: ['b'] },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'proxy', $patch: 'delete' }],
            volumes: [{ $patch: 'replace' }, { name: 'new', emptyDir: {} }],
            tolerations: [{ key: 'y', operator: 'Exists' }],
          },
        },
      },
    });
    assert.deepEqual(out.metadata.labels, {});
    assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: { name: string }) => c.name),
      ['app'],
    );
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'new', emptyDir: {} }]);
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'y', operator: 'Exists' }]);
    const replaced = strategicMerge(deployment, {
      spec: { template: { $patch: 'replace', spec: { containers: [] } } },
    });
    assert.deepEqual(replaced.spec.template, { spec: { containers: [] } });
  });

  it('merges Service ports by port', () => {
    const svc = { kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    const out = strategicMerge(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090 }]);
  });

  it('rejects non-object patches', () => {
    assert.throws(() => strategicMerge(deployment, [] as never), PatchError);
  });
});

describe('merge patch (RFC 7386)', () => {
  it('replaces lists and deletes with null', () => {
    const out = mergePatch(deployment, {
      metadata: { labels: { team: 'x', app: null } },
      spec: { template: { spec: { containers: [{ name: 'only' }] } } },
    }) as typeof deployment;
    assert.deepEqual(out.metadata.labels, { team: 'x' });
    assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only' }]);
    assert.equal(out.spec.replicas, 2);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add/remove/replace/test/copy/move', () => {
    const out = jsonPatch(deployment, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/metadata/labels/team', value: 'x' },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'debug' } },
      { op: 'remove', path: '/spec/template/spec/containers/1' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'move', from: '/metadata/labels/team', path: '/metadata/labels/moved' },
      { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': '1' } },
      { op: 'replace', path: '/metadata/annotations/a~0b~1c', value: '2' },
    ]) as Record<string, never>;
    const o = out as unknown as typeof deployment & { metadata: { annotations: Record<string, string> } };
    assert.equal(o.spec.replicas, 3);
    assert.deepEqual(o.metadata.labels, { app: 'web', copied: 'web', moved: 'x' });
    assert.deepEqual(
      o.spec.template.spec.containers.map((c: { name: string }) => c.name),
      ['app', 'debug'],
    );
    assert.deepEqual(o.metadata.annotations, { 'a~b/c': '2' });
  });

  it('fails like the apiserver', () => {
    assert.throws(
      () => jsonPatch(deployment, { op: 'replace' }),
      (e: unknown) =>
        e instanceof PatchError &&
        e.code === 400 &&
        e.message ===
          'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    );
    assert.throws(
      () => jsonPatch(deployment, [{ op: 'test', path: '/spec/replicas', value: 5 }]),
      (e: unknown) => e instanceof PatchError && e.code === 422 && /test failed/.test(e.message),
    );
    assert.throws(
      () => jsonPatch(deployment, [{ op: 'remove', path: '/spec/nope' }]),
      (e: unknown) => e instanceof PatchError && e.code === 422,
    );
    assert.throws(
      () => jsonPatch(deployment, [{ op: 'replace', path: '/spec/nope', value: 1 }]),
      (e: unknown) => e instanceof PatchError && e.code === 422,
    );
  });
});
