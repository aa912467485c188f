import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectlPatchCommand, shellQuote } from '../../src/render/fix.js';
import { confidenceLabel, formatClock, formatDateTime, parseTime, truncate } from '../../src/render/format.js';
import { renderProgress, renderText, terminalSafe } from '../../src/render/text.js';
import { hugeResult, seedResult, unknownResult } from './fixtures.js';
import { goldenText } from './golden.js';

describe('renderText', () => {
  it('renders the seed answer in the postmortem layout', () => {
    const text = renderText(seedResult);
    goldenText('text-seed.txt', text);
    for (const heading of ['ROOT CAUSE:', 'EVIDENCE:', 'FIX:', 'CONFIDENCE: High (4 corroborating signals)']) {
      assert.ok(text.includes(heading), heading);
    }
    assert.ok(text.startsWith('ROOT CAUSE: Liveness probe timeout (2s)'));
    assert.ok(text.includes('\n  Trigger: spot node ip-10-0-1-5 recycled at 01:47 UTC (redis-cache-0 restarted)\n'));
    assert.ok(
      text.includes(
        '  • 01:47 UTC Node ip-10-0-1-5 recycled at 01:47 UTC (2 min before crash loop start)  (default/Node/ip-10-0-1-5)',
      ),
    );
    assert.ok(
      text.includes(
        `kubectl --context prod -n production patch deployment/payments-service --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"payments","livenessProbe":{"timeoutSeconds":10,"initialDelaySeconds":15}}]}}}}'`,
      ),
    );
    assert.ok(text.includes('            timeoutSeconds: 10\n'));
    assert.ok(text.includes('RULED OUT:\n  • bad-rollout — last rollout 6h before the first failure'));
    // Other hypotheses: neither the root cause nor the ruled-out ones.
    const others = text.slice(text.indexOf('OTHER HYPOTHESES:'), text.indexOf('TIMELINE:'));
    assert.ok(others.includes('app-crash (low, 1 signal)'));
    assert.ok(!others.includes('bad-rollout') && !others.includes('probe-timeout-slow-dependency'));
    // Timeline in time order, with seconds; the rollout of the day before carries its date.
    const timeline = text.slice(text.indexOf('TIMELINE:'), text.indexOf('STEPS:'));
    const times = [...timeline.matchAll(/ {2}((?:\d{4}-\d\d-\d\d \d\d:\d\d)|\d\d:\d\d:\d\d) UTC/g)].map((m) => m[1]);
    assert.deepEqual(times, ['2026-04-25 19:52', '01:44:30', '01:47:05', '01:47:41', '01:49:12', '01:51:02']);
    assert.ok(text.includes('STEPS: resolve-target ok 12ms 2 calls · pod-events ok 31ms 3 calls · '));
    assert.ok(text.endsWith('\n  13 API calls in 143 ms'), 'no trailing newline');
    assert.ok(!text.includes('\x1b'));
  });

  it('renders an unknown answer: no fix, advice, forbidden step', () => {
    const text = renderText(unknownResult);
    goldenText('text-unknown.txt', text);
    assert.ok(text.includes('FIX: none automatic — Check the broker logs'));
    assert.ok(text.includes('CONFIDENCE: Low (no corroborating signals)'));
    assert.ok(!text.includes('Trigger:'));
    assert.ok(!text.includes('kubectl'));
    assert.ok(!text.includes('RULED OUT:'));
    assert.ok(text.includes('  • kafka-2 restarted 3 times'), 'evidence without time has no time');
    assert.ok(text.includes('  • 01:10 UTC WARN [Broker id=2]'), 'offset times are shown in UTC');
    assert.ok(text.includes('\n  ✗ node-events error: events is forbidden: '));
    assert.ok(text.includes('; missing RBAC: list events in kube-system'));
    assert.ok(text.includes('rollout-history skipped 0ms 0 calls'));
  });

  it('colours headings and confidence only when asked', () => {
    const text = renderText(seedResult, { color: true });
    goldenText('text-seed-color.txt', text);
    assert.ok(text.includes('\x1b[1mROOT CAUSE:\x1b[22m'));
    assert.ok(text.includes('\x1b[32mHigh (4 corroborating signals)\x1b[39m'));
    assert.ok(renderText(unknownResult, { color: true }).includes('\x1b[31mLow (no corroborating signals)\x1b[39m'));
  });

  it('keeps huge and hostile results terminal-safe', () => {
    const text = renderText(hugeResult);
    goldenText('text-huge.txt', text);
    assert.ok(!text.includes('\x1b'), 'no raw ESC from cluster text');
    assert.ok(text.includes('\\x1b[31mred'));
    assert.ok(text.includes(`--type=json -p '[{"op":"replace"`));
    assert.ok(text.includes(`<& it'\\''s>`), 'single quotes are shell-escaped');
    assert.ok(text.includes('  ✗ step-3 error: boom 3 second line; missing RBAC: get pods in shop-3'));
    const evidence = text.slice(text.indexOf('EVIDENCE:'), text.indexOf('\nFIX:'));
    assert.equal(evidence.match(/^ {2}• /gm)?.length, 200, 'the CLI shows every evidence item');
    assert.equal(evidence.match(/\(shop\/Pod\/checkout-[\w-]+\)$/gm)?.length, 200);
  });
});

describe('renderProgress', () => {
  it('renders one line per step state', () => {
    assert.equal(
      renderProgress({ name: 'pod-events', status: 'running', durationMs: 0, apiCalls: 0 }),
      '… pod-events …',
    );
    assert.equal(
      renderProgress({ name: 'pod-events', status: 'ok', durationMs: 31.4, apiCalls: 3 }),
      '✓ pod-events ok 31ms 3 calls',
    );
    assert.equal(
      renderProgress({ name: 'logs', status: 'empty', durationMs: 4, apiCalls: 1 }),
      '· logs empty 4ms 1 call',
    );
    assert.equal(
      renderProgress({
        name: 'node-events',
        status: 'error',
        durationMs: 6,
        apiCalls: 1,
        error: 'forbidden\nlist events',
      }),
      '✗ node-events error 6ms 1 call: forbidden list events',
    );
    assert.equal(
      renderProgress({ name: 'x', status: 'error', durationMs: 1, apiCalls: 0, error: null }, { color: true }),
      '\x1b[31m✗ x error 1ms 0 calls\x1b[39m',
    );
    assert.ok(!renderProgress({ name: 'a', status: 'ok', durationMs: 1, apiCalls: 1 }).includes('\n'));
  });
});

describe('formatting helpers', () => {
  it('formats RFC 3339 times in UTC, and only those', () => {
    assert.equal(formatClock('2026-04-26T01:47:05Z'), '01:47 UTC');
    assert.equal(formatClock('2026-04-26T03:47:05.123+02:00', { seconds: true }), '01:47:05 UTC');
    assert.equal(formatClock(null), null);
    assert.equal(formatClock('yesterday'), 'yesterday');
    assert.equal(parseTime('2026-04-26 01:47'), null, 'no offset: would be local time');
    assert.equal(formatDateTime('2026-04-25T19:52:00Z'), '2026-04-25 19:52 UTC');
  });

  it('labels confidence', () => {
    assert.equal(confidenceLabel('high', 4), 'High (4 corroborating signals)');
    assert.equal(confidenceLabel('medium', 1), 'Medium (1 corroborating signal)');
    assert.equal(confidenceLabel('low', 0), 'Low (no corroborating signals)');
  });

  it('truncates without splitting surrogate pairs', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('ab😀cd', 4), 'ab…');
    assert.equal(truncate('abc', 3), 'abc');
  });

  it('quotes shell words and names the context', () => {
    assert.equal(shellQuote(`it's`), `'it'\\''s'`);
    const fix = seedResult.rootCause.fix;
    assert.ok(fix);
    assert.ok(kubectlPatchCommand(fix, null).startsWith('kubectl -n production patch deployment/payments-service '));
    assert.ok(kubectlPatchCommand(fix, 'my ctx').startsWith(`kubectl --context 'my ctx' -n production`));
  });

  it('shows control characters instead of emitting them', () => {
    assert.equal(terminalSafe('a\x1b[2Jb\r\n\tc\x07'), 'a\\x1b[2Jb\n  c\\x07');
  });
});
