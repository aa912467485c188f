import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeNotReady } from '../../../src/rules/infra/node-not-ready.js';
import { deployment, ev, facts, match, node, pod, ruledOut, run, T } from './fixtures.js';

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
