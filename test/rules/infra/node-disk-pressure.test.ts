import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeDiskPressure } from '../../../src/rules/infra/node-disk-pressure.js';
import { nodeMemoryPressure } from '../../../src/rules/infra/node-memory-pressure.js';
import { container, deployment, ev, facts, match, node, pod, ruledOut, run, T, template } from './fixtures.js';

const MSG =
  'The node was low on resource: ephemeral-storage. Threshold quantity: 15796315985, available: 15273408Ki. Container writer was using 30Gi, request is 0, has larger consumption of ephemeral-storage. ';
const P = 'api-7c9d8f6b5d-x2k4q';
const tmpl = template({
  containers: [container({ name: 'writer', volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }] })],
  volumes: [{ name: 'scratch', emptyDir: {} }],
});
const evicted = pod(P, {
  node: 'node-a',
  phase: 'Failed',
  status: {
    reason: 'Evicted',
    message: MSG,
    conditions: [
      { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', lastTransitionTime: T('10:04:00') },
    ],
  },
});

describe('node-disk-pressure', () => {
  test('FM-18: eviction (event + pod status = one), DiskPressure, EvictionThresholdMet, image GC, spec; emptyDir cap', () => {
    const n = node('node-a', {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', lastTransitionTime: T('10:02:00') },
      ],
    });
    const f = facts(
      {
        pods: [evicted],
        nodes: [n],
        events: [
          ev({ reason: 'Evicted', object: P, host: 'node-a', message: MSG, last: T('10:04:00') }),
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'NodeHasDiskPressure',
            type: 'Normal',
            message: 'Node node-a status is now: NodeHasDiskPressure',
          }),
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'EvictionThresholdMet',
            message: 'Attempting to reclaim ephemeral-storage',
            count: 4,
          }),
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'ImageGCFailed',
            message:
              'failed to garbage collect required amount of images. Attempted to free 4294967296 bytes, but only found 0 bytes eligible to free.',
          }),
        ],
      },
      deployment({ template: tmpl }),
    );
    const m = match(nodeDiskPressure, f);
    assert.equal(m.signals.length, 5);
    assert.equal(m.signals.filter((s) => /evicted/.test(s.text)).length, 1);
    assert.match(m.summary, /ran low on disk .*Container writer was using 30Gi \(request 0\)/);
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '17Gi' } }] } } },
    });
    assert.equal(run(nodeMemoryPressure, f), null);
  });

  test('red herring: an Evicted pod object from days ago', () => {
    const old = pod(P, {
      phase: 'Failed',
      status: {
        reason: 'Evicted',
        message: MSG,
        conditions: [{ type: 'DisruptionTarget', status: 'True', lastTransitionTime: '2026-02-27T03:00:00Z' }],
      },
    });
    assert.match(
      ruledOut(nodeDiskPressure, facts({ pods: [old, pod('api-7c9d8f6b5d-b7w9k')] })),
      /before the evidence window/,
    );
  });
});
