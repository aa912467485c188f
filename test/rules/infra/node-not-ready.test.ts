import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Workload } from '../../../src/domain/k8s.js';
import { nodeNotReady } from '../../../src/rules/infra/node-not-ready.js';
import type { RuleMatch } from '../../../src/rules/rule.js';
import { container, deployment, ev, facts, match, NS, node, pod, ruledOut, run, T, template } from './fixtures.js';

const P = 'api-7c9d8f6b5d-x2k4q';

describe('node-not-ready', () => {
  test('FM-17: node unreachable, per-pod NodeNotReady and taint eviction', () => {
    const n = node('ip-10-0-2-19.ec2.internal', {
      ready: 'Unknown',
      conditions: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastTransitionTime: T('10:01:00'),
        },
      ],
      taints: [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      ],
    });
    const f = facts({
      pods: [pod(P, { node: n.name, ready: false }), pod('api-7c9d8f6b5d-b7w9k', { node: 'node-c' })],
      nodes: [n],
      events: [
        ev({
          kind: 'Node',
          object: n.name,
          reason: 'NodeNotReady',
          type: 'Normal',
          source: 'node-controller',
          message: `Node ${n.name} status is now: NodeNotReady`,
        }),
        ev({ reason: 'NodeNotReady', object: P, source: 'node-controller', message: 'Node is not ready' }),
        ev({
          reason: 'TaintManagerEviction',
          type: 'Normal',
          object: P,
          source: 'taint-eviction-controller',
          last: T('10:06:00'),
          message: `Marking for deletion Pod shop/${P}`,
        }),
      ],
    });
    const m = match(nodeNotReady, f);
    assert.equal(m.signals.length, 4);
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      [`default/Node/${n.name}`, `default/Node/${n.name}`, `shop/Pod/${P}`, `shop/Pod/${P}`],
    );
    assert.match(m.summary, /is NotReady since 10:01:00Z: Kubelet stopped posting node status\./);
    assert.deepEqual(m.explains, ['readiness-probe-failing']);
    assert.equal(m.fix, null);
    assert.match(m.advice, /kubectl drain ip-10-0-2-19.ec2.internal --ignore-daemonsets/);
  });

  test('red herring: NodeNotReady of a node that hosts none of the target pods', () => {
    const f = facts({
      pods: [pod(P, { node: 'node-a' })],
      events: [
        ev({
          kind: 'Node',
          object: 'node-z',
          reason: 'NodeNotReady',
          type: 'Normal',
          source: 'node-controller',
          message: 'Node node-z status is now: NodeNotReady',
        }),
      ],
    });
    assert.match(
      ruledOut(nodeNotReady, f),
      /node-z went NotReady .* hosts none of the target's pods \(the target's pods run on node-a\)/,
    );
  });

  test('failing target on Ready nodes: ruled out; healthy target: nothing', () => {
    const crashing = pod(P, {
      ready: false,
      status: {
        containerStatuses: [
          {
            name: 'api',
            ready: false,
            restartCount: 6,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: T('10:20:00') } },
          },
        ],
      },
    });
    assert.match(
      ruledOut(nodeNotReady, facts({ pods: [crashing], nodes: [node('node-a')] }, deployment({ replicas: 1 }))),
      /every node hosting the target's pods is Ready \(node-a\)/,
    );
    assert.equal(
      run(nodeNotReady, facts({ pods: [pod(P)], nodes: [node('node-a')] }, deployment({ replicas: 1 }))),
      null,
    );
  });
  test('a node that no longer exists: no drain or repair advice, the summary says it is gone', () => {
    const gone = 'ip-10-0-3-47.us-west-2.compute.internal';
    const f = facts({
      pods: [pod('api-7c9d8f6b5d-r8p2m', { node: 'node-b' })],
      deletedPods: [{ name: P, namespace: 'shop', node: gone, lastSeen: T('10:00:03') }],
      nodes: [{ ...node(gone), exists: false, object: null, ready: null, conditions: [] }],
      events: [
        ev({
          kind: 'Node',
          object: gone,
          reason: 'NodeNotReady',
          type: 'Normal',
          source: 'node-controller',
          first: T('10:01:00'),
          last: T('10:01:00'),
          message: `Node ${gone} status is now: NodeNotReady`,
        }),
        ev({
          kind: 'Node',
          object: gone,
          reason: 'RemovingNode',
          type: 'Normal',
          source: 'node-controller',
          first: T('10:01:30'),
          last: T('10:01:30'),
          message: `Node ${gone} event: Removing Node ${gone} from Controller`,
        }),
      ],
    });
    const m = match(nodeNotReady, f);
    assert.equal(m.signals.length, 2);
    assert.equal(
      m.summary,
      `Node ${gone}, which hosted 1 target pod, went NotReady at 10:01:00Z and no longer exists (RemovingNode at 10:01:30Z).`,
    );
    assert.match(
      m.advice,
      new RegExp(
        `^Node ${gone} no longer exists \\(RemovingNode at 10:01:30Z\\): there is nothing to drain or repair\\.`,
      ),
    );
    assert.match(m.advice, /check that deployment\/api is whole again/);
    assert.doesNotMatch(m.advice, /kubectl drain|Fix or replace|delete pod/);
    // A target pod still bound to the vanished node (stuck Terminating): force-delete it, still no drain.
    const stuck = match(nodeNotReady, {
      ...f,
      pods: [...f.pods, pod(P, { node: gone, ready: false })],
      deletedPods: [],
    });
    assert.match(
      stuck.advice,
      new RegExp(
        `1 target pod still bound to it \\(${P}\\): kubectl -n shop delete pod <pod> --grace-period=0 --force`,
      ),
    );
    assert.doesNotMatch(stuck.advice, /kubectl drain/);
  });
});

// ---------------------------------------------------------------------------------------------
// The pod was replaced elsewhere: only the node-controller's per-pod NodeNotReady (no node name)
// ties it to the node that went NotReady.

const sts: Workload = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'broker', namespace: NS },
  spec: {
    replicas: 3,
    serviceName: 'broker',
    selector: { matchLabels: { app: 'broker' } },
    template: template({ containers: [container({ name: 'broker' })] }, { app: 'broker' }),
  },
};
/** broker-1 now runs (not Ready yet) on node-e; its earlier instance's node is not on record. */
const replaced = () => pod('broker-1', { node: 'node-e', ready: false, labels: { app: 'broker' } });
const perPod = (at: string) =>
  ev({
    reason: 'NodeNotReady',
    source: 'node-controller',
    object: 'broker-1',
    first: at,
    last: at,
    message: 'Node is not ready',
  });
const nodeEv = (name: string, at: string) =>
  ev({
    kind: 'Node',
    object: name,
    reason: 'NodeNotReady',
    type: 'Normal',
    source: 'node-controller',
    first: at,
    last: at,
    message: `Node ${name} status is now: NodeNotReady`,
  });
const downNode = (name: string, at: string) =>
  node(name, {
    ready: 'Unknown',
    conditions: [
      {
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: at,
      },
    ],
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at }],
  });
const noUnknownNode = (m: RuleMatch) => {
  for (const s of m.signals) assert.doesNotMatch(s.ref, /Node\/unknown/);
  for (const t of m.timeline ?? []) assert.doesNotMatch(t.ref, /Node\/unknown/);
  assert.doesNotMatch(`${m.summary} ${m.advice}`, /node unknown|Node unknown/);
};

describe('node-not-ready: the node of a replaced pod, from the per-pod NodeNotReady', () => {
  test('named from the node that went NotReady at that moment: its ref, condition and event are the evidence', () => {
    const f = facts(
      {
        pods: [pod('broker-0', { node: 'node-a', labels: { app: 'broker' } }), replaced()],
        nodes: [node('node-a'), downNode('node-c', T('10:03:19')), node('node-e')],
        events: [perPod(T('10:03:20')), nodeEv('node-c', T('10:03:19'))],
      },
      sts,
    );
    const m = match(nodeNotReady, f);
    noUnknownNode(m);
    assert.equal(
      m.summary,
      'Node node-c, where the earlier instance of pod broker-1 ran, is NotReady since 10:03:19Z: Kubelet stopped posting node status.',
    );
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      ['default/Node/node-c', 'default/Node/node-c', `${NS}/Pod/broker-1`],
    );
    assert.match(m.signals[0]?.text ?? '', /^Node node-c Ready=Unknown \(NodeStatusUnknown\).*tainted unreachable/);
    assert.match(m.signals[1]?.text ?? '', /^NodeNotReady \(node-controller\).*status is now: NodeNotReady/);
    assert.match(m.signals[2]?.text ?? '', /at 10:03:20Z, as node node-c went NotReady: broker-1 ran there/);
    assert.deepEqual(m.timeline, [
      { time: T('10:03:19'), text: 'node node-c went NotReady', ref: 'default/Node/node-c' },
    ]);
    assert.match(m.advice, /^Fix or replace node node-c: kubectl describe node node-c;/);
    // The pod's current node is healthy: nothing of it is offered as the NotReady node.
    assert.doesNotMatch(`${m.summary} ${m.advice}`, /\bnode-[ae]\b/);
  });

  test('named from an unreachable taint alone (a node whose NodeNotReady event fell out of the records)', () => {
    const f = facts(
      {
        pods: [replaced()],
        nodes: [downNode('node-c', T('10:02:00')), node('node-e')],
        events: [perPod(T('10:03:00'))],
      },
      sts,
    );
    const m = match(nodeNotReady, f);
    noUnknownNode(m);
    assert.match(
      m.summary,
      /^Node node-c, where the earlier instance of pod broker-1 ran, is NotReady since 10:02:00Z/,
    );
    assert.equal(m.signals[0]?.ref, 'default/Node/node-c');
  });

  test('no node went NotReady at that moment: the node stays unnamed, no fake node and no Node/unknown ref', () => {
    const f = facts(
      {
        pods: [replaced()],
        nodes: [downNode('node-c', T('09:35:00')), node('node-e')],
        events: [perPod(T('10:03:19')), nodeEv('node-c', T('09:35:00'))],
      },
      sts,
    );
    const m = match(nodeNotReady, f);
    noUnknownNode(m);
    assert.equal(m.summary, 'The node of pod broker-1 (not identified) went NotReady at 10:03:19Z.');
    assert.deepEqual(
      m.signals.map((s) => s.ref),
      [`${NS}/Pod/broker-1`],
    );
    assert.deepEqual(m.timeline, []);
    assert.match(m.advice, /^Find the node that went NotReady around 10:03:19Z/);
    assert.match(m.advice, /kubectl describe node <node>/);
    assert.doesNotMatch(m.advice, /\bnode-c\b/);
  });

  test('two nodes went NotReady at the same moment: a tie names neither', () => {
    const f = facts(
      {
        pods: [replaced()],
        nodes: [downNode('node-c', T('10:03:19')), downNode('node-d', T('10:03:19')), node('node-e')],
        events: [perPod(T('10:03:19'))],
      },
      sts,
    );
    const m = match(nodeNotReady, f);
    noUnknownNode(m);
    assert.match(m.summary, /^The node of pod broker-1 \(not identified\)/);
    assert.doesNotMatch(`${m.summary} ${m.advice}`, /\bnode-[cd]\b/);
  });

  test('a per-pod event that does carry its host names that node', () => {
    const f = facts(
      {
        pods: [replaced()],
        nodes: [downNode('node-c', T('09:40:00')), node('node-e')],
        events: [{ ...perPod(T('10:03:19')), host: 'node-c' }],
      },
      sts,
    );
    const m = match(nodeNotReady, f);
    noUnknownNode(m);
    assert.match(
      m.summary,
      /^Node node-c, where the earlier instance of pod broker-1 ran, is NotReady since 09:40:00Z/,
    );
    assert.equal(m.signals[0]?.ref, 'default/Node/node-c');
  });
});
