import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock, memoryStore, seedInvestigation, T0 } from './helpers.js';

test('a vote round-trips; a second vote by the same user replaces the first', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = seedInvestigation(store);
  const first = store.feedback.record({ investigationId: inv, userId: 'U1', verdict: 'wrong', comment: 'it was DNS' });
  assert.equal(first.replaced, false);
  assert.deepEqual(first.feedback, {
    investigationId: inv,
    userId: 'U1',
    verdict: 'wrong',
    comment: 'it was DNS',
    createdAt: T0.toISOString(),
  });
  clock.advance(1000);
  const second = store.feedback.record({ investigationId: inv, userId: 'U1', verdict: 'correct' });
  assert.equal(second.replaced, true);
  assert.deepEqual(store.feedback.get(inv, 'U1'), {
    investigationId: inv,
    userId: 'U1',
    verdict: 'correct',
    comment: null,
    createdAt: '2026-04-26T01:49:01.000Z',
  });
  store.feedback.record({ investigationId: inv, userId: 'U2', verdict: 'wrong' });
  assert.deepEqual(store.feedback.tally(inv), { correct: 1, wrong: 1 });
  assert.deepEqual(
    store.feedback.listForInvestigation(inv).map((f) => [f.userId, f.verdict]),
    [
      ['U1', 'correct'],
      ['U2', 'wrong'],
    ],
  );
  assert.deepEqual(store.feedback.tally('inv_other'), { correct: 0, wrong: 0 });
  assert.equal(store.feedback.get(inv, 'U3'), null);
});

test('verdicts other than correct/wrong are refused by the schema', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  assert.throws(
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
    () => store.feedback.record({ investigationId: inv, userId: 'U1', verdict: 'meh' as any }),
    /CHECK constraint failed/,
  );
});
