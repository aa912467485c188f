import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../../src/domain/k8s.js';
import { nodeMemoryPressure } from '../../../src/rules/infra/node-memory-pressure.js';
import { schedulingConstraints } from '../../../src/rules/infra/scheduling-constraints.js';
import { container, deployment, ev, facts, match, node, pod, ruledOut, schedulerEv, T, template } from './fixtures.js';

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

  test('red herring: the target is OOMKilled by its own limit on healthy nodes (an old eviction elsewhere)', () => {
    const oom = pod(P, {
      node: 'node-a',
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
    const f = facts({
      pods: [oom],
      nodes: [node('node-a'), node('node-z', { conditions: [{ type: 'MemoryPressure', status: 'False' }] })],
      events: [
        ev({
          object: 'archiver-5f6d7-abcde',
          reason: 'Evicted',
          message: MSG,
          host: 'node-z',
          first: '2026-03-02T10:00:00Z',
          last: '2026-03-02T10:00:00Z',
        }),
      ],
    });
    assert.match(ruledOut(nodeMemoryPressure, f), /OOMKilled by its own memory limit .* report no MemoryPressure/);
  });

  test('red herring: MemoryPressure on a node that hosts none of the target pods', () => {
    const other = node('node-z', { conditions: [{ type: 'MemoryPressure', status: 'True' }] });
    const f = facts({ pods: [pod(P, { node: 'node-a' })], nodes: [node('node-a'), other] });
    assert.match(ruledOut(nodeMemoryPressure, f), /node-z reports MemoryPressure but hosts none of the target's pods/);
  });

  describe('the victim is the target, the consumer is another workload on the node', () => {
    const VICTIM_MSG =
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 81920Ki. Container api was using 398104Ki, request is 0, has larger consumption of memory. ';
    const PENDING = 'api-7c9d8f6b5d-p9q8r';
    const resident = (name: string, ns: string, owner: { kind: string; name: string }, res: Record<string, unknown>) =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: ns,
          ownerReferences: [{ kind: owner.kind, name: owner.name, controller: true }],
          ...(owner.kind === 'ReplicaSet' ? { labels: { 'pod-template-hash': owner.name.split('-').pop() } } : {}),
        },
        spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'x', resources: res }] },
        status: { phase: 'Running' },
      }) as Pod;
    const scenario = (extraResidents: Pod[] = []) => {
      const tmpl = template({
        containers: [container({ resources: {} })],
        nodeSelector: { 'disk.example.com/nvme': 'true' },
      });
      const n = node('node-a', {
        labels: { 'disk.example.com/nvme': 'true' },
        conditions: [
          {
            type: 'MemoryPressure',
            status: 'True',
            reason: 'KubeletHasInsufficientMemory',
            lastTransitionTime: T('10:10:00'),
          },
        ],
        taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }],
        residents: [
          pod(P, { node: 'node-a', phase: 'Failed', status: { reason: 'Evicted', message: VICTIM_MSG } }),
          resident('indexer-0', 'search', { kind: 'StatefulSet', name: 'indexer' }, { requests: { memory: '1Gi' } }),
          resident(
            'node-exporter-x1',
            'monitoring',
            { kind: 'DaemonSet', name: 'node-exporter' },
            {
              requests: { memory: '128Mi' },
            },
          ),
          resident(
            'web-5d9c8-abcde',
            'web',
            { kind: 'ReplicaSet', name: 'web-5d9c8' },
            {
              requests: { memory: '512Mi' },
              limits: { memory: '512Mi' },
            },
          ),
          ...extraResidents,
        ],
      });
      return facts(
        {
          pods: [
            pod(P, { node: 'node-a', phase: 'Failed', status: { reason: 'Evicted', message: VICTIM_MSG } }),
            pod(PENDING, { node: null }),
          ],
          nodes: [n],
          events: [
            ev({ reason: 'Evicted', object: P, message: VICTIM_MSG, host: 'node-a', last: T('10:10:01') }),
            ev({
              kind: 'Node',
              object: 'node-a',
              reason: 'EvictionThresholdMet',
              message: 'Attempting to reclaim memory',
            }),
            schedulerEv(
              PENDING,
              "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            ),
          ],
        },
        deployment({ template: tmpl }),
      );
    };

    test('names the unbounded consumer as the trigger and caps it at what the node has left', () => {
      const m = match(nodeMemoryPressure, scenario());
      assert.match(
        m.trigger ?? '',
        /^node node-a under MemoryPressure at .* \(unbounded consumer search\/indexer-0, StatefulSet indexer, no memory limit\)$/,
      );
      assert.match(m.summary, /likely consumer is search\/indexer-0 \(StatefulSet indexer\)/);
      assert.deepEqual(m.fix?.resource, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        namespace: 'search',
        name: 'indexer',
      });
      // 14873756Ki allocatable − (128Mi + 512Mi requested + 389Mi the victim used) − 100Mi threshold ≈ 13.1Gi → 13Gi.
      assert.deepEqual(m.fix?.patch, {
        spec: { template: { spec: { containers: [{ name: 'main', resources: { limits: { memory: '13Gi' } } }] } } },
      });
      assert.ok(m.explains.includes('scheduling-constraints'));
    });

    test('the pending replacement is kept off by the pressure taint, not by its nodeSelector', () => {
      assert.match(
        ruledOut(schedulingConstraints, scenario()),
        /matches 1 node \(node-a\), kept off by .*memory-pressure.*a node condition/,
      );
    });

    test('two unbounded Burstable workloads on the node: no culprit named, no fix', () => {
      const m = match(
        nodeMemoryPressure,
        scenario([
          resident('cache-0', 'cache', { kind: 'StatefulSet', name: 'cache' }, { requests: { memory: '2Gi' } }),
        ]),
      );
      assert.equal(m.fix, null);
      assert.doesNotMatch(m.trigger ?? '', /consumer/);
    });
  });
});
