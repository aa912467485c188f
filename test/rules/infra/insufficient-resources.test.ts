import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insufficientResources } from '../../../src/rules/infra/insufficient-resources.js';
import {
  container,
  deployment,
  ev,
  facts,
  match,
  node,
  pod,
  revision,
  ruledOut,
  run,
  schedulerEv,
  T,
  template,
} from './fixtures.js';

const FM11 =
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
const TOO_BIG =
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';

describe('insufficient-resources', () => {
  test('cluster full: the same FailedScheduling on 4 pods is one signal, autoscaler verdict another', () => {
    const pending = ['api-7c9d8f6b5d-aaaaa', 'api-7c9d8f6b5d-bbbbb', 'api-7c9d8f6b5d-ccccc', 'api-7c9d8f6b5d-ddddd'];
    const f = facts({
      pods: pending.map((n) => pod(n, { node: null })),
      events: [
        ...pending.map((n) => schedulerEv(n, FM11)),
        ev({
          reason: 'NotTriggerScaleUp',
          type: 'Normal',
          source: 'cluster-autoscaler',
          object: 'api-7c9d8f6b5d-aaaaa',
          message:
            "pod didn't trigger scale-up: 2 max node group size reached, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
        }),
      ],
    });
    const m = match(insufficientResources, f);
    assert.equal(m.signals.length, 2);
    assert.equal(m.signals.filter((s) => s.text.startsWith('FailedScheduling')).length, 1);
    assert.match(m.signals[0]?.text ?? '', /on 4 pods/);
    assert.match(
      m.summary,
      /^4 pods cannot be scheduled on any of the 3 nodes: 2 Insufficient memory \(1 node\(s\) had untolerated taint \{node-role.kubernetes.io\/control-plane: \} incidental\)/,
    );
    assert.match(m.summary, /cluster is full/);
    assert.equal(m.fix, null);
    assert.match(m.advice, /node group max/);
  });

  test('a rollout raised the request above every node: spec + rollout signals, patch back to the old value', () => {
    const big = template({
      containers: [container({ resources: { requests: { cpu: '500m', memory: '6Gi' }, limits: { memory: '6Gi' } } })],
    });
    const small = template({
      containers: [container({ resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '3Gi' } } })],
    });
    const f = facts(
      {
        pods: [pod('api-6f5b8d9c7d-zzzzz', { node: null, owner: 'api-6f5b8d9c7d' }), pod('api-7c9d8f6b5d-x2k4q')],
        events: [schedulerEv('api-6f5b8d9c7d-zzzzz', TOO_BIG)],
        nodes: [node('node-a', {}, { memory: '3900Mi' }), node('node-b', {}, { memory: '3900Mi' })],
        revisions: [
          revision(4, 'api-7c9d8f6b5d', small),
          revision(5, 'api-6f5b8d9c7d', big, {
            current: true,
            createdAt: T('10:00:00'),
            readyReplicas: 0,
            replicas: 1,
          }),
        ],
      },
      deployment({ template: big }),
    );
    const m = match(insufficientResources, f);
    assert.equal(m.signals.length, 3);
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['event', 'spec', 'rollout'],
    );
    assert.match(m.summary, /larger than any node can offer/);
    assert.match(m.trigger ?? '', /revision 5/);
    assert.deepEqual(m.explains, ['bad-rollout']);
    assert.equal(m.fix?.resource.kind, 'Deployment');
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { containers: [{ name: 'api', resources: { requests: { memory: '2Gi' } } }] } } },
    });
  });

  test('red herring: transient Insufficient cpu followed by Scheduled', () => {
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-x2k4q')],
      events: [
        schedulerEv('api-7c9d8f6b5d-x2k4q', '0/3 nodes are available: 3 Insufficient cpu.', T('10:01:00'), 1),
        ev({
          reason: 'Scheduled',
          type: 'Normal',
          source: 'default-scheduler',
          message: 'Successfully assigned shop/api-7c9d8f6b5d-x2k4q to node-a',
          last: T('10:01:40'),
        }),
      ],
    });
    assert.match(ruledOut(insufficientResources, f), /transient.*Scheduled at 10:01:40Z/);
  });

  test('red herring: failing pods that were all scheduled (the nodes had room)', () => {
    const stuck = pod('api-7c9d8f6b5d-x2k4q', {
      phase: 'Pending',
      ready: false,
      status: {
        containerStatuses: [{ name: 'api', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }],
      },
    });
    const f = facts(
      {
        pods: [stuck],
        events: [
          ev({
            reason: 'Scheduled',
            type: 'Normal',
            source: 'default-scheduler',
            message: 'Successfully assigned shop/api-7c9d8f6b5d-x2k4q to node-a',
            last: T('10:01:40'),
          }),
          ev({
            reason: 'FailedCreatePodSandBox',
            message:
              'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "d0a43b": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container',
          }),
        ],
      },
      deployment({ replicas: 1 }),
    );
    assert.match(
      ruledOut(insufficientResources, f),
      /no FailedScheduling: the 1 pod created in the window was scheduled/,
    );
  });

  test('stands down when another clause decides (selector), and says nothing without FailedScheduling', () => {
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-x2k4q', { node: null })],
      events: [
        schedulerEv(
          'api-7c9d8f6b5d-x2k4q',
          "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
        ),
      ],
    });
    assert.match(ruledOut(insufficientResources, f), /no Insufficient cpu\/memory clause/);
    assert.equal(run(insufficientResources, facts({ pods: [pod('api-7c9d8f6b5d-x2k4q')] })), null);
  });
});
