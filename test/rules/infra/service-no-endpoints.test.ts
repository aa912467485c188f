import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serviceNoEndpoints } from '../../../src/rules/infra/service-no-endpoints.js';
import { facts, match, pod, ruledOut, run, service } from './fixtures.js';

const pods = [pod('api-7c9d8f6b5d-x2k4q'), pod('api-7c9d8f6b5d-b7w9k')];

describe('service-no-endpoints', () => {
  test('FM-30: selector version=v2, pods carry v1: strategic patch of the one differing label', () => {
    const f = facts({
      pods,
      services: [
        service({
          selector: { app: 'api', version: 'v2' },
          matchesTemplate: false,
          endpoints: { exists: true, ready: 0, notReady: 0 },
        }),
      ],
    });
    const m = match(serviceNoEndpoints, f);
    assert.equal(m.signals.length, 3);
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      ['shop/Endpoints/api', 'shop/Service/api', 'shop/Pod/api-7c9d8f6b5d-x2k4q'],
    );
    assert.deepEqual(m.fix, {
      summary: 'point Service api selector version at v1 (was v2)',
      resource: { apiVersion: 'v1', kind: 'Service', namespace: 'shop', name: 'api' },
      patchType: 'strategic',
      patch: { spec: { selector: { version: 'v1' } } },
    });
  });

  test('named targetPort no container declares', () => {
    const f = facts({
      pods,
      services: [
        service({ ports: [{ port: 80, targetPort: 'web' }], endpoints: { exists: true, ready: 0, notReady: 0 } }),
      ],
    });
    const m = match(serviceNoEndpoints, f);
    assert.deepEqual(m.fix?.patch, { spec: { ports: [{ port: 80, targetPort: 'http' }] } });
    assert.equal(m.signals.length, 3);
  });

  test('red herring: endpoints exist but are not ready (readiness, FM-08)', () => {
    const f = facts({ pods, services: [service({ endpoints: { exists: true, ready: 0, notReady: 2 } })] });
    assert.match(ruledOut(serviceNoEndpoints, f), /does select the pods \(2 not-ready endpoint\(s\)\)/);
  });

  test('healthy Service and unrelated Services: nothing', () => {
    const f = facts({
      pods,
      services: [
        service(),
        service({
          name: 'web',
          selector: { app: 'web' },
          matchesTemplate: false,
          endpoints: { exists: true, ready: 0, notReady: 0 },
        }),
      ],
    });
    assert.equal(run(serviceNoEndpoints, f), null);
  });
});
