import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeShutdown } from '../../../src/rules/infra/node-shutdown.js';
import { ev, facts, match, node, pod, ruledOut, T } from './fixtures.js';

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
