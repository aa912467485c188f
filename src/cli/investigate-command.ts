import { writeFileSync } from 'node:fs';
import { investigate } from '../engine/investigate.js';
import { createClientNodeReader } from '../kube/client-node-reader.js';
import type { Command } from './args.js';
import { printResult, progressPrinter } from './output.js';
import { SnapshotRecorder } from './snapshot.js';

type InvestigateCommand = Extract<Command, { cmd: 'investigate' | 'snapshot' }>;

export async function runInvestigate(c: InvestigateCommand): Promise<number> {
  const reader = await createClientNodeReader({
    ...(c.kubeconfig ? { kubeconfig: c.kubeconfig } : {}),
    ...(c.context ? { context: c.context } : {}),
  });
  const namespace = c.kind === 'Node' ? '' : (c.namespace ?? reader.defaultNamespace);
  const recorder = c.cmd === 'snapshot' ? new SnapshotRecorder() : undefined;
  const { result } = await investigate({
    reader,
    request: { kind: c.kind, name: c.name, namespace, context: reader.context },
    sinceMs: c.sinceMs,
    onProgress: await progressPrinter(c.quiet),
    ...(recorder ? { recorder } : {}),
  });
  if (recorder && c.file) {
    writeFileSync(
      c.file,
      recorder.toYaml({
        target: `${c.kind.toLowerCase()}/${c.name}`,
        namespace,
        context: reader.context ?? 'snapshot',
        summary: `${result.rootCause.id}: ${result.rootCause.summary}`,
      }),
    );
    process.stderr.write(`causa: snapshot written to ${c.file} (${recorder.size} objects)\n`);
  }
  await printResult(result, c.output);
  return 0;
}
