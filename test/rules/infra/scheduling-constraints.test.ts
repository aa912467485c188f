import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schedulingConstraints } from '../../../src/rules/infra/scheduling-constraints.js';
import { deployment, ev, facts, match, node, pod, ruledOut, schedulerEv, template } from './fixtures.js';

const P = 'api-7c9d8f6b5d-x2k4q';

describe('scheduling-constraints', () => {
  test('nodeSelector no node carries (HolmesGPT fixture text): event + spec + nodes; unambiguous selector fix', () => {
    const tmpl = template({
      nodeSelector: { 'cloud.google.com/gke-nodepool': 'highmem-pool' },
      containers: [{ name: 'api', resources: { requests: { memory: '20Gi' } } }],
    });
    const pool = (name: string, p: string, mem: string) =>
      node(name, { labels: { 'cloud.google.com/gke-nodepool': p } }, { memory: mem });
    const f = facts(
      {
        pods: [pod(P, { node: null })],
        events: [
          schedulerEv(
            P,
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
          ),
        ],
        nodes: [
          pool('n1', 'default-pool', '13292156Ki'),
          pool('n2', 'default-pool', '13292156Ki'),
          pool('n3', 'highmem-v2', '29094468Ki'),
        ],
      },
      deployment({ template: tmpl }),
    );
    const m = match(schedulingConstraints, f);
    assert.equal(m.signals.length, 3);
    assert.deepEqual(
      m.signals.map((s) => s.kind),
      ['event', 'spec', 'status'],
    );
    assert.match(m.signals[2]?.text ?? '', /None of the 3 known worker nodes/);
    assert.deepEqual(m.fix?.patch, {
      spec: { template: { spec: { nodeSelector: { 'cloud.google.com/gke-nodepool': 'highmem-v2' } } } },
    });
  });

  test('untolerated GPU taint (≤1.34 form): node taint and missing toleration are cited', () => {
    const tainted = (n: string) =>
      node(n, { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] });
    const f = facts({
      pods: [pod(P, { node: null })],
      events: [schedulerEv(P, '0/2 nodes are available: 2 node(s) had untolerated taint {nvidia.com/gpu: present}.')],
      nodes: [tainted('gpu-1'), tainted('gpu-2')],
    });
    const m = match(schedulingConstraints, f);
    assert.equal(m.signals.length, 3);
    assert.match(m.signals[1]?.text ?? '', /nvidia.com\/gpu=present:NoSchedule/);
    assert.match(m.signals[2]?.text ?? '', /no tolerations/);
    assert.equal(m.fix, null);
    assert.match(m.advice, /toleration for nvidia.com\/gpu/);
  });

  test('topology spread blocked by a tainted node counted as a domain (1.35 taint form): nodeTaintsPolicy Honor', () => {
    const tmpl = template({
      topologySpreadConstraints: [
        {
          topologyKey: 'kubernetes.io/hostname',
          maxSkew: 1,
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'api' } },
        },
      ],
    } as never);
    const f = facts(
      {
        pods: [pod(P, { node: null })],
        events: [
          schedulerEv(
            P,
            "0/3 nodes are available: 2 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint(s).",
          ),
        ],
      },
      deployment({ template: tmpl }),
    );
    const m = match(schedulingConstraints, f);
    assert.match(m.summary, /topology spread/);
    assert.match(m.summary, /incidental/);
    assert.deepEqual(m.fix?.patch, {
      spec: {
        template: {
          spec: {
            topologySpreadConstraints: [
              { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' },
            ],
          },
        },
      },
    });
  });

  test('cordoned nodes', () => {
    const f = facts({
      pods: [pod(P, { node: null })],
      events: [schedulerEv(P, '0/2 nodes are available: 2 node(s) were unschedulable.')],
      nodes: [node('a', { unschedulable: true }), node('b', { unschedulable: true })],
    });
    const m = match(schedulingConstraints, f);
    assert.equal(m.signals.length, 2);
    assert.match(m.advice, /kubectl uncordon a b/);
  });

  test('red herring: the control-plane taint clause beside Insufficient memory is incidental', () => {
    const f = facts({
      pods: [pod(P, { node: null })],
      events: [
        schedulerEv(
          P,
          '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory.',
        ),
        ev({
          reason: 'TriggeredScaleUp',
          type: 'Normal',
          object: P,
          message: 'pod triggered scale-up: [{eks-ng-spot-abc123 3->5 (max: 10)}]',
        }),
      ],
    });
    assert.match(ruledOut(schedulingConstraints, f), /incidental .*2 Insufficient memory is what blocks the pod/);
  });
});
