import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { volumeMultiAttach } from '../../../src/rules/infra/volume-multi-attach.js';
import { deployment, ev, facts, match, node, pod, pvc, ruledOut, T, template } from './fixtures.js';

const NEW = 'api-7c9d8f6b5d-newpd';
const tmpl = template({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'grafana-data' } }] });
const multi = ev({
  reason: 'FailedAttachVolume',
  source: 'attachdetach-controller',
  object: NEW,
  message:
    'Multi-Attach error for volume "pvc-c048abf5-1f2e-4c5d-9a8b-7e6f5d4c3b2a" Volume is already exclusively attached to one node and can\'t be attached to another',
});
const mount = ev({
  reason: 'FailedMount',
  object: NEW,
  last: T('10:07:00'),
  message:
    'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to process volumes=[]: context deadline exceeded',
});
const waiting = pod(NEW, {
  node: 'node-b',
  phase: 'Pending',
  status: { containerStatuses: [{ name: 'api', state: { waiting: { reason: 'ContainerCreating' } } }] },
});

describe('volume-multi-attach', () => {
  test('RWO claim shared by 2 replicas on 2 nodes: controller + kubelet + spec signals; scale to 1', () => {
    const f = facts(
      {
        pods: [pod('api-7c9d8f6b5d-x2k4q', { node: 'node-a' }), waiting],
        pvcs: [pvc('grafana-data', { volumeName: 'pvc-c048abf5-1f2e-4c5d-9a8b-7e6f5d4c3b2a' })],
        events: [multi, mount],
      },
      deployment({ replicas: 2, template: tmpl }),
    );
    const m = match(volumeMultiAttach, f);
    assert.equal(m.signals.length, 3);
    assert.match(
      m.signals[2]?.text ?? '',
      /runs 2 replicas that all mount PVC grafana-data \(ReadWriteOnce\) from 2 nodes/,
    );
    assert.deepEqual(m.fix, {
      summary: 'scale api 2→1: a ReadWriteOnce volume (grafana-data) can serve only one node',
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'api' },
      patchType: 'merge',
      patch: { spec: { replicas: 1 } },
    });
    assert.ok(m.explains.includes('volume-mount-failed'));
  });

  test('old node dead: the attachment is stuck there; no automatic fix, node-not-ready is the trigger', () => {
    const f = facts(
      {
        pods: [waiting],
        deletedPods: [{ name: 'api-7c9d8f6b5d-oldpd', namespace: 'shop', node: 'node-a', lastSeen: T('09:58:00') }],
        pvcs: [pvc('grafana-data', { volumeName: 'pvc-c048abf5-1f2e-4c5d-9a8b-7e6f5d4c3b2a' })],
        nodes: [node('node-a', { ready: 'Unknown' }), node('node-b')],
        events: [
          multi,
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'NodeNotReady',
            type: 'Normal',
            source: 'node-controller',
            first: T('09:55:00'),
            last: T('09:55:00'),
            message: 'Node node-a status is now: NodeNotReady',
          }),
        ],
      },
      deployment({ replicas: 1, template: tmpl }),
    );
    const m = match(volumeMultiAttach, f);
    assert.equal(m.fix, null);
    assert.ok(m.explains.includes('node-not-ready'));
    assert.match(m.trigger ?? '', /node-a went NotReady/);
    assert.match(m.advice, /out-of-service/);
  });

  test('red herring: Multi-Attach that resolved (AttachVolume succeeded, pod running)', () => {
    const f = facts({
      pods: [pod(NEW, { node: 'node-b' })],
      events: [
        multi,
        ev({
          reason: 'SuccessfulAttachVolume',
          type: 'Normal',
          object: NEW,
          last: T('10:06:00'),
          message: 'AttachVolume.Attach succeeded for volume "pvc-c048abf5-1f2e-4c5d-9a8b-7e6f5d4c3b2a"',
        }),
      ],
    });
    assert.match(ruledOut(volumeMultiAttach, f), /resolved: AttachVolume succeeded at 10:06:00Z/);
  });
});
