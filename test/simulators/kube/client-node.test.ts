/** The simulator driven by the real @kubernetes/client-node 1.4.0. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { type KubeSimulator, startKubeSimulator } from '../../../src/simulators/kube/index.js';
import { NODE, testScenario } from './fixture.js';

async function rejection(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiException, `expected ApiException, got ${String(err)}`);
    return err as ApiException<string>;
  }
  assert.fail('expected the call to fail');
}

function statusOf(err: ApiException<string>): { reason: string; message: string; code: number; kind: string } {
  return JSON.parse(err.body) as { reason: string; message: string; code: number; kind: string };
}

describe('kube simulator with @kubernetes/client-node', () => {
  let sim: KubeSimulator;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let events: EventsV1Api;
  let coord: CoordinationV1Api;

  before(async () => {
    sim = await startKubeSimulator({ scenario: testScenario() });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    events = kc.makeApiClient(EventsV1Api);
    coord = kc.makeApiClient(CoordinationV1Api);
  });
  after(() => sim.close());

  it('binds 127.0.0.1 and writes a kubeconfig for the scenario context', () => {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    assert.equal(kc.getCurrentContext(), 'sim-test');
    assert.equal(kc.getCurrentCluster()?.server, sim.url);
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(kc.getCurrentUser()?.token, 'causa-sim-token');
  });

  it('lists and gets pods, nodes and deployments', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'shop' });
    assert.deepEqual(
      pods.items.map((p) => p.metadata?.name),
      ['web-7d9f8b-abcde', 'web-7d9f8b-fghij'],
    );
    assert.ok(pods.metadata?.resourceVersion);
    const pod = await core.readNamespacedPod({ name: 'web-7d9f8b-fghij', namespace: 'shop' });
    assert.equal(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.reason, 'OOMKilled');
    assert.equal(pod.spec?.nodeName, NODE);
    // Owner uids were filled in so owner chains resolve by uid.
    const rs = await apps.readNamespacedReplicaSet({ name: 'web-7d9f8b', namespace: 'shop' });
    assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
    const nodes = await core.listNode();
    assert.deepEqual(
      nodes.items.map((n) => n.metadata?.name),
      [NODE],
    );
    const deploy = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    assert.equal(deploy.spec?.replicas, 2);
    const all = await core.listPodForAllNamespaces();
    assert.equal(all.items.length, 2);
  });

  it('derives namespaces from the objects', async () => {
    const ns = await core.listNamespace();
    const names = ns.items.map((n) => n.metadata?.name);
    for (const want of ['default', 'kube-system', 'shop']) assert.ok(names.includes(want), want);
    assert.equal(ns.items.find((n) => n.metadata?.name === 'shop')?.status?.phase, 'Active');
  });

  it('answers 404 Status for missing objects', async () => {
    const err = await rejection(apps.readNamespacedDeployment({ name: 'nope', namespace: 'shop' }));
    assert.equal(err.code, 404);
    const status = statusOf(err);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'NotFound');
    assert.equal(status.message, 'deployments.apps "nope" not found');
  });

  it('filters with label selectors', async () => {
    const backend = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web,tier in (backend)' });
    assert.deepEqual(
      backend.items.map((p) => p.metadata?.name),
      ['web-7d9f8b-fghij'],
    );
    const notBackend = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'tier!=backend' });
    assert.deepEqual(
      notBackend.items.map((p) => p.metadata?.name),
      ['web-7d9f8b-abcde'],
    );
    const none = await core.listNamespacedPod({ namespace: 'shop', labelSelector: '!app' });
    assert.equal(none.items.length, 0);
    const rs = await apps.listNamespacedReplicaSet({
      namespace: 'shop',
      labelSelector: 'pod-template-hash notin (5c6d7e)',
    });
    assert.deepEqual(
      rs.items.map((r) => r.metadata?.name),
      ['web-7d9f8b'],
    );
  });

  it('filters with field selectors, including node events across namespaces', async () => {
    const nodeEvents = await core.listEventForAllNamespaces({
      fieldSelector: `involvedObject.kind=Node,involvedObject.name=${NODE}`,
    });
    assert.equal(nodeEvents.items.length, 1);
    assert.equal(nodeEvents.items[0]?.metadata?.namespace, 'default');
    assert.equal(nodeEvents.items[0]?.reason, 'NodeHasSufficientMemory');
    // Node events have no involvedObject.namespace: an empty value matches them.
    const emptyNs = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.namespace=',
    });
    assert.equal(emptyNs.items.length, 1);
    const podEvents = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: 'involvedObject.name=web-7d9f8b-fghij,type!=Normal',
    });
    assert.deepEqual(
      podEvents.items.map((e) => e.reason),
      ['BackOff'],
    );
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${NODE},status.phase=Running` });
    assert.equal(onNode.items.length, 2);
    const err = await rejection(core.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.foo=bar' }));
    assert.equal(err.code, 400);
    assert.equal(statusOf(err).message, 'field label not supported: spec.foo');
  });

  it('keeps scheduler eventTime as a microsecond string', async () => {
    const list = await core.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'reason=Scheduled' });
    const ev = list.items[0];
    assert.ok(ev);
    assert.equal(ev.firstTimestamp, null);
    assert.match(String(ev.eventTime), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.equal(ev.reportingComponent, 'default-scheduler');
  });

  it('paginates with limit and continue', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listEventForAllNamespaces({ limit: 2, ...(token ? { _continue: token } : {}) });
      pages++;
      for (const e of page.items) seen.push(`${e.metadata?.namespace}/${e.metadata?.name}`);
      token = page.metadata?._continue || undefined;
      if (token && pages === 1) assert.equal(page.metadata?.remainingItemCount, 2);
    } while (token);
    assert.equal(pages, 2);
    assert.equal(seen.length, 4);
    assert.deepEqual(seen, [...seen].sort());
    const first = await core.listEventForAllNamespaces({ limit: 1 });
    const tok = first.metadata?._continue;
    assert.ok(tok);
    // Same token with different selectors: 410 Expired.
    const expired = await rejection(
      core.listEventForAllNamespaces({ limit: 1, _continue: tok, fieldSelector: 'type=Warning' }),
    );
    assert.equal(expired.code, 410);
    assert.equal(statusOf(expired).reason, 'Expired');
    const bad = await rejection(core.listEventForAllNamespaces({ limit: 1, _continue: '!!garbage!!' }));
    assert.equal(bad.code, 400);
  });

  it('serves events.k8s.io/v1 converted from core events', async () => {
    const list = await events.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: 'regarding.name=web-7d9f8b-fghij',
    });
    assert.equal(list.items.length, 2);
    const backoff = list.items.find((e) => e.reason === 'BackOff');
    assert.ok(backoff);
    assert.equal(backoff.regarding?.kind, 'Pod');
    assert.match(backoff.note ?? '', /^Back-off restarting failed container/);
    assert.equal(backoff.deprecatedCount, 12);
    assert.ok(backoff.deprecatedLastTimestamp instanceof Date);
    const sched = list.items.find((e) => e.reason === 'Scheduled');
    assert.equal(sched?.reportingController, 'default-scheduler');
    assert.match(String(sched?.eventTime), /\.\d{6}Z$/);
    const err = await rejection(
      events.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'involvedObject.name=x' }),
    );
    assert.equal(err.code, 400);
    assert.equal(statusOf(err).message, 'field label not supported: involvedObject.name');
  });

  it('shifts scenario times to the real clock', async () => {
    const list = await core.listNamespacedEvent({ namespace: 'shop', fieldSelector: 'reason=BackOff' });
    const last = list.items[0]?.lastTimestamp;
    assert.ok(last instanceof Date);
    const expected = Date.now() - 5 * 60_000;
    assert.ok(Math.abs(last.getTime() - expected) <= 2000, `lastTimestamp ${last.toISOString()} not ~5 min ago`);
  });

  it('reads logs: current, previous, tailLines, container required', async () => {
    const current = await core.readNamespacedPodLog({ name: 'web-7d9f8b-fghij', namespace: 'shop', container: 'app' });
    assert.equal(typeof current, 'string');
    assert.match(current, /loading cache\n$/);
    const prev = await core.readNamespacedPodLog({
      name: 'web-7d9f8b-fghij',
      namespace: 'shop',
      container: 'app',
      previous: true,
      tailLines: 2,
    });
    assert.equal(prev.split('\n').filter(Boolean).length, 2);
    assert.match(prev, /OutOfMemoryError/);
    assert.match(prev, /Cache\.java:42/);
    const noPrev = await rejection(
      core.readNamespacedPodLog({ name: 'web-7d9f8b-abcde', namespace: 'shop', container: 'app', previous: true }),
    );
    assert.equal(noPrev.code, 400);
    assert.equal(statusOf(noPrev).message, 'previous terminated container "app" in pod "web-7d9f8b-abcde" not found');
    const noContainer = await rejection(core.readNamespacedPodLog({ name: 'web-7d9f8b-fghij', namespace: 'shop' }));
    assert.equal(noContainer.code, 400);
    assert.equal(
      statusOf(noContainer).message,
      'a container name must be specified for pod web-7d9f8b-fghij, choose one of: [app proxy]',
    );
    const empty = await core.readNamespacedPodLog({ name: 'web-7d9f8b-abcde', namespace: 'shop', container: 'proxy' });
    assert.equal(empty, '');
    const missing = await rejection(core.readNamespacedPodLog({ name: 'ghost', namespace: 'shop', container: 'app' }));
    assert.equal(missing.code, 404);
  });

  it('strips secret values but keeps the keys', async () => {
    const secret = await core.readNamespacedSecret({ name: 'web-secret', namespace: 'shop' });
    assert.deepEqual(secret.data, { password: '', token: '' });
    assert.equal(secret.stringData, undefined);
    assert.equal(secret.type, 'Opaque');
    const list = await core.listNamespacedSecret({ namespace: 'shop' });
    assert.deepEqual(list.items[0]?.data, { password: '', token: '' });
    const dump = JSON.stringify(sim.objects());
    assert.ok(!dump.includes('aHVudGVyMg=='));
    assert.ok(!dump.includes('super-secret-token'));
  });

  it('applies a strategic merge patch (containers merged by name)', async () => {
    const before = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'shop',
        body: {
          spec: {
            template: { spec: { containers: [{ name: 'app', resources: { limits: { memory: '512Mi' } } }] } },
          },
        },
        fieldManager: 'causa',
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => c.name),
      ['app', 'proxy'],
    );
    assert.equal(containers[0]?.resources?.limits?.memory, '512Mi');
    assert.equal(containers[0]?.resources?.requests?.memory, '128Mi');
    assert.equal(containers[0]?.image, 'registry.example.com/web:2.14.1');
    assert.equal(patched.metadata?.generation, (before.metadata?.generation ?? 0) + 1);
    assert.ok(Number(patched.metadata?.resourceVersion) > Number(before.metadata?.resourceVersion));
    assert.ok(patched.metadata?.managedFields?.some((m) => m.manager === 'causa'));
    const again = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    assert.equal(again.spec?.template.spec?.containers[0]?.resources?.limits?.memory, '512Mi');
  });

  it('applies merge and JSON patches; json-patch with an object body is a 400', async () => {
    const merged = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'shop', body: { metadata: { labels: { team: 'payments' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(merged.metadata?.labels?.team, 'payments');
    assert.equal(merged.metadata?.labels?.app, 'web');
    const jp = await apps.patchNamespacedDeployment({
      name: 'web',
      namespace: 'shop',
      body: [
        { op: 'test', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/replicas', value: 3 },
      ],
    });
    assert.equal(jp.spec?.replicas, 3);
    // client-node's default patch content type is json-patch: an object body fails like issue #2160.
    const err = await rejection(
      apps.patchNamespacedDeployment({ name: 'web', namespace: 'shop', body: { spec: { replicas: 1 } } }),
    );
    assert.equal(err.code, 400);
    assert.match(
      statusOf(err).message,
      /json: cannot unmarshal object into Go value of type \[\]handlers\.jsonPatchOp/,
    );
    const failedTest = await rejection(
      apps.patchNamespacedDeployment({
        name: 'web',
        namespace: 'shop',
        body: [{ op: 'test', path: '/spec/replicas', value: 99 }],
      }),
    );
    assert.equal(failedTest.code, 422);
  });

  it('does not persist dryRun patches', async () => {
    const before = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    const dry = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'shop', body: { spec: { replicas: 7 } }, dryRun: 'All' },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.equal(dry.spec?.replicas, 7);
    const after = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    assert.equal(after.spec?.replicas, before.spec?.replicas);
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion);
  });

  it('answers 409 Conflict for a stale resourceVersion', async () => {
    const err = await rejection(
      apps.patchNamespacedDeployment(
        { name: 'web', namespace: 'shop', body: { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(err.code, 409);
    const status = statusOf(err);
    assert.equal(status.reason, 'Conflict');
    assert.equal(
      status.message,
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('answers 401 for a bad token', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig().replace('causa-sim-token', 'wrong-token'));
    const bad = kc.makeApiClient(CoreV1Api);
    const err = await rejection(bad.listNamespacedPod({ namespace: 'shop' }));
    assert.equal(err.code, 401);
  });

  it('answers 403 from a forbidden rule', async () => {
    const err = await rejection(core.listNamespacedConfigMap({ namespace: 'kube-system' }));
    assert.equal(err.code, 403);
    const status = statusOf(err);
    assert.equal(status.reason, 'Forbidden');
    assert.equal(
      status.message,
      'configmaps is forbidden: User "system:serviceaccount:causa:causa" cannot list resource "configmaps" in API group "" in the namespace "kube-system"',
    );
    const cluster = await rejection(core.listConfigMapForAllNamespaces());
    assert.equal(cluster.code, 403);
    assert.match(statusOf(cluster).message, /at the cluster scope$/);
    const allowed = await core.listNamespacedConfigMap({ namespace: 'shop' });
    assert.equal(allowed.items.length, 1);
    const get = await core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' });
    assert.equal(get.metadata?.name, 'coredns');
  });

  it('creates, replaces and patches leases', async () => {
    const now = new Date();
    const created = await coord.createNamespacedLease({
      namespace: 'shop',
      body: {
        metadata: { name: 'causa-leader' },
        spec: {
          holderIdentity: 'a',
          leaseDurationSeconds: 15,
          acquireTime: new V1MicroTime(now.getTime()),
          renewTime: new V1MicroTime(now.getTime()),
        },
      },
    });
    assert.equal(created.spec?.holderIdentity, 'a');
    const dup = await rejection(
      coord.createNamespacedLease({ namespace: 'shop', body: { metadata: { name: 'causa-leader' } } }),
    );
    assert.equal(dup.code, 409);
    assert.equal(statusOf(dup).reason, 'AlreadyExists');
    const replaced = await coord.replaceNamespacedLease({
      name: 'causa-leader',
      namespace: 'shop',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'b', renewTime: new V1MicroTime(Date.now()) } },
    });
    assert.equal(replaced.spec?.holderIdentity, 'b');
    const stale = await rejection(
      coord.replaceNamespacedLease({
        name: 'causa-leader',
        namespace: 'shop',
        body: { ...created, spec: { ...created.spec, holderIdentity: 'c' } },
      }),
    );
    assert.equal(stale.code, 409);
    assert.equal(statusOf(stale).reason, 'Conflict');
    const patched = await coord.patchNamespacedLease(
      { name: 'causa-leader', namespace: 'shop', body: { spec: { holderIdentity: 'd' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(patched.spec?.holderIdentity, 'd');
    const leases = await coord.listNamespacedLease({ namespace: 'shop' });
    assert.deepEqual(
      leases.items.map((l) => l.spec?.holderIdentity),
      ['d'],
    );
    assert.ok(sim.objects().some((o) => o.kind === 'Lease' && o.spec?.holderIdentity === 'd'));
  });

  it('records the requests it served', async () => {
    sim.resetRequests();
    await core.listNamespacedPod({ namespace: 'shop', limit: 5 });
    assert.deepEqual(sim.requests, [{ method: 'GET', path: '/api/v1/namespaces/shop/pods?limit=5', status: 200 }]);
  });
});
