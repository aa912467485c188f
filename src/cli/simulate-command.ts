import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../scenario/load.js';
import type { Command } from './args.js';

type SimulateCommand = Extract<Command, { cmd: 'simulate' }>;

export function scenarioPath(nameOrFile: string): string {
  if (existsSync(nameOrFile)) return nameOrFile;
  const bundled = fileURLToPath(
    new URL(`../../../scenarios/${nameOrFile.replace(/\.ya?ml$/, '')}.yaml`, import.meta.url),
  );
  return existsSync(bundled) ? bundled : nameOrFile;
}

export async function runSimulate(c: SimulateCommand): Promise<number> {
  const scenario = loadScenario(scenarioPath(c.scenario));
  const { startKubeSimulator } = await import('../simulators/kube/index.js');
  const sim = await startKubeSimulator({ scenario, port: c.port, latencyMs: c.latencyMs, tls: true });
  process.stdout.write(sim.kubeconfig());
  process.stderr.write(
    `causa: serving scenario "${scenario.name}" as a Kubernetes API at ${sim.url} (Ctrl-C to stop)\n` +
      `  save the kubeconfig above, then: KUBECONFIG=<file> causa investigate ${scenario.expect?.target ?? scenario.investigate?.target ?? '<kind>/<name>'} -n ${scenario.expect?.namespace ?? scenario.investigate?.namespace ?? 'default'}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}
