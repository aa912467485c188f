/** `causa` CLI entry point: parse, dispatch, map failures to the contract's exit codes. */
import { InvestigationAbort } from '../engine/abort.js';
import { isKubeApiError } from '../kube/reader.js';
import { ScenarioError } from '../scenario/load.js';
import { parseCommand, USAGE, UsageError } from './args.js';

export const EXIT = { ok: 0, usage: 2, cluster: 3, notFound: 4, software: 70 } as const;

async function main(argv: string[]): Promise<number> {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`causa: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  try {
    switch (command.cmd) {
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      case 'version':
        process.stdout.write('causa 0.1.0\n');
        return EXIT.ok;
      case 'investigate':
      case 'snapshot':
        return await (await import('./investigate-command.js')).runInvestigate(command);
      case 'replay':
        return await (await import('./replay-command.js')).runReplay(command);
      case 'simulate':
        return await (await import('./simulate-command.js')).runSimulate(command);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`causa: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof InvestigationAbort) {
      const hint =
        err.suggestions.length > 0 ? `\nDid you mean:\n${err.suggestions.map((s) => `  ${s}`).join('\n')}` : '';
      process.stderr.write(`causa: ${err.message}${hint}\n`);
      return err.reason === 'not-found' ? EXIT.notFound : EXIT.cluster;
    }
    if (isKubeApiError(err)) {
      const call =
        err.verb === 'load' ? '' : ` (${err.verb} ${err.resource}${err.namespace ? ` in ${err.namespace}` : ''})`;
      const where = err.server ? ` [server ${err.server}]` : '';
      process.stderr.write(`causa: ${err.message}${call}${where}\n`);
      return EXIT.cluster;
    }
    if (err instanceof ScenarioError) {
      process.stderr.write(`causa: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`causa: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.software;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.env.CAUSA_BENCH_STATS)
      process.stderr.write(`CAUSA_BENCH_STATS ${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
  },
  (err) => {
    process.stderr.write(`causa: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = EXIT.software;
  },
);
