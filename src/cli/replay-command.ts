import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { investigate } from '../engine/investigate.js';
import { parseTargetRef } from '../engine/kinds.js';
import { createClientNodeReader } from '../kube/client-node-reader.js';
import { loadScenario } from '../scenario/load.js';
import { type Command, UsageError } from './args.js';
import { printResult, progressPrinter } from './output.js';

type ReplayCommand = Extract<Command, { cmd: 'replay' }>;

export async function runReplay(c: ReplayCommand): Promise<number> {
  const scenario = loadScenario(c.file);
  const fallback =
    scenario.investigate ??
    (scenario.expect ? { target: scenario.expect.target, namespace: scenario.expect.namespace } : null);
  const target = c.target ?? (fallback ? parseTargetRef(fallback.target) : null);
  if (!target) throw new UsageError(`${c.file} names no target: pass <kind>/<name> -n NAMESPACE`);
  const namespace = c.namespace ?? fallback?.namespace ?? 'default';
  const { startKubeSimulator } = await import('../simulators/kube/index.js');
  const sim = await startKubeSimulator({ scenario });
  const dir = mkdtempSync(join(tmpdir(), 'causa-replay-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    const reader = await createClientNodeReader({ kubeconfig });
    const { result } = await investigate({
      reader,
      request: {
        kind: target.kind,
        name: target.name,
        namespace: target.kind === 'Node' ? '' : namespace,
        context: reader.context,
      },
      onProgress: await progressPrinter(c.quiet),
    });
    await printResult(result, c.output);
    return 0;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
