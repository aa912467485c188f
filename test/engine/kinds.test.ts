import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeMatches, parseKind, parseTargetRef } from '../../src/engine/kinds.js';

test('kubectl kind spellings', () => {
  for (const k of ['deploy', 'deployment', 'deployments', 'Deployment']) assert.equal(parseKind(k), 'Deployment');
  assert.equal(parseKind('sts'), 'StatefulSet');
  assert.equal(parseKind('ds'), 'DaemonSet');
  assert.equal(parseKind('po'), 'Pod');
  assert.equal(parseKind('svc'), 'Service');
  assert.equal(parseKind('no'), 'Node');
  assert.equal(parseKind('widget'), null);
});

test('target refs', () => {
  assert.deepEqual(parseTargetRef('deploy/payments-service'), { kind: 'Deployment', name: 'payments-service' });
  assert.deepEqual(parseTargetRef('node/ip-10-0-1-5.ec2.internal'), { kind: 'Node', name: 'ip-10-0-1-5.ec2.internal' });
  assert.equal(parseTargetRef('payments-service'), null);
  assert.equal(parseTargetRef('deploy/Payments'), null);
  assert.equal(parseTargetRef('widget/x'), null);
});

test('close matches rank typos first', () => {
  assert.deepEqual(closeMatches('payment-service', ['payments-service', 'checkout', 'payments-worker']).slice(0, 1), [
    'payments-service',
  ]);
  assert.deepEqual(closeMatches('zzz', ['payments-service']), []);
});
