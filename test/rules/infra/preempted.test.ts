import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { preempted } from '../../../src/rules/infra/preempted.js';
import { ev, facts, match, pod, run, schedulerEv } from './fixtures.js';

describe('preempted', () => {
  test('FM-33: preempted by a batch pod, replacement Pending', () => {
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-n3w8r', { node: null })],
      deletedPods: [{ name: 'api-7c9d8f6b5d-x2k4q', namespace: 'shop', node: 'ip-10-0-1-33', lastSeen: null }],
      events: [
        ev({
          reason: 'Preempted',
          type: 'Normal',
          source: 'default-scheduler',
          first: null,
          message: 'Preempted by shop/batch-ingest-7f9c on node ip-10-0-1-33',
        }),
        schedulerEv(
          'api-7c9d8f6b5d-n3w8r',
          '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
        ),
      ],
    });
    const m = match(preempted, f);
    assert.equal(m.signals.length, 3);
    assert.match(m.summary, /1 target pod preempted by the scheduler for shop\/batch-ingest-7f9c on ip-10-0-1-33/);
    assert.match(m.summary, /1 replacement still Pending/);
    assert.deepEqual(m.explains, ['insufficient-resources']);
    assert.match(m.trigger ?? '', /batch-ingest-7f9c/);
  });

  test('an eviction is not a preemption', () => {
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-x2k4q')],
      events: [ev({ reason: 'Evicted', type: 'Normal', source: 'karpenter', message: 'Evicted pod: Underutilized' })],
    });
    assert.equal(run(preempted, f), null);
  });
});
