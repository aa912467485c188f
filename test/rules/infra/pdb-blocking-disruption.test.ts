import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pdbBlockingDisruption } from '../../../src/rules/infra/pdb-blocking-disruption.js';
import { ev, facts, match, node, pdb, pod, ruledOut, run } from './fixtures.js';

const P = 'api-7c9d8f6b5d-x2k4q';

describe('pdb-blocking-disruption', () => {
  test('FM-29: minAvailable 100% blocks a Karpenter drain; merge patch to maxUnavailable 1', () => {
    const f = facts({
      pods: [
        pod(P, { node: 'node-a' }),
        pod('api-7c9d8f6b5d-b7w9k', { node: 'node-b' }),
        pod('api-7c9d8f6b5d-c5m2p', { node: 'node-c' }),
      ],
      nodes: [node('node-a', { taints: [{ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' }] })],
      pdbs: [
        pdb(
          'api-pdb',
          { minAvailable: '100%', selector: { matchLabels: { app: 'api' } } },
          { disruptionsAllowed: 0, currentHealthy: 3, desiredHealthy: 3, expectedPods: 3 },
        ),
      ],
      events: [
        ev({
          kind: 'Node',
          object: 'node-a',
          reason: 'DisruptionBlocked',
          type: 'Normal',
          source: 'karpenter',
          count: 12,
          message: 'Pdb prevents pod evictions (PodDisruptionBudget=[shop/api-pdb])',
        }),
      ],
    });
    const m = match(pdbBlockingDisruption, f);
    assert.equal(m.signals.length, 4);
    assert.deepEqual(m.fix, {
      summary: 'let PDB api-pdb allow one pod to be evicted at a time (maxUnavailable: 1 instead of minAvailable 100%)',
      resource: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: 'shop', name: 'api-pdb' },
      patchType: 'merge',
      patch: { spec: { minAvailable: null, maxUnavailable: 1 } },
    });
    assert.match(m.trigger ?? '', /drain of node node-a/);
  });

  test('red herring: a PDB whose selector matches nothing (NoPods) never blocks', () => {
    const f = facts({
      pods: [pod(P, { node: 'node-a' })],
      nodes: [node('node-a', { unschedulable: true })],
      pdbs: [
        pdb(
          'web-pdb',
          { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
          { disruptionsAllowed: 0, expectedPods: 0 },
        ),
      ],
      events: [
        ev({
          kind: 'PodDisruptionBudget',
          object: 'web-pdb',
          reason: 'NoPods',
          type: 'Normal',
          source: 'controllermanager',
          message: 'No matching pods found',
        }),
      ],
    });
    assert.match(ruledOut(pdbBlockingDisruption, f), /web-pdb selects app=web, which matches no pods/);
  });

  test('a strict PDB with no drain going on is not an incident', () => {
    const f = facts({
      pods: [pod(P)],
      pdbs: [
        pdb('api-pdb', { maxUnavailable: 0, selector: { matchLabels: { app: 'api' } } }, { disruptionsAllowed: 0 }),
      ],
    });
    assert.equal(run(pdbBlockingDisruption, f), null);
  });
});
