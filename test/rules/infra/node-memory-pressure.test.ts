import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeMemoryPressure } from '../../../src/rules/infra/node-memory-pressure.js';
import { container, deployment, ev, facts, match, node, pod, ruledOut, template } from './fixtures.js';

const MSG =
  'The node was low on resource: memory. Threshold quantity: 100Mi, available: 81924Ki. Container cache was using 3145728Ki, request is 256Mi, has larger consumption of memory. ';
const P = 'api-7c9d8f6b5d-x2k4q';

describe('node-memory-pressure', () => {
  test('FM-19: eviction + MemoryPressure + EvictionThresholdMet + SystemOOM + spec without limit', () => {
    const tmpl = template({ containers: [container({ name: 'cache', resources: { requests: { memory: '256Mi' } } })] });
    const n = node('node-a', {
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'True',
          reason: 'KubeletHasInsufficientMemory',
          lastTransitionTime: '2026-03-04T10:03:00Z',
        },
      ],
    });
    const f = facts(
      {
        pods: [pod(P, { node: 'node-a', phase: 'Failed', status: { reason: 'Evicted', message: MSG } })],
        nodes: [n],
        events: [
          ev({ reason: 'Evicted', object: P, message: MSG, host: 'node-a' }),
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'EvictionThresholdMet',
            message: 'Attempting to reclaim memory',
          }),
          ev({
            kind: 'Node',
            object: 'node-a',
            reason: 'SystemOOM',
            message: 'System OOM encountered, victim process: java, pid: 12345',
          }),
        ],
      },
      deployment({ template: tmpl }),
    );
    const m = match(nodeMemoryPressure, f);
    assert.equal(m.signals.length, 5);
    assert.match(
      m.summary,
      /ran low on memory \(threshold 100Mi, available 80Mi\).*Container cache was using 3Gi \(request 256Mi\)/,
    );
    assert.match(m.signals[4]?.text ?? '', /sets requests.memory 256Mi and no limits.memory/);
    assert.equal(m.fix, null);
    assert.deepEqual(m.explains, ['app-crash']);
  });

  test('red herring: MemoryPressure on a node that hosts none of the target pods', () => {
    const other = node('node-z', { conditions: [{ type: 'MemoryPressure', status: 'True' }] });
    const f = facts({ pods: [pod(P, { node: 'node-a' })], nodes: [node('node-a'), other] });
    assert.match(ruledOut(nodeMemoryPressure, f), /node-z reports MemoryPressure but hosts none of the target's pods/);
  });
});
