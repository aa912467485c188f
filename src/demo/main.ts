/**
 * `npm run demo`: no cluster, no tokens. Serves the seed incident from the Kubernetes API
 * simulator and investigates it through the real client, exactly as `causa investigate` would.
 * Usage: npm run demo [-- SCENARIO]   (a name from scenarios/ or a file)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioPath } from '../cli/simulate-command.js';
import { investigate } from '../engine/investigate.js';
import { parseTargetRef } from '../engine/kinds.js';
import { createClientNodeReader } from '../kube/client-node-reader.js';
import { renderProgress, renderText } from '../render/text.js';
import { loadScenario } from '../scenario/load.js';
import { startKubeSimulator } from '../simulators/kube/index.js';

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'seed-payments-redis-spot';
  const scenario = loadScenario(scenarioPath(name));
  const where =
    scenario.investigate ??
    (scenario.expect && { target: scenario.expect.target, namespace: scenario.expect.namespace });
  const target = where ? parseTargetRef(where.target) : null;
  if (!where || !target) throw new Error(`${name} names no target`);
  const sim = await startKubeSimulator({ scenario, latencyMs: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'causa-demo-'));
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    process.stdout.write(
      `Causa demo: scenario "${scenario.name}" served as a Kubernetes API at ${sim.url}\n` +
        `${scenario.description}\n\n$ causa investigate ${where.target} -n ${where.namespace}\n\n`,
    );
    const reader = await createClientNodeReader({ kubeconfig });
    const { result } = await investigate({
      reader,
      request: { kind: target.kind, name: target.name, namespace: where.namespace, context: reader.context },
      onProgress: (ev) => {
        if (ev.type === 'step-done') process.stdout.write(`${renderProgress(ev.report, { color })}\n`);
      },
    });
    process.stdout.write(`\n${renderText(result, { color })}\n`);
    process.stdout.write(
      `\nTry the CLI yourself: npx causa simulate --scenario ${scenario.name} > /tmp/kubeconfig, then\n` +
        `  KUBECONFIG=/tmp/kubeconfig npx causa investigate ${where.target} -n ${where.namespace} --output json\n`,
    );
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
