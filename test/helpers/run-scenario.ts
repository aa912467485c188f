/** Run a scenario file through the Kubernetes simulator and the real client-node, as `causa` would. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Facts } from '../../src/domain/facts.js';
import type { InvestigationResult } from '../../src/domain/result.js';
import { type InvestigateOptions, investigate } from '../../src/engine/investigate.js';
import { parseTargetRef } from '../../src/engine/kinds.js';
import { createClientNodeReader } from '../../src/kube/client-node-reader.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { startKubeSimulator } from '../../src/simulators/kube/index.js';

export interface ScenarioRun {
  result: InvestigationResult;
  facts: Facts;
  requests: { method: string; path: string; status: number }[];
}

export async function runScenario(
  scenario: Scenario,
  target?: { ref: string; namespace: string },
  extra: Partial<InvestigateOptions> = {},
): Promise<ScenarioRun> {
  const t = target ?? (scenario.expect ? { ref: scenario.expect.target, namespace: scenario.expect.namespace } : null);
  if (!t) throw new Error(`${scenario.name}: no target`);
  const parsed = parseTargetRef(t.ref);
  if (!parsed) throw new Error(`${scenario.name}: bad target ${t.ref}`);
  const sim = await startKubeSimulator({ scenario });
  const dir = mkdtempSync(join(tmpdir(), 'causa-test-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    const reader = await createClientNodeReader({ kubeconfig });
    const { result, facts } = await investigate({
      reader,
      request: {
        kind: parsed.kind,
        name: parsed.name,
        namespace: parsed.kind === 'Node' ? '' : t.namespace,
        context: reader.context,
      },
      ...extra,
    });
    return { result, facts, requests: [...sim.requests] };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
