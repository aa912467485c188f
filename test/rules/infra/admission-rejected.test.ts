import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admissionRejected } from '../../../src/rules/infra/admission-rejected.js';
import { deployment, ev, facts, job, match, ruledOut, run, T } from './fixtures.js';

const SA =
  'Error creating: pods "get-data-" is forbidden: error looking up service account default/get-data-service-account: serviceaccount "get-data-service-account" not found';

describe('admission-rejected', () => {
  test('FM-35: Job cannot create pods, ServiceAccount missing (HolmesGPT fixture text)', () => {
    const f = facts(
      {
        events: [
          ev({
            kind: 'Job',
            object: 'get-data',
            reason: 'FailedCreate',
            source: 'job-controller',
            count: 6,
            message: SA,
          }),
        ],
        references: [{ kind: 'ServiceAccount', name: 'get-data-service-account', exists: false, keys: [] }],
      },
      job({ name: 'get-data' }),
    );
    const m = match(admissionRejected, f);
    assert.equal(m.signals.length, 3);
    assert.match(m.summary, /ServiceAccount get-data-service-account does not exist/);
    assert.match(m.advice, /kubectl -n shop create serviceaccount get-data-service-account/);
    assert.ok(m.explains.includes('job-failed'));
  });

  test('PodSecurity violation', () => {
    const f = facts(
      {
        events: [
          ev({
            kind: 'ReplicaSet',
            object: 'api-7c9d8f6b5d',
            reason: 'FailedCreate',
            message:
              'Error creating: pods "api-7c9d8f6b5d-" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "api" must set securityContext.allowPrivilegeEscalation=false)',
          }),
        ],
      },
      deployment({ status: { replicas: 0 } }),
    );
    const m = match(admissionRejected, f);
    assert.match(m.summary, /violate PodSecurity "restricted:latest"/);
    assert.equal(m.signals.length, 2);
  });

  test('quota and certificate FailedCreate belong to other rules; resolved FailedCreate is ruled out', () => {
    const quotaMsg =
      'Error creating: pods "api-7c9d8f6b5d-" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=1800m, limited: requests.cpu=2';
    assert.match(
      ruledOut(
        admissionRejected,
        facts({
          events: [ev({ kind: 'ReplicaSet', object: 'api-7c9d8f6b5d', reason: 'FailedCreate', message: quotaMsg })],
        }),
      ),
      /ResourceQuota\/LimitRange rejection, not an admission policy/,
    );
    assert.equal(run(admissionRejected, facts()), null);
    const f = facts({
      events: [
        ev({
          kind: 'ReplicaSet',
          object: 'api-7c9d8f6b5d',
          reason: 'FailedCreate',
          message: SA.replaceAll('get-data', 'api'),
        }),
        ev({
          kind: 'ReplicaSet',
          object: 'api-7c9d8f6b5d',
          reason: 'SuccessfulCreate',
          type: 'Normal',
          last: T('10:15:00'),
          message: 'Created pod: api-7c9d8f6b5d-x2k4q',
        }),
      ],
    });
    assert.match(ruledOut(admissionRejected, f), /followed by SuccessfulCreate at 10:15:00Z/);
  });
});
