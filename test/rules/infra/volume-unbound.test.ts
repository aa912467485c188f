import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { volumeUnbound } from '../../../src/rules/infra/volume-unbound.js';
import { deployment, ev, facts, match, node, pod, pvc, ruledOut, run, schedulerEv, template } from './fixtures.js';

const P = 'api-7c9d8f6b5d-x2k4q';
const withClaim = template({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });

describe('volume-unbound', () => {
  test('FM-14: StorageClass missing: PVC Pending + ProvisioningFailed + class lookup + FailedScheduling', () => {
    const f = facts(
      {
        pods: [pod(P, { node: null })],
        pvcs: [pvc('data', { phase: 'Pending', storageClassName: 'standard-v2' })],
        storageClasses: [
          { name: 'standard-v2', exists: false, provisioner: null },
          { name: 'gp3', exists: true, provisioner: 'ebs.csi.aws.com' },
        ],
        events: [
          ev({
            kind: 'PersistentVolumeClaim',
            object: 'data',
            reason: 'ProvisioningFailed',
            source: 'persistentvolume-controller',
            count: 42,
            message: 'storageclass.storage.k8s.io "standard-v2" not found',
          }),
          schedulerEv(
            P,
            '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
          ),
        ],
      },
      deployment({ template: withClaim }),
    );
    const m = match(volumeUnbound, f);
    assert.equal(m.signals.length, 4);
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      [
        'shop/PersistentVolumeClaim/data',
        'shop/PersistentVolumeClaim/data',
        'default/StorageClass/standard-v2',
        `shop/Pod/${P}`,
      ],
    );
    assert.match(m.summary, /StorageClass standard-v2 does not exist/);
    assert.equal(m.fix, null);
    assert.match(m.advice, /existing StorageClass \(gp3\)/);
  });

  test("FM-15: zonal volume, no schedulable node in the volume's zone", () => {
    const zoned = (n: string, z: string) => node(n, { labels: { 'topology.kubernetes.io/zone': z } });
    const f = facts(
      {
        pods: [pod(P, { node: null })],
        pvcs: [pvc('data', { volumeName: 'pvc-1a2b' })],
        pvs: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: 'pvc-1a2b' },
            spec: {
              claimRef: { name: 'data', namespace: 'shop' },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: ['us-west-2a'] },
                      ],
                    },
                  ],
                },
              },
            },
          },
        ],
        nodes: [zoned('b1', 'us-west-2b'), zoned('c1', 'us-west-2c')],
        events: [
          schedulerEv(
            P,
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match PersistentVolume's node affinity. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
          ),
        ],
      },
      deployment({ template: withClaim }),
    );
    const m = match(volumeUnbound, f);
    assert.equal(m.signals.length, 2);
    assert.match(
      m.signals[1]?.text ?? '',
      /pinned to zone us-west-2a; no Ready schedulable node there \(nodes in us-west-2b, us-west-2c\)/,
    );
    assert.match(m.summary, /zone us-west-2a/);
  });

  test('red herring: WaitForFirstConsumer while the pod waits for CPU', () => {
    const f = facts(
      {
        pods: [pod(P, { node: null })],
        pvcs: [pvc('data', { phase: 'Pending' })],
        events: [
          ev({
            kind: 'PersistentVolumeClaim',
            object: 'data',
            reason: 'WaitForFirstConsumer',
            type: 'Normal',
            source: 'persistentvolume-controller',
            message: 'waiting for first consumer to be created before binding',
          }),
          schedulerEv(P, '0/3 nodes are available: 3 Insufficient cpu.'),
        ],
      },
      deployment({ template: withClaim }),
    );
    assert.match(ruledOut(volumeUnbound, f), /WaitForFirstConsumer, which is normal .*blocked by 3 Insufficient cpu/);
  });

  test('bound claims and no volume clause: nothing', () => {
    assert.equal(
      run(volumeUnbound, facts({ pods: [pod(P)], pvcs: [pvc('data')] }, deployment({ template: withClaim }))),
      null,
    );
  });
});
