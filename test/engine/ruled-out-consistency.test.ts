/**
 * One verdict per cause id: an id listed as ruled out is never also an open (medium/high)
 * hypothesis, and the chosen cause is never listed as ruled out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCauseId } from '../../src/domain/causes.js';
import type { Evidence } from '../../src/domain/result.js';
import { conclude } from '../../src/engine/conclude.js';
import type { Rule, RuleMatch } from '../../src/rules/rule.js';
import { base, PODS } from '../rules/base.js';
import { at, crashing, ev } from '../rules/fixtures.js';

const sig = (n: number, tag: string): Evidence[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'status',
    ref: `production/Pod/${tag}${i}`,
    time: at('01:30'),
    text: `${tag} ${i}`,
  }));

const matchRule = (id: FailureCauseId, n: number, explains: RuleMatch['explains'] = []): Rule => ({
  id,
  evaluate: () => ({
    kind: 'match',
    summary: `${id} summary`,
    signals: sig(n, id),
    trigger: null,
    fix: null,
    advice: `${id} advice`,
    explains,
  }),
});

const ruledOutRule = (id: FailureCauseId): Rule => ({
  id,
  evaluate: () => ({ kind: 'ruled-out', reason: `${id} is not it` }),
});

const failing = () => {
  const f = base({ statuses: [crashing('app', { exitCode: 1 })] });
  f.events.push(
    ev({
      object: PODS[0]!,
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      first: at('01:30'),
    }),
  );
  return f;
};

function assertConsistent(r: ReturnType<typeof conclude>) {
  const out = new Set(r.ruledOut.map((x) => x.id));
  assert.ok(!out.has(r.rootCause.id), `the chosen cause ${r.rootCause.id} is listed as ruled out`);
  for (const h of r.hypotheses) {
    if (out.has(h.id)) assert.equal(h.confidence, 'low', `${h.id} is ruled out yet an open ${h.confidence} hypothesis`);
  }
}

describe('ruled-out ids are not open hypotheses', () => {
  test('a trigger with more signals than the cause that explains it is ruled out and carries no confidence', () => {
    // The mechanism (2 signals) names the rollout (4 signals) as its trigger, like readiness → bad-rollout.
    const r = conclude(failing(), [
      matchRule('readiness-probe-failing', 2, ['bad-rollout']),
      matchRule('bad-rollout', 4, ['app-crash']),
    ]);
    assert.equal(r.rootCause.id, 'readiness-probe-failing');
    assert.ok(
      r.ruledOut.some((x) => x.id === 'bad-rollout' && /^symptom\/trigger of readiness-probe-failing/.test(x.reason)),
    );
    const h = r.hypotheses.find((x) => x.id === 'bad-rollout');
    assert.deepEqual([h?.confidence, h?.signals], ['low', 4]);
    assertConsistent(r);
  });

  test('a symptom with 3 signals under a cause that explains it: low, not high', () => {
    const r = conclude(failing(), [
      matchRule('readiness-probe-failing', 3),
      matchRule('probe-timeout-slow-dependency', 2, ['readiness-probe-failing']),
    ]);
    assert.equal(r.rootCause.id, 'probe-timeout-slow-dependency');
    assert.equal(r.hypotheses.find((x) => x.id === 'readiness-probe-failing')?.confidence, 'low');
    assertConsistent(r);
  });

  test('a live competitor that is not explained stays open with its own confidence', () => {
    // Each is the other's live competitor: both medium, neither ruled out nor lowered.
    const r = conclude(failing(), [matchRule('app-crash', 3), matchRule('cpu-throttling', 3)]);
    assert.ok(!r.ruledOut.some((x) => x.id === 'cpu-throttling'));
    assert.equal(r.hypotheses.find((x) => x.id === 'cpu-throttling')?.confidence, 'medium');
    assertConsistent(r);
  });

  test('the chosen cause is never also listed as ruled out (conflicting outcomes for one id)', () => {
    const r = conclude(failing(), [matchRule('app-crash', 2), ruledOutRule('app-crash'), ruledOutRule('oom-killed')]);
    assert.equal(r.rootCause.id, 'app-crash');
    assert.deepEqual(
      r.ruledOut.map((x) => x.id),
      ['oom-killed'],
    );
    assertConsistent(r);
  });
});
