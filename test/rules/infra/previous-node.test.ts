/**
 * The shared helpers that find the node an earlier instance of a pod ran on from the node-controller's
 * per-pod `NodeNotReady` (which names no node): `notReadyTimes`, `nodeOfPodNotReady`, `previousNodes`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Ev, NodeFacts } from '../../../src/domain/facts.js';
import {
  buildScope,
  NOT_READY_SAME_MOMENT_MS,
  nodeOfPodNotReady,
  notReadyTimes,
  previousNodes,
} from '../../../src/rules/infra/common.js';
import { ev, facts, node, pod, T } from './fixtures.js';

const P = 'api-7c9d8f6b5d-x2k4q';
const perPod = (at: string, over: Partial<Ev> = {}) =>
  ev({
    reason: 'NodeNotReady',
    source: 'node-controller',
    object: P,
    first: at,
    last: at,
    message: 'Node is not ready',
    ...over,
  });
const nodeEv = (name: string, at: string, message = `Node ${name} status is now: NodeNotReady`) =>
  ev({
    kind: 'Node',
    object: name,
    reason: 'NodeNotReady',
    type: 'Normal',
    source: 'node-controller',
    first: at,
    last: at,
    message,
  });
const downNode = (name: string, at: string): NodeFacts =>
  node(name, {
    ready: 'Unknown',
    conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: at }],
    taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at }],
  });
const at = (hhmm: string) => Date.parse(T(hhmm));

describe('notReadyTimes', () => {
  test('node events, the Ready transition and unreachable taints of a node still down; only events once it recovered', () => {
    const f = facts({
      nodes: [downNode('node-c', T('10:03:19')), node('node-b')],
      events: [
        nodeEv('node-c', T('10:03:20')),
        nodeEv('node-b', T('09:50:00')),
        // A NodeNotReady event saying the node is Ready again is no NotReady time.
        nodeEv('node-b', T('09:55:00'), 'Node node-b status is now: NodeReady'),
      ],
    });
    assert.deepEqual(notReadyTimes(f, 'node-c').sort(), [
      at('10:03:19'),
      at('10:03:19'),
      at('10:03:20'),
      at('10:03:20'),
    ]);
    // node-b is Ready now: its (old) Ready transition does not count, its NodeNotReady event does.
    assert.deepEqual(notReadyTimes(f, 'node-b'), [at('09:50:00'), at('09:50:00')]);
    assert.deepEqual(notReadyTimes(f, 'node-z'), []);
  });
});

describe('nodeOfPodNotReady', () => {
  test('the one other node that went NotReady within the same moment, nearest first', () => {
    const f = facts({
      nodes: [downNode('node-c', T('10:03:19')), downNode('node-d', T('10:04:30')), node('node-e')],
      events: [],
    });
    assert.equal(nodeOfPodNotReady(f, perPod(T('10:03:40')), 'node-e'), 'node-c');
    assert.equal(nodeOfPodNotReady(f, perPod(T('10:04:20')), 'node-e'), 'node-d');
    // Only the given candidates are considered.
    assert.equal(nodeOfPodNotReady(f, perPod(T('10:03:40')), 'node-e', ['node-d', 'node-e']), 'node-d');
  });

  test('none beyond the same moment, none on a tie, none when the current node went NotReady then', () => {
    const late = new Date(at('10:03:19') + NOT_READY_SAME_MOMENT_MS + 1000).toISOString();
    const one = facts({ nodes: [downNode('node-c', T('10:03:19')), node('node-e')] });
    assert.equal(nodeOfPodNotReady(one, perPod(late), 'node-e'), null);
    const two = facts({
      nodes: [downNode('node-c', T('10:03:19')), downNode('node-d', T('10:03:19')), node('node-e')],
    });
    assert.equal(nodeOfPodNotReady(two, perPod(T('10:03:19')), 'node-e'), null);
    // The pod's current node went NotReady then: the event is about the present instance.
    assert.equal(nodeOfPodNotReady(two, perPod(T('10:03:19')), 'node-c'), null);
    // No current node (pod unscheduled): any node counts.
    assert.equal(nodeOfPodNotReady(one, perPod(T('10:03:19')), null), 'node-c');
  });

  test("the event's host when it names another node", () => {
    const f = facts({ nodes: [node('node-e')] });
    assert.equal(nodeOfPodNotReady(f, perPod(T('10:03:19'), { host: 'node-x' }), 'node-e'), 'node-x');
  });
});

describe('previousNodes', () => {
  test("the pods' own records first, then the node matched by the per-pod NodeNotReady, never the current node", () => {
    const f = facts({
      pods: [pod(P, { node: 'node-e' })],
      deletedPods: [{ name: P, namespace: 'shop', node: 'node-b', lastSeen: T('09:40:00') }],
      nodes: [node('node-b'), downNode('node-c', T('10:03:19')), node('node-e')],
      events: [perPod(T('10:03:25')), nodeEv('node-c', T('10:03:19'))],
    });
    assert.deepEqual(previousNodes(f, buildScope(f), [P]), ['node-b', 'node-c']);
    // Another pod's per-pod event does not count.
    assert.deepEqual(previousNodes(f, buildScope(f), ['api-7c9d8f6b5d-b7w9k']), []);
  });
});
