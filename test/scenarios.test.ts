/**
 * Every scenario through the Kubernetes simulator and the real client-node: the expected cause,
 * confidence bounds, trigger, fix target and ruled-out ids. Prints an accuracy table.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { InvestigationResult } from '../src/domain/result.js';
import { loadScenario } from '../src/scenario/load.js';
import { SCENARIOS } from './helpers/paths.js';
import { runScenario } from './helpers/run-scenario.js';

const RANK = { low: 0, medium: 1, high: 2 } as const;
const files = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const rows: {
  file: string;
  expected: string;
  got: string;
  confidence: string;
  signals: number;
  calls: number;
  ok: boolean;
  problem: string;
}[] = [];

describe('scenarios', () => {
  for (const file of files) {
    const scenario = loadScenario(`${SCENARIOS}/${file}`);
    const expect = scenario.expect;
    if (!expect) continue;
    test(`${file} → ${expect.cause}`, async () => {
      let result: InvestigationResult | undefined;
      let problem = '';
      try {
        ({ result } = await runScenario(scenario));
        const rc = result.rootCause;
        assert.equal(rc.id, expect.cause, `cause: ${rc.summary}`);
        if (expect.confidence)
          assert.ok(
            RANK[rc.confidence] >= RANK[expect.confidence],
            `confidence ${rc.confidence} < ${expect.confidence}`,
          );
        if (expect.maxConfidence)
          assert.ok(
            RANK[rc.confidence] <= RANK[expect.maxConfidence],
            `confidence ${rc.confidence} > ${expect.maxConfidence}`,
          );
        for (const s of expect.trigger ?? [])
          assert.ok(rc.trigger?.includes(s), `trigger "${rc.trigger}" lacks "${s}"`);
        if (expect.fix === null) assert.equal(rc.fix, null, 'expected no automatic fix');
        else if (expect.fix) {
          assert.ok(rc.fix, 'expected a fix');
          assert.equal(rc.fix.resource.kind, expect.fix.kind);
          assert.equal(rc.fix.resource.name, expect.fix.name);
        }
        for (const id of expect.ruledOut ?? [])
          assert.ok(
            result.ruledOut.some((r) => r.id === id),
            `${id} not ruled out (ruledOut: ${result.ruledOut.map((r) => r.id).join(', ')})`,
          );
        assert.ok(rc.confidence !== 'high' || rc.signals >= 3, 'high confidence needs ≥3 signals');
      } catch (err) {
        problem = (err as Error).message.split('\n')[0] ?? 'failed';
        throw err;
      } finally {
        rows.push({
          file,
          expected: expect.cause,
          got: result?.rootCause.id ?? 'error',
          confidence: result?.rootCause.confidence ?? '-',
          signals: result?.rootCause.signals ?? 0,
          calls: result?.stats.apiCalls ?? 0,
          ok: problem === '',
          problem,
        });
      }
    });
  }
  after(() => {
    const right = rows.filter((r) => r.expected === r.got).length;
    const passed = rows.filter((r) => r.ok).length;
    const wrongHigh = rows.filter((r) => r.expected !== r.got && r.confidence === 'high').length;
    const w = Math.max(...rows.map((r) => r.file.length), 10);
    const lines = rows.map(
      (r) =>
        `${r.ok ? '✔' : '✘'} ${r.file.padEnd(w)}  ${r.expected.padEnd(30)} ${r.got.padEnd(30)} ${r.confidence.padEnd(6)} ${String(r.signals).padStart(2)} sig ${String(r.calls).padStart(3)} calls${r.problem ? `  ← ${r.problem}` : ''}`,
    );
    process.stdout.write(
      `\nScenario accuracy: ${right}/${rows.length} causes correct, ${passed}/${rows.length} meet every expectation, ${wrongHigh} wrong at high confidence\n${lines.join('\n')}\n\n`,
    );
  });
});
