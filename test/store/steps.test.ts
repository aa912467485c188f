import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock, memoryStore, seedInvestigation } from './helpers.js';

test('start → finish → markPosted round-trip', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = seedInvestigation(store);
  assert.equal(store.steps.start(inv, 'pod-events'), true);
  assert.deepEqual(store.steps.get(inv, 'pod-events'), {
    investigationId: inv,
    step: 'pod-events',
    status: 'running',
    startedAt: '2026-04-26T01:49:00.000Z',
    finishedAt: null,
    durationMs: null,
    apiCalls: 0,
    error: null,
    postedTs: null,
    posting: false,
  });
  clock.advance(250);
  store.steps.finish(inv, 'pod-events', { status: 'ok', durationMs: 249.6, apiCalls: 3 });
  assert.equal(store.steps.markPosted(inv, 'pod-events', '1714096140.000200'), true);
  assert.deepEqual(store.steps.get(inv, 'pod-events'), {
    investigationId: inv,
    step: 'pod-events',
    status: 'ok',
    startedAt: '2026-04-26T01:49:00.000Z',
    finishedAt: '2026-04-26T01:49:00.250Z',
    durationMs: 250,
    apiCalls: 3,
    error: null,
    postedTs: '1714096140.000200',
    posting: false,
  });
});

test('a restarted investigation never posts a step twice', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  store.steps.start(inv, 'logs');
  store.steps.finish(inv, 'logs', { status: 'ok', durationMs: 10, apiCalls: 1 });
  assert.equal(store.steps.markPosted(inv, 'logs', '1.1'), true);
  // After a restart the runner resumes: start reports the row exists; posting again is refused.
  assert.equal(store.steps.start(inv, 'logs'), false);
  assert.equal(store.steps.markPosted(inv, 'logs', '1.2'), false);
  assert.equal(store.steps.get(inv, 'logs')?.postedTs, '1.1');
  // Re-recording the outcome keeps the posted ts.
  store.steps.finish(inv, 'logs', { status: 'ok', durationMs: 11, apiCalls: 1 });
  assert.equal(store.steps.get(inv, 'logs')?.postedTs, '1.1');
  // The table itself refuses a duplicate (investigation, step).
  assert.throws(
    () =>
      store.db
        .prepare("INSERT INTO step_runs (investigation_id, step, status, started_at) VALUES (?, 'logs', 'ok', 'x')")
        .run(inv),
    /UNIQUE constraint failed/,
  );
});

test('a reply is claimed before it is sent: a crash in between leaves the claim, never a second send', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  store.steps.start(inv, 'nodes');
  assert.equal(store.steps.markPosting(inv, 'nodes'), true);
  assert.equal(store.steps.markPosting(inv, 'nodes'), false, 'claimed once');
  // The process stops here (the message may or may not be in Slack).
  assert.deepEqual(
    { posting: store.steps.get(inv, 'nodes')?.posting, postedTs: store.steps.get(inv, 'nodes')?.postedTs },
    { posting: true, postedTs: null },
  );
  assert.equal(store.steps.markPosted(inv, 'nodes', '2.1'), true, 'the claimant records the ts');
  assert.deepEqual(
    { posting: store.steps.get(inv, 'nodes')?.posting, postedTs: store.steps.get(inv, 'nodes')?.postedTs },
    { posting: false, postedTs: '2.1' },
  );
  assert.equal(store.steps.markPosting(inv, 'nodes'), false, 'posted steps cannot be claimed');
});

test('finish without start inserts; errors are kept; list is in start order', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = seedInvestigation(store);
  store.steps.start(inv, 'resolve-target');
  clock.advance(100);
  store.steps.finish(inv, 'nodes', {
    status: 'error',
    durationMs: 50,
    apiCalls: 1,
    error: 'forbidden: list nodes',
  });
  store.steps.finish(inv, 'resolve-target', { status: 'ok', durationMs: 100, apiCalls: 2 });
  const list = store.steps.list(inv);
  assert.deepEqual(
    list.map((s) => [s.step, s.status, s.error]),
    [
      ['resolve-target', 'ok', null],
      ['nodes', 'error', 'forbidden: list nodes'],
    ],
  );
  assert.equal(store.steps.markPosted(inv, 'never-ran', '9.9'), false);
  assert.equal(store.steps.get(inv, 'never-ran'), null);
});
