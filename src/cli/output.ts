import type { InvestigationResult } from '../domain/result.js';
import type { ProgressEvent } from '../engine/investigate.js';
import type { OutputFormat } from './args.js';

export async function printResult(result: InvestigationResult, output: OutputFormat): Promise<void> {
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (output === 'blocks') {
    const { renderRootCause } = await import('../slack/blocks/index.js');
    const { blocks, text } = renderRootCause(result, { actionValue: 'cli-preview', allowApplyFix: true });
    process.stdout.write(`${JSON.stringify({ text, blocks }, null, 2)}\n`);
  } else {
    const { renderText } = await import('../render/text.js');
    process.stdout.write(`${renderText(result, { color: process.stdout.isTTY === true && !process.env.NO_COLOR })}\n`);
  }
}

export async function progressPrinter(quiet: boolean): Promise<(ev: ProgressEvent) => void> {
  if (quiet) return () => {};
  const { renderProgress } = await import('../render/text.js');
  const color = process.stderr.isTTY === true && !process.env.NO_COLOR;
  return (ev) => {
    if (ev.type === 'step-done') process.stderr.write(`${renderProgress(ev.report, { color })}\n`);
  };
}
