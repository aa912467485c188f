/** Wire-level behaviour (discovery, Status errors, Tables, watch, big lists) checked with plain fetch. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type KubeSimulator, startKubeSimulator } from '../../../src/simulators/kube/index.js';
import { NODE, testScenario } from './fixture.js';

const TOKEN = 'causa-sim-token';
const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface Res {
  status: number;
  type: string | null;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON bodies
  json: any;
}

describe('kube simulator over HTTP', () => {
  let sim: KubeSimulator;

  async function call(
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; accept?: string; token?: string | null } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? TOKEN}`;
    if (opts.accept) headers.accept = opts.accept;
    if (opts.contentType) headers['content-type'] = opts.contentType;
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) init.body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const res = await fetch(`${sim.url}${path}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, type: res.headers.get('content-type'), text, json };
  }

  before(async () => {
    const scenario = testScenario();
    scenario.objects.push({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodeClaim',
      metadata: { name: 'default-abcde', creationTimestamp: '2026-04-26T01:00:00Z' },
      spec: { nodeClassRef: { name: 'default' } },
    });
    sim = await startKubeSimulator({ scenario });
  });
  after(() => sim.close());

  it('serves discovery documents and /version', async () => {
    const api = await call('GET', '/api');
    assert.equal(api.json.kind, 'APIVersions');
    assert.deepEqual(api.json.versions, ['v1']);
    const apis = await call('GET', '/apis');
    const groups = apis.json.groups.map(
      (g: { preferredVersion: { groupVersion: string } }) => g.preferredVersion.groupVersion,
    );
    for (const gv of [
      'apps/v1',
      'batch/v1',
      'autoscaling/v2',
      'policy/v1',
      'storage.k8s.io/v1',
      'discovery.k8s.io/v1',
      'events.k8s.io/v1',
      'networking.k8s.io/v1',
      'coordination.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'karpenter.sh/v1',
    ]) {
      assert.ok(groups.includes(gv), gv);
    }
    const v1 = await call('GET', '/api/v1');
    assert.equal(v1.json.kind, 'APIResourceList');
    const byName = new Map(v1.json.resources.map((r: { name: string }) => [r.name, r]));
    assert.deepEqual((byName.get('pods') as { shortNames: string[] }).shortNames, ['po']);
    assert.ok(byName.has('pods/log'));
    for (const [name, short] of [
      ['events', 'ev'],
      ['nodes', 'no'],
      ['services', 'svc'],
      ['persistentvolumeclaims', 'pvc'],
      ['persistentvolumes', 'pv'],
      ['configmaps', 'cm'],
      ['namespaces', 'ns'],
      ['endpoints', 'ep'],
      ['serviceaccounts', 'sa'],
      ['resourcequotas', 'quota'],
    ]) {
      assert.deepEqual((byName.get(name) as { shortNames: string[] }).shortNames, [short], name);
    }
    const appsList = await call('GET', '/apis/apps/v1');
    assert.equal(appsList.json.groupVersion, 'apps/v1');
    const shorts = appsList.json.resources.flatMap((r: { shortNames?: string[] }) => r.shortNames ?? []);
    for (const s of ['deploy', 'sts', 'ds', 'rs']) assert.ok(shorts.includes(s), s);
    const policy = await call('GET', '/apis/policy/v1');
    assert.equal(policy.json.resources[0].shortNames[0], 'pdb');
    const version = await call('GET', '/version');
    assert.equal(version.json.gitVersion, 'v1.29.4');
    assert.equal(version.json.major, '1');
    assert.equal(version.json.minor, '29');
    assert.equal(version.json.platform, 'linux/amd64');
    const healthz = await call('GET', '/healthz');
    assert.equal(healthz.text, 'ok');
    const readyz = await call('GET', '/readyz', { token: null });
    assert.equal(readyz.status, 200);
  });

  it('answers unknown paths and methods with Status objects', async () => {
    for (const path of ['/nope', '/api/v2', '/apis/apps/v9', '/api/v1/widgets', '/api/v1/namespaces/shop/nodes']) {
      const r = await call('GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(r.type, 'application/json');
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.reason, 'NotFound');
    }
    const opt = await call('OPTIONS', '/api/v1/namespaces/shop/pods');
    assert.equal(opt.status, 405);
    assert.equal(opt.json.reason, 'MethodNotAllowed');
    const post = await call('POST', '/apis/events.k8s.io/v1/namespaces/shop/events', {
      body: {},
      contentType: 'application/json',
    });
    assert.equal(post.status, 405);
  });

  it('requires the bearer token except on public health/version paths', async () => {
    const missing = await call('GET', '/api/v1/pods', { token: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.type, 'application/json');
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const wrong = await call('GET', '/version', { token: 'nope' });
    assert.equal(wrong.status, 401);
    const anonymousVersion = await call('GET', '/version', { token: null });
    assert.equal(anonymousVersion.status, 200);
  });

  it('negotiates Tables for kubectl', async () => {
    const pods = await call('GET', '/api/v1/namespaces/shop/pods?limit=500', { accept: TABLE_ACCEPT });
    assert.equal(pods.json.kind, 'Table');
    assert.deepEqual(
      pods.json.columnDefinitions
        .filter((c: { priority: number }) => c.priority === 0)
        .map((c: { name: string }) => c.name),
      ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    );
    const row = pods.json.rows[1];
    assert.deepEqual(row.cells.slice(0, 3), ['web-7d9f8b-fghij', '1/2', 'CrashLoopBackOff']);
    assert.match(row.cells[3], /^5 \(\d+m\d*s? ago\)$/);
    assert.equal(row.cells[6], NODE);
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    assert.equal(row.object.metadata.namespace, 'shop');
    const full = await call('GET', '/api/v1/namespaces/shop/pods?includeObject=Object', { accept: TABLE_ACCEPT });
    assert.equal(full.json.rows[0].object.kind, 'Pod');
    const events = await call('GET', '/api/v1/events', { accept: TABLE_ACCEPT });
    assert.deepEqual(
      events.json.columnDefinitions
        .filter((c: { priority: number }) => c.priority === 0)
        .map((c: { name: string }) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
    const nodeRow = events.json.rows.find((r: { cells: string[] }) => r.cells[2] === 'NodeHasSufficientMemory');
    assert.equal(nodeRow.cells[3], `node/${NODE}`);
    const sched = events.json.rows.find((r: { cells: string[] }) => r.cells[2] === 'Scheduled');
    assert.match(sched.cells[0], /^3[45]m/);
    const cm = await call('GET', '/api/v1/namespaces/shop/configmaps/web-config', { accept: TABLE_ACCEPT });
    assert.equal(cm.json.rows.length, 1);
    const generic = await call('GET', '/apis/karpenter.sh/v1/nodeclaims', { accept: TABLE_ACCEPT });
    assert.deepEqual(
      generic.json.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Age'],
    );
    const plain = await call('GET', '/api/v1/namespaces/shop/pods', { accept: 'application/json' });
    assert.equal(plain.json.kind, 'PodList');
    assert.equal(plain.json.apiVersion, 'v1');
    assert.equal(plain.json.items[0].kind, undefined, 'built-in list items carry no kind, like the apiserver');
  });

  it('serves custom resources found in the scenario', async () => {
    const list = await call('GET', '/apis/karpenter.sh/v1/nodeclaims');
    assert.equal(list.json.kind, 'NodeClaimList');
    assert.equal(list.json.items[0].kind, 'NodeClaim');
    const smp = await call('PATCH', '/apis/karpenter.sh/v1/nodeclaims/default-abcde', {
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    assert.equal(smp.status, 415);
    assert.equal(smp.json.reason, 'UnsupportedMediaType');
    assert.equal(
      smp.json.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('rejects unknown patch content types and malformed patches', async () => {
    const path = '/apis/apps/v1/namespaces/shop/deployments/web';
    const xml = await call('PATCH', path, { body: '<x/>', contentType: 'application/xml' });
    assert.equal(xml.status, 415);
    assert.match(xml.json.message, /application\/strategic-merge-patch\+json$/);
    const badJson = await call('PATCH', path, { body: '{nope', contentType: 'application/merge-patch+json' });
    assert.equal(badJson.status, 400);
    const neg = await call('PATCH', path, {
      body: { spec: { replicas: -1 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(neg.status, 422);
    assert.equal(neg.json.reason, 'Invalid');
    assert.match(neg.json.message, /^Deployment\.apps "web" is invalid: spec\.replicas: Invalid value: -1/);
    const nf = await call('PATCH', '/apis/apps/v1/namespaces/shop/deployments/ghost', {
      body: {},
      contentType: 'application/merge-patch+json',
    });
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json.details, { name: 'ghost', group: 'apps', kind: 'deployments' });
    const ssaNoManager = await call('PATCH', path, {
      body: 'spec: {replicas: 2}',
      contentType: 'application/apply-patch+yaml',
    });
    assert.equal(ssaNoManager.status, 422);
  });

  it('serves the scale subresource and keeps status out of main-resource patches', async () => {
    const scale = await call('GET', '/apis/apps/v1/namespaces/shop/deployments/web/scale');
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(scale.json.spec.replicas, 2);
    assert.equal(scale.json.status.selector, 'app=web');
    const scaled = await call('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web/scale', {
      body: { spec: { replicas: 4 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(scaled.json.spec.replicas, 4);
    const status = await call('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web', {
      body: { status: { readyReplicas: 99 } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(status.json.status.readyReplicas, 1);
    assert.equal(status.json.spec.replicas, 4);
  });

  it('reads logs with timestamps, sinceSeconds and limitBytes', async () => {
    const base = '/api/v1/namespaces/shop/pods/web-7d9f8b-fghij/log?container=app';
    const ts = await call('GET', `${base}&timestamps=true`);
    assert.equal(ts.type, 'text/plain');
    assert.match(ts.text.split('\n')[0] ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z \d{4}-/);
    // Current log lines are 10 s and 5 s before now: sinceSeconds=7 keeps only the last one.
    const recent = await call('GET', `${base}&sinceSeconds=7`);
    assert.equal(recent.text.trim().split('\n').length, 1);
    assert.match(recent.text, /loading cache/);
    const limited = await call('GET', `${base}&limitBytes=10`);
    assert.equal(Buffer.byteLength(limited.text), 10);
    const badContainer = await call('GET', '/api/v1/namespaces/shop/pods/web-7d9f8b-fghij/log?container=nope');
    assert.equal(badContainer.status, 400);
    assert.equal(badContainer.json.message, 'container nope is not valid for pod web-7d9f8b-fghij');
  });

  it('creates objects only in existing namespaces and honours dryRun', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' }, data: { a: '1' } };
    const dry = await call('POST', '/api/v1/namespaces/shop/configmaps?dryRun=All', {
      body,
      contentType: 'application/json',
    });
    assert.equal(dry.status, 201);
    const gone = await call('GET', '/api/v1/namespaces/shop/configmaps/dry');
    assert.equal(gone.status, 404);
    const noNs = await call('POST', '/api/v1/namespaces/nowhere/configmaps', { body, contentType: 'application/json' });
    assert.equal(noNs.status, 404);
    assert.equal(noNs.json.message, 'namespaces "nowhere" not found');
    const mismatch = await call('PUT', '/api/v1/namespaces/shop/configmaps/web-config', {
      body: { ...body, metadata: { name: 'other' } },
      contentType: 'application/json',
    });
    assert.equal(mismatch.status, 400);
  });

  it('rejects a Lease renewTime without 6 fractional digits', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'strict' },
      spec: { holderIdentity: 'x', renewTime: '2026-04-26T02:00:00.123Z' },
    };
    const r = await call('POST', '/apis/coordination.k8s.io/v1/namespaces/shop/leases', {
      body: lease,
      contentType: 'application/json',
    });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /as "2006-01-02T15:04:05\.000000Z07:00"/);
  });

  it('streams watch events for changes', async () => {
    const list = await call('GET', '/api/v1/namespaces/shop/configmaps');
    const rv = list.json.metadata.resourceVersion;
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion=${rv}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await call('PATCH', '/api/v1/namespaces/shop/configmaps/web-config', {
      body: { data: { extra: 'yes' } },
      contentType: 'application/merge-patch+json',
    });
    let buf = '';
    while (!buf.includes('\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += new TextDecoder().decode(value);
    }
    controller.abort();
    const event = JSON.parse(buf.split('\n')[0] ?? '{}');
    assert.equal(event.type, 'MODIFIED');
    assert.equal(event.object.data.extra, 'yes');
    assert.equal(event.object.kind, 'ConfigMap');
  });

  it('adds latency and records every request', async () => {
    const slow = await startKubeSimulator({ scenario: testScenario(), latencyMs: 150 });
    try {
      const t0 = Date.now();
      const res = await fetch(`${slow.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      assert.ok(Date.now() - t0 >= 140);
      assert.deepEqual(slow.requests, [{ method: 'GET', path: '/api/v1/nodes', status: 200 }]);
      slow.resetRequests();
      assert.equal(slow.requests.length, 0);
    } finally {
      await slow.close();
    }
  });
});

describe('kube simulator with 50 000 events', () => {
  it('pages through a large list', async () => {
    const scenario = testScenario();
    for (let i = 0; i < 50_000; i++) {
      scenario.objects.push({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `noise-${String(i).padStart(5, '0')}.17e2a5c0`, namespace: 'load' },
        involvedObject: { kind: 'Pod', name: `noise-${i % 100}`, namespace: 'load' },
        reason: i % 2 ? 'Pulled' : 'Created',
        type: 'Normal',
        message: 'Container image "busybox" already present on machine',
        firstTimestamp: '2026-04-26T02:00:00Z',
        lastTimestamp: '2026-04-26T02:00:00Z',
        count: 1,
      });
    }
    const sim = await startKubeSimulator({ scenario });
    try {
      const headers = { authorization: `Bearer ${TOKEN}` };
      let token = '';
      let total = 0;
      let pages = 0;
      do {
        const res = await fetch(
          `${sim.url}/api/v1/namespaces/load/events?limit=5000&fieldSelector=reason%3DPulled${token ? `&continue=${token}` : ''}`,
          { headers },
        );
        const body = (await res.json()) as { items: unknown[]; metadata: { continue?: string } };
        total += body.items.length;
        pages++;
        token = body.metadata.continue ?? '';
      } while (token);
      assert.equal(total, 25_000);
      assert.equal(pages, 5);
      const all = await fetch(`${sim.url}/api/v1/events`, { headers });
      const body = (await all.json()) as { items: unknown[] };
      assert.equal(body.items.length, 50_004);
    } finally {
      await sim.close();
    }
  });
});
