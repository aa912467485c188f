/** The seed incident's Deployment and the fix the engine proposes for it, for the fix executor tests. */
import { join } from 'node:path';
import type { KubeObject } from '../../src/domain/k8s.js';
import type { Fix } from '../../src/domain/result.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { SCENARIOS } from '../helpers/paths.js';

export function seedScenario(): Scenario {
  return loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml'));
}

export function seedDeployment(): KubeObject {
  const d = seedScenario().objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'payments-service');
  if (!d) throw new Error('seed Deployment missing');
  return structuredClone(d) as KubeObject;
}

export const SEED_FIX: Fix = {
  summary: 'raise livenessProbe.timeoutSeconds 2→10 and initialDelaySeconds 0→15 on container payments',
  resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'production', name: 'payments-service' },
  patchType: 'strategic',
  patch: {
    spec: {
      template: {
        spec: { containers: [{ name: 'payments', livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 } }] },
      },
    },
  },
};
