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

  describe('extended resource capped by the node pool after a scale-up', () => {
    const GPU_MSG =
      "0/7 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 4 Insufficient nvidia.com/gpu. preemption: 0/7 nodes are available: 3 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.";
    const gpuTemplate = template({
      containers: [
        container({ resources: { requests: { cpu: '3', 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } }),
      ],
      nodeSelector: { pool: 'gpu' },
    });
    const scenario = () => {
      const running = ['api-7c9d8f6b5d-aaaaa', 'api-7c9d8f6b5d-bbbbb'];
      const pending = ['api-7c9d8f6b5d-ccccc'];
      const gpuNode = (n: string) => node(n, { labels: { pool: 'gpu' } }, { 'nvidia.com/gpu': '1' });
      return facts(
        {
          pods: [
            ...running.map((n, i) =>
              pod(n, { node: `gpu-${i}`, spec: { containers: gpuTemplate.spec?.containers ?? [] } }),
            ),
            ...pending.map((n) => pod(n, { node: null })),
          ],
          nodes: [
            { ...gpuNode('gpu-0'), pods: [running[0]!] },
            { ...gpuNode('gpu-1'), pods: [running[1]!] },
          ],
          revisions: [
            revision(7, 'api-7c9d8f6b5d', gpuTemplate, {
              current: true,
              createdAt: '2026-02-25T08:00:00Z',
              replicas: 3,
              readyReplicas: 2,
            }),
            revision(6, 'api-5b4c3d2e1f', gpuTemplate, {
              createdAt: '2026-02-20T08:00:00Z',
              replicas: 0,
              readyReplicas: 0,
            }),
          ],
          events: [
            ev({
              kind: 'Deployment',
              object: 'api',
              reason: 'ScalingReplicaSet',
              type: 'Normal',
              source: 'deployment-controller',
              message: 'Scaled up replica set api-7c9d8f6b5d to 3 from 2',
              first: T('09:45:00'),
              last: T('09:45:00'),
            }),
            ...pending.map((n) => schedulerEv(n, GPU_MSG)),
            ev({
              reason: 'FailedScheduling',
              object: pending[0]!,
              source: 'karpenter',
              message:
                'Failed to schedule pod, incompatible with nodepool "general", incompatible requirements, key pool, pool In [gpu] not in pool In [general]; all available instance types exceed limits for nodepool "gpu"',
            }),
          ],
        },
        deployment({ template: gpuTemplate, status: { replicas: 3, readyReplicas: 2 } }),
      );
    };

    test('scheduler + Karpenter pool limit + the nodes’ own allocatable: 3 signals, the scale-up is the trigger', () => {
      const m = match(insufficientResources, scenario());
      assert.equal(m.signals.length, 3);
      assert.ok(m.signals.some((x) => /exceed the limits of NodePool gpu/.test(x.text)));
      assert.ok(
        m.signals.some((x) =>
          /2 known nodes that match the pod's selector .* nvidia.com\/gpu 1 allocatable/.test(x.text),
        ),
      );
      assert.equal(m.trigger, 'scale-up of deployment/api from 2 to 3 replicas at 09:45:00Z');
      assert.equal(m.fix, null);
      assert.match(m.advice, /NodePool gpu is at its limits/);
    });

    test('an old revision that is merely short of ready replicas is not a rollout in flight', () => {
      const m = match(insufficientResources, scenario());
      assert.doesNotMatch(m.trigger ?? '', /rollout/);
      assert.deepEqual(m.explains, []);
    });
  });
});
