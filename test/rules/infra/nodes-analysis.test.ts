/** Node helpers and kubelet eviction-message parsing (failure-modes.md A7, FM-18, FM-19). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isCordoned,
  isNotReady,
  nodeMatchesPod,
  parseEvictionMessage,
  reclaimResource,
  tolerates,
  untoleratedTaints,
} from '../../../src/analysis/nodes.js';
import { node } from './fixtures.js';

describe('parseEvictionMessage', () => {
  test('FM-19 memory pressure, current wording', () => {
    const e = parseEvictionMessage(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 81924Ki. Container cache was using 3145728Ki, request is 256Mi, has larger consumption of memory. ',
    );
    assert.deepEqual(e, {
      kind: 'node-pressure',
      resource: 'memory',
      threshold: '100Mi',
      available: '81924Ki',
      containers: [{ name: 'cache', usage: '3145728Ki', request: '256Mi' }],
      limit: null,
      conditions: [],
    });
  });

  test('FM-18 ephemeral-storage, plain-number threshold', () => {
    const e = parseEvictionMessage(
      'The node was low on resource: ephemeral-storage. Threshold quantity: 15796315985, available: 15273408Ki. Container writer was using 12Gi, request is 0, has larger consumption of ephemeral-storage. ',
    );
    assert.equal(e?.resource, 'ephemeral-storage');
    assert.equal(e?.threshold, '15796315985');
    assert.equal(e?.available, '15273408Ki');
    assert.deepEqual(e?.containers, [{ name: 'writer', usage: '12Gi', request: '0' }]);
  });

  test('older wording: which exceeds its request of', () => {
    const e = parseEvictionMessage(
      'The node was low on resource: memory. Container cache was using 2Gi, which exceeds its request of 256Mi. ',
    );
    assert.deepEqual(e?.containers, [{ name: 'cache', usage: '2Gi', request: '256Mi' }]);
  });

  test('per-pod and per-container limit variants, admission rejections', () => {
    assert.equal(
      parseEvictionMessage('Pod ephemeral local storage usage exceeds the total limit of containers 2Gi. ')?.kind,
      'pod-ephemeral-limit',
    );
    const c = parseEvictionMessage('Container writer exceeded its local ephemeral storage limit "1Gi". ');
    assert.equal(c?.kind, 'container-ephemeral-limit');
    assert.equal(c?.limit, '1Gi');
    assert.equal(
      parseEvictionMessage('Usage of EmptyDir volume "scratch" exceeds the limit "500Mi". ')?.limit,
      '500Mi',
    );
    const adm = parseEvictionMessage('The node had condition: [DiskPressure]. ');
    assert.equal(adm?.kind, 'admission');
    assert.equal(adm?.resource, 'ephemeral-storage');
    assert.equal(parseEvictionMessage('Back-off restarting failed container'), null);
  });

  test('EvictionThresholdMet resource', () => {
    assert.equal(reclaimResource('Attempting to reclaim ephemeral-storage'), 'ephemeral-storage');
    assert.equal(reclaimResource('Attempting to reclaim memory'), 'memory');
  });
});

describe('node helpers', () => {
  test('readiness and cordon', () => {
    assert.equal(isNotReady(node('a', { ready: 'Unknown' })), true);
    assert.equal(isNotReady(node('a')), false);
    assert.equal(isCordoned(node('a', { unschedulable: true })), true);
    assert.equal(isCordoned(node('a', { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] })), true);
  });

  test('tolerations', () => {
    const gpu = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };
    assert.equal(tolerates([], gpu), false);
    assert.equal(tolerates([{ key: 'nvidia.com/gpu', operator: 'Exists' }], gpu), true);
    assert.equal(tolerates([{ key: 'nvidia.com/gpu', value: 'absent' }], gpu), false);
    assert.equal(tolerates([{ operator: 'Exists' }], gpu), true);
    const n = node('g', { taints: [gpu, { key: 'soft', effect: 'PreferNoSchedule' }] });
    assert.deepEqual(untoleratedTaints(n, []), [gpu]);
  });

  test('nodeSelector and required node affinity', () => {
    const n = node('a', { labels: { disktype: 'ssd', 'topology.kubernetes.io/zone': 'us-west-2a' } });
    assert.equal(nodeMatchesPod(n, { disktype: 'ssd' }, undefined), true);
    assert.equal(nodeMatchesPod(n, { disktype: 'nvme' }, undefined), false);
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-west-2b'] }] },
          ],
        },
      },
    };
    assert.equal(nodeMatchesPod(n, undefined, affinity), false);
  });
});
