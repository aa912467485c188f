import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod, Workload } from '../../../src/domain/k8s.js';
import { conclude } from '../../../src/engine/conclude.js';
import { nodeNotReady } from '../../../src/rules/infra/node-not-ready.js';
import { nodeShutdown } from '../../../src/rules/infra/node-shutdown.js';
import { deployment, ev, facts, match, NS, node, pod, ruledOut, run, T, template } from './fixtures.js';

const MSG = 'Pod was terminated in response to imminent node shutdown.';
const terminated = (name: string, at: string) =>
  pod(name, {
    node: 'ip-10-0-3-47',
    phase: 'Failed',
    status: {
      reason: 'Terminated',
      message: MSG,
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'TerminationByKubelet',
          message: MSG,
          lastTransitionTime: at,
        },
      ],
    },
  });

describe('node-shutdown', () => {
  test('FM-32: kubelet terminated the pods on a spot reclaim', () => {
    const f = facts({
      pods: [terminated('api-7c9d8f6b5d-x2k4q', T('10:02:00')), pod('api-7c9d8f6b5d-n3w8r', { node: 'node-b' })],
      nodes: [
        node('ip-10-0-3-47', {
          ready: 'False',
          spot: true,
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'node is shutting down',
              lastTransitionTime: T('10:02:00'),
            },
          ],
        }),
      ],
      events: [
        ev({
          kind: 'Node',
          object: 'ip-10-0-3-47',
          reason: 'SpotInterrupted',
          source: 'karpenter',
          first: T('10:00:02'),
          last: T('10:00:02'),
          message: 'Spot interruption warning was triggered',
        }),
      ],
    });
    const m = match(nodeShutdown, f);
    assert.equal(m.signals.length, 3);
    assert.match(m.summary, /^Spot node ip-10-0-3-47 shut down at 10:02:00Z/);
    assert.match(m.trigger ?? '', /spot node ip-10-0-3-47 got a spot interruption/);
    assert.deepEqual(m.explains, ['node-not-ready', 'app-crash', 'graceful-shutdown-timeout']);
    assert.equal(m.fix, null);
  });

  test('red herring: a Failed leftover from a shutdown days ago', () => {
    const f = facts({
      pods: [terminated('api-7c9d8f6b5d-x2k4q', '2026-02-28T04:00:00Z'), pod('api-7c9d8f6b5d-n3w8r')],
    });
    assert.match(ruledOut(nodeShutdown, f), /before the evidence window/);
  });
});

// ---------------------------------------------------------------------------------------------
// Pods lost with an interrupted node: they exist only in events now.

const LOST = 'api-7c9d8f6b5d-x2k4q';
const SPOT = 'ip-10-0-3-47.us-west-2.compute.internal';

/** The pod-level trail Karpenter and the kubelet leave when a spot interruption drains a pod. */
const podTrail = (object: string, host: string, at = '10:00') => [
  ev({
    object,
    reason: 'SpotInterrupted',
    source: 'karpenter',
    first: T(`${at}:02`),
    last: T(`${at}:02`),
    message: 'Pod will be evicted from the node due to a spot interruption warning',
  }),
  ev({
    object,
    reason: 'Evicted',
    type: 'Normal',
    source: 'karpenter',
    first: T(`${at}:03`),
    last: T(`${at}:03`),
    message: 'Evicted pod: Forceful Termination',
  }),
  ev({
    object,
    reason: 'Killing',
    type: 'Normal',
    source: 'kubelet',
    host,
    container: 'api',
    first: T(`${at}:03`),
    last: T(`${at}:03`),
    message: 'Stopping container api',
  }),
];

const nodeTrail = (name: string) => [
  ev({
    kind: 'Node',
    object: name,
    reason: 'SpotInterrupted',
    source: 'karpenter',
    first: T('10:00:02'),
    last: T('10:00:02'),
    message: 'Spot interruption warning was triggered',
  }),
  ev({
    kind: 'Node',
    object: name,
    reason: 'TerminatingOnInterruption',
    source: 'karpenter',
    first: T('10:00:02'),
    last: T('10:00:02'),
    message: 'Interruption triggered termination for the Node',
  }),
  ev({
    kind: 'Node',
    object: name,
    reason: 'NodeNotReady',
    type: 'Normal',
    source: 'node-controller',
    first: T('10:01:00'),
    last: T('10:01:00'),
    message: `Node ${name} status is now: NodeNotReady`,
  }),
  ev({
    kind: 'Node',
    object: name,
    reason: 'RemovingNode',
    type: 'Normal',
    source: 'node-controller',
    first: T('10:01:30'),
    last: T('10:01:30'),
    message: `Node ${name} event: Removing Node ${name} from Controller`,
  }),
];

const born = (p: Pod, at: string): Pod => ({ ...p, metadata: { ...p.metadata, creationTimestamp: at } });

const statefulSet = (): Workload => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: NS },
  spec: { replicas: 1, selector: { matchLabels: { app: 'db' } }, template: template({}, { app: 'db' }) },
  status: { replicas: 1, readyReplicas: 1 },
});

describe('node-shutdown: pods lost with an interrupted node', () => {
  const deploymentFacts = (replacementReady = true) =>
    facts(
      {
        pods: [
          born(pod('api-7c9d8f6b5d-r8p2m', { node: 'node-b', ready: replacementReady }), T('10:00:03')),
          pod('api-7c9d8f6b5d-n3w8r', { node: 'node-c' }),
        ],
        deletedPods: [{ name: LOST, namespace: NS, node: SPOT, lastSeen: T('10:00:03') }],
        nodes: [{ ...node(SPOT), exists: false, object: null, ready: null, conditions: [] }],
        events: [...podTrail(LOST, SPOT), ...nodeTrail(SPOT)],
      },
      deployment({ replicas: 2 }),
    );

  test('Deployment pod drained by a spot interruption, node gone: four independent signals', () => {
    const m = match(nodeShutdown, deploymentFacts());
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      [`shop/Pod/${LOST}`, `shop/Pod/${LOST}`, `default/Node/${SPOT}`, `default/Node/${SPOT}`],
    );
    assert.match(
      m.signals[0]?.text ?? '',
      /^SpotInterrupted \(karpenter\) on pod .*; then Evicted: Evicted pod: Forceful Termination\.$/,
    );
    assert.match(
      m.signals[1]?.text ?? '',
      new RegExp(`^kubelet on ${SPOT} stopped container api of pod ${LOST} at 10:00:03Z\\.$`),
    );
    assert.match(m.signals[2]?.text ?? '', /^SpotInterrupted, then TerminatingOnInterruption on node /);
    assert.match(m.signals[3]?.text ?? '', /no longer exists \(instance terminated; RemovingNode at 10:01:30Z\)/);
    assert.equal(
      m.summary,
      `Spot interruption of node ${SPOT} at 10:00:02Z terminated ${LOST}; its replacement api-7c9d8f6b5d-r8p2m on node-b is Ready.`,
    );
    assert.match(m.trigger ?? '', new RegExp(`^node ${SPOT} got a spot interruption, then was terminated`));
    assert.match(m.advice, /the node no longer exists, so there is nothing to drain or repair/);
    assert.doesNotMatch(m.advice, /kubectl drain|replace node/);
    assert.match(m.advice, /topologySpreadConstraints/);
    assert.ok(m.explains.includes('node-not-ready'));
  });

  test('the replacement not Ready yet is said so', () => {
    const m = match(nodeShutdown, deploymentFacts(false));
    assert.match(m.summary, /; its replacement api-7c9d8f6b5d-r8p2m on node-b is not Ready yet\.$/);
    assert.match(m.advice, /see why the replacement is not Ready/);
  });

  test('node-shutdown outranks node-not-ready, which it explains', () => {
    const c = conclude(deploymentFacts(), [nodeNotReady, nodeShutdown]);
    assert.equal(c.rootCause.id, 'node-shutdown');
    assert.equal(c.rootCause.confidence, 'high');
    const nnr = c.ruledOut.find((r) => r.id === 'node-not-ready');
    assert.match(
      nnr?.reason ?? '',
      /^symptom\/trigger of node-shutdown: .* went NotReady at 10:01:00Z and no longer exists/,
    );
    assert.ok(
      c.rootCause.evidence.some((e) => e.ref === `default/Node/${SPOT}`),
      'cites the node',
    );
  });

  test('StatefulSet pod replaced under the same name: the earlier instance is told apart by time', () => {
    const f = facts(
      {
        pods: [born(pod('db-0', { node: 'node-b', labels: { app: 'db' } }), T('10:00:10'))],
        events: [
          ...podTrail('db-0', SPOT),
          ev({
            object: 'db-0',
            reason: 'Scheduled',
            type: 'Normal',
            source: 'default-scheduler',
            first: null,
            last: T('10:00:10'),
            message: 'Successfully assigned shop/db-0 to node-b',
          }),
        ],
      },
      statefulSet(),
    );
    const m = match(nodeShutdown, f);
    // Only the pod's own events here (the node was not looked at): two sources, karpenter and the kubelet.
    assert.equal(m.signals.length, 2);
    assert.match(m.signals[0]?.text ?? '', /on pod db-0 \(its previous instance\)/);
    assert.equal(
      m.summary,
      `Spot interruption of node ${SPOT} at 10:00:02Z terminated db-0; it was rescheduled on node-b and is Ready again.`,
    );
    assert.equal(m.trigger, `node ${SPOT} got a spot interruption at 10:00:02Z (SpotInterrupted on pod db-0)`);
    assert.match(m.advice, /statefulset\/db runs a single replica/);
  });

  test('a live same-named pod whose events all follow its creation is no lost instance', () => {
    const f = facts(
      {
        pods: [born(pod('db-0', { node: 'node-b', labels: { app: 'db' } }), T('09:59:00'))],
        events: podTrail('db-0', 'node-b'),
      },
      statefulSet(),
    );
    assert.equal(run(nodeShutdown, f), null);
  });

  test('red herring: Karpenter consolidation (planned disruption) is no interruption', () => {
    const f = facts({
      pods: [born(pod('api-7c9d8f6b5d-r8p2m', { node: 'node-b' }), T('10:00:03'))],
      deletedPods: [{ name: LOST, namespace: NS, node: SPOT, lastSeen: T('10:00:03') }],
      nodes: [{ ...node(SPOT), exists: false, object: null, ready: null, conditions: [] }],
      events: [
        ev({
          kind: 'Node',
          object: SPOT,
          reason: 'DisruptionTerminating',
          type: 'Normal',
          source: 'karpenter',
          first: T('10:00:01'),
          last: T('10:00:01'),
          message: 'Disrupting Node: Underutilized',
        }),
        ev({
          object: LOST,
          reason: 'Evicted',
          type: 'Normal',
          source: 'karpenter',
          first: T('10:00:02'),
          last: T('10:00:02'),
          message: 'Evicted pod: Underutilized',
        }),
        ev({
          object: LOST,
          reason: 'Killing',
          type: 'Normal',
          host: SPOT,
          first: T('10:00:03'),
          last: T('10:00:03'),
          message: 'Stopping container api',
        }),
        ...nodeTrail(SPOT).slice(2),
      ],
    });
    assert.equal(run(nodeShutdown, f), null);
  });

  test('a forced eviction alone, or a node interrupted long after the pod was gone, is no match', () => {
    const evictedOnly = facts({
      deletedPods: [{ name: LOST, namespace: NS, node: SPOT, lastSeen: T('10:00:03') }],
      events: podTrail(LOST, SPOT).slice(1),
    });
    assert.equal(run(nodeShutdown, evictedOnly), null);
    const later = facts({
      deletedPods: [{ name: LOST, namespace: NS, node: SPOT, lastSeen: T('09:40:03') }],
      events: [...podTrail(LOST, SPOT, '09:40').slice(1), ...nodeTrail(SPOT)],
    });
    assert.equal(run(nodeShutdown, later), null);
  });
});
