import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/domain/k8s.js';
import { applyLocally } from '../../../src/fixes/plan-fix.js';
import { parseMustSpecify, quotaExceeded } from '../../../src/rules/infra/quota-exceeded.js';
import { container, deployment, ev, facts, match, quota, revision, ruledOut, run, T, template } from './fixtures.js';

const RS = 'api-7c9d8f6b5d';
const EXCEEDED =
  'Error creating: pods "api-7c9d8f6b5d-" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=1800m, limited: requests.cpu=2';
const failedCreate = (message: string) =>
  ev({ kind: 'ReplicaSet', object: RS, reason: 'FailedCreate', source: 'replicaset-controller', count: 14, message });

describe('quota-exceeded', () => {
  test('FM-21 exhausted quota on a rollout: event + quota status + missing replicas; rollout is the trigger', () => {
    const f = facts(
      {
        events: [failedCreate(EXCEEDED)],
        quotas: [quota('compute-quota', { 'requests.cpu': '2' }, { 'requests.cpu': '1800m' })],
        revisions: [
          revision(6, 'api-5b7c8d9f6d', template()),
          revision(7, RS, template(), { current: true, createdAt: T('10:00:00'), readyReplicas: 0, replicas: 0 }),
        ],
      },
      deployment({ replicas: 4, status: { replicas: 3, readyReplicas: 3 } }),
    );
    const m = match(quotaExceeded, f);
    assert.equal(m.signals.length, 3);
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      [`shop/ReplicaSet/${RS}`, 'shop/ResourceQuota/compute-quota', 'shop/Deployment/api'],
    );
    assert.match(m.signals[1]?.text ?? '', /requests.cpu used 1800m of hard 2/);
    assert.match(
      m.summary,
      /ResourceQuota compute-quota is exhausted \(requests.cpu: requested 500m, used 1800m, hard 2\)/,
    );
    assert.match(m.trigger ?? '', /rollout to revision 7/);
    assert.ok(m.explains.includes('bad-rollout'));
    assert.equal(m.fix, null);
  });

  test('surge pod never created while the old pods serve: the stuck rollout is the third signal', () => {
    const f = facts(
      {
        events: [failedCreate(EXCEEDED)],
        quotas: [quota('compute-quota', { 'requests.cpu': '2' }, { 'requests.cpu': '1800m' })],
        revisions: [
          revision(6, 'api-5b7c8d9f6d', template()),
          revision(7, RS, template(), { current: true, createdAt: T('10:00:00'), readyReplicas: 0, replicas: 0 }),
        ],
      },
      deployment({
        replicas: 4,
        status: {
          replicas: 4,
          updatedReplicas: 0,
          readyReplicas: 4,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      }),
    );
    const m = match(quotaExceeded, f);
    assert.equal(m.signals.length, 3);
    assert.match(
      m.signals[2]?.text ?? '',
      /rollout to revision 7 is stuck: ReplicaSet api-7c9d8f6b5d has 0 pods .*ProgressDeadlineExceeded/,
    );
  });

  test('FM-21 quota requires limits: patch adds the missing limit derived from the request', () => {
    const f = facts(
      {
        events: [
          failedCreate(
            'Error creating: pods "api-7c9d8f6b5d-" is forbidden: failed quota: compute-quota: must specify limits.cpu',
          ),
        ],
        quotas: [
          quota(
            'compute-quota',
            { 'limits.cpu': '4', 'limits.memory': '8Gi' },
            { 'limits.cpu': '0', 'limits.memory': '0' },
          ),
        ],
      },
      deployment({ status: { replicas: 0 } }),
    );
    const m = match(quotaExceeded, f);
    assert.equal(m.signals.length, 4);
    assert.equal(m.fix?.patchType, 'strategic');
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { containers: [{ name: 'api', resources: { limits: { cpu: '500m' } } }] } } },
    });
  });

  test('quota requires limits: init containers get them too', () => {
    const tmpl = template({
      initContainers: [
        { name: 'migrate', image: 'registry.example.com/shop/migrate:3', resources: { requests: { cpu: '100m' } } },
      ],
      containers: [container({ resources: { requests: { cpu: '250m' }, limits: { cpu: '1' } } })],
    });
    const f = facts(
      {
        events: [
          failedCreate(
            'Error creating: pods "api-7c9d8f6b5d-" is forbidden: failed quota: compute-quota: must specify limits.cpu',
          ),
        ],
      },
      deployment({ template: tmpl, status: { replicas: 0 } }),
    );
    assert.deepEqual(match(quotaExceeded, f).fix?.patch, {
      spec: { template: { spec: { initContainers: [{ name: 'migrate', resources: { limits: { cpu: '200m' } } }] } } },
    });
  });

  test('red herring: FailedCreate followed by SuccessfulCreate, all replicas present', () => {
    const f = facts({
      events: [
        failedCreate(EXCEEDED),
        ev({
          kind: 'ReplicaSet',
          object: RS,
          reason: 'SuccessfulCreate',
          type: 'Normal',
          last: T('10:12:00'),
          message: 'Created pod: api-7c9d8f6b5d-x2k4q',
        }),
      ],
    });
    assert.match(ruledOut(quotaExceeded, f), /followed by SuccessfulCreate at 10:12:00Z/);
  });

  test('red herring: a FailedCreate for another reason is not a quota problem', () => {
    const f = facts({
      events: [
        failedCreate(
          'Error creating: pods "api-7c9d8f6b5d-" is forbidden: error looking up service account shop/api: serviceaccount "api" not found',
        ),
      ],
    });
    assert.match(ruledOut(quotaExceeded, f), /not a quota\/LimitRange rejection: error looking up service account/);
    assert.equal(run(quotaExceeded, facts()), null);
  });

  describe('must specify: every clause, every container', () => {
    const MUST = (body: string) =>
      `Error creating: pods "api-7c9d8f6b5d-" is forbidden: failed quota: compute-quota: must specify ${body}`;
    const LIMITS = { 'limits.cpu': '16', 'limits.memory': '32Gi' };
    const requestsOnly = (name: string, cpu: string, memory?: string) =>
      container({
        name,
        image: `registry.example.com/shop/${name}:1`,
        resources: { requests: { cpu, ...(memory ? { memory } : {}) } },
      });
    const quotaFacts = (body: string, containers = [requestsOnly('api', '250m', '512Mi')], replicas = 3) =>
      facts(
        {
          events: [failedCreate(MUST(body))],
          quotas: [quota('compute-quota', LIMITS, { 'limits.cpu': '4', 'limits.memory': '8Gi' })],
        },
        deployment({ replicas, template: template({ containers }), status: { replicas: 1, readyReplicas: 1 } }),
      );
    /** The containers of the workload after the patch, as the API server would store them. */
    const patched = (f: ReturnType<typeof facts>) => {
      const fix = match(quotaExceeded, f).fix;
      assert.ok(fix, 'expected a fix');
      const after = applyLocally(fix, f.target.workload as KubeObject);
      return after.spec?.template?.spec?.containers as { name: string; resources?: Record<string, unknown> }[];
    };

    test('parses the older comma form and the newer per-container form, bare names meaning requests', () => {
      const old = parseMustSpecify(MUST('limits.cpu,limits.memory'));
      assert.deepEqual(old?.keys, ['limits.cpu', 'limits.memory']);
      assert.equal(old?.containers.get('limits.memory'), null);
      const newer = parseMustSpecify(MUST('limits.cpu for: api,sidecar; limits.memory for: api'));
      assert.equal(newer?.quota, 'compute-quota');
      assert.deepEqual(newer?.keys, ['limits.cpu', 'limits.memory']);
      assert.deepEqual(newer?.containers.get('limits.cpu'), ['api', 'sidecar']);
      assert.deepEqual(newer?.containers.get('limits.memory'), ['api']);
      assert.deepEqual(parseMustSpecify(MUST('cpu,memory'))?.keys, ['requests.cpu', 'requests.memory']);
      const sts = parseMustSpecify(
        'create Pod web-3 in StatefulSet web failed error: pods "web-3" is forbidden: failed quota: q1: must specify memory for: web; requests.cpu for: init-db,web',
      );
      assert.deepEqual(sts?.keys, ['requests.memory', 'requests.cpu']);
      assert.deepEqual(sts?.containers.get('requests.cpu'), ['init-db', 'web']);
      assert.equal(parseMustSpecify('exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'), null);
    });

    test('newer format with two clauses: summary and patch cover limits.cpu AND limits.memory (2x the requests)', () => {
      const f = quotaFacts('limits.cpu for: api; limits.memory for: api');
      const m = match(quotaExceeded, f);
      assert.match(m.summary, /requires limits.cpu and limits.memory on every container/);
      assert.match(m.summary, /container api does not set limits.cpu or limits.memory/);
      assert.deepEqual(m.fix?.patch, {
        spec: {
          template: {
            spec: { containers: [{ name: 'api', resources: { limits: { cpu: '500m', memory: '1Gi' } } }] },
          },
        },
      });
      assert.match(m.fix?.summary ?? '', /limits.cpu=500m limits.memory=1Gi/);
      assert.match(m.advice, /set resources deployment\/api -c api --limits=cpu=500m,memory=1Gi/);
      // The patched template satisfies the quota: every container sets both limits, requests kept.
      assert.deepEqual(patched(f)[0]?.resources, {
        requests: { cpu: '250m', memory: '512Mi' },
        limits: { cpu: '500m', memory: '1Gi' },
      });
    });

    test('several containers: each gets exactly the resources the message names for it', () => {
      const sidecar = container({
        name: 'proxy',
        image: 'registry.example.com/shop/proxy:1',
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      });
      const f = quotaFacts('limits.cpu for: api,proxy; limits.memory for: api', [
        requestsOnly('api', '1', '2Gi'),
        sidecar,
      ]);
      const m = match(quotaExceeded, f);
      assert.match(
        m.summary,
        /container api does not set limits.cpu or limits.memory; container proxy does not set limits.cpu/,
      );
      const after = patched(f);
      assert.deepEqual(after.find((c) => c.name === 'api')?.resources, {
        requests: { cpu: '1', memory: '2Gi' },
        limits: { cpu: '2', memory: '4Gi' },
      });
      assert.deepEqual(after.find((c) => c.name === 'proxy')?.resources, {
        requests: { cpu: '50m', memory: '64Mi' },
        limits: { memory: '128Mi', cpu: '100m' },
      });
    });

    test('older comma form: every container that lacks a listed resource gets it', () => {
      const f = quotaFacts('limits.cpu,limits.memory', [
        requestsOnly('api', '250m', '512Mi'),
        requestsOnly('worker', '500m', '1Gi'),
      ]);
      const m = match(quotaExceeded, f);
      assert.match(m.summary, /containers api and worker do not set limits.cpu or limits.memory/);
      assert.deepEqual(
        (m.fix?.patch as { spec?: { template?: { spec?: { containers?: unknown[] } } } } | undefined)?.spec?.template
          ?.spec?.containers,
        [
          { name: 'api', resources: { limits: { cpu: '500m', memory: '1Gi' } } },
          { name: 'worker', resources: { limits: { cpu: '1', memory: '2Gi' } } },
        ],
      );
    });

    test('no memory request to size the memory limit from: no patch (no invented value), advice says what is missing', () => {
      const f = quotaFacts('limits.cpu for: api; limits.memory for: api', [requestsOnly('api', '250m')]);
      const m = match(quotaExceeded, f);
      assert.equal(m.fix, null);
      assert.match(m.summary, /requires limits.cpu and limits.memory/);
      assert.match(m.advice, /No automatic patch: container api sets no requests.memory to derive limits.memory from/);
      assert.match(m.advice, /--limits=cpu=500m,memory=<memory>/);
    });

    test('requests required and nothing set at all: no patch', () => {
      const bare = container({ name: 'api', image: 'registry.example.com/shop/api:1', resources: {} });
      const m = match(quotaExceeded, quotaFacts('requests.cpu for: api', [bare]));
      assert.equal(m.fix, null);
      assert.match(m.advice, /container api sets no limits.cpu to derive requests.cpu from/);
    });

    test('a named container missing from the template (injected at admission): no patch', () => {
      const m = match(quotaExceeded, quotaFacts('limits.cpu for: api,istio-proxy; limits.memory for: api,istio-proxy'));
      assert.equal(m.fix, null);
      assert.match(m.advice, /container istio-proxy is not in the pod template/);
    });

    test('the quota has no room for the patched replicas: no patch, advice says to raise it', () => {
      const f = quotaFacts('limits.cpu for: api; limits.memory for: api', [requestsOnly('api', '2', '512Mi')], 4);
      f.quotas = [quota('compute-quota', LIMITS, { 'limits.cpu': '10', 'limits.memory': '8Gi' })];
      const m = match(quotaExceeded, f);
      assert.equal(m.fix, null);
      assert.match(
        m.advice,
        /ResourceQuota compute-quota has 6 of limits.cpu left .* 4 pods at 4 each would exceed it/,
      );
    });
  });
});
