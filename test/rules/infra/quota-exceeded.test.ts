import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quotaExceeded } from '../../../src/rules/infra/quota-exceeded.js';
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
});
