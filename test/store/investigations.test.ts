import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStoredDataError } from '../../src/store/errors.js';
import { FIX, fakeClock, memoryStore, sampleFacts, sampleResult, seedInvestigation, T0, TARGET } from './helpers.js';

test('create → get round-trips a running investigation with a short opaque id', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = store.investigations.create({
    target: TARGET,
    trigger: 'slash',
    requestedBy: 'U0ONCALL1',
    thread: { channel: 'C0INCIDENTS', parentTs: '1714096140.000100' },
  });
  assert.match(inv.id, /^inv_[a-z2-7]{26}$/);
  assert.ok(inv.id.length <= 32);
  assert.deepEqual(inv, {
    id: inv.id,
    target: TARGET,
    trigger: 'slash',
    requestedBy: 'U0ONCALL1',
    status: 'running',
    incidentId: null,
    rerunOf: null,
    slackChannel: 'C0INCIDENTS',
    parentTs: '1714096140.000100',
    threadTs: '1714096140.000100',
    rootTs: null,
    result: null,
    notes: null,
    startedAt: T0.toISOString(),
    finishedAt: null,
    error: null,
  });
  assert.deepEqual(store.investigations.get(inv.id), inv);
  assert.equal(store.investigations.get('inv_nope'), null);
  assert.equal(store.investigations.getFacts(inv.id), null);
});

test('ids are unique', (t) => {
  const store = memoryStore(t);
  const ids = new Set(Array.from({ length: 200 }, () => seedInvestigation(store)));
  assert.equal(ids.size, 200);
});

test('thread, root message, completion with result, facts and notes', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const id = seedInvestigation(store);
  assert.equal(store.investigations.setThread(id, { channel: 'C1', parentTs: '100.1' }), true);
  clock.advance(4_000);
  const notes = { 'pod-events': [{ time: '2026-04-26T01:49:00Z', text: 'BackOff ×12', ref: 'production/Pod/p-1' }] };
  assert.equal(store.investigations.complete(id, { result: sampleResult(), facts: sampleFacts(), notes }), true);
  assert.equal(store.investigations.setRootTs(id, '100.9'), true);

  const row = store.investigations.get(id)!;
  assert.equal(row.status, 'done');
  assert.equal(row.threadTs, '100.1');
  assert.equal(row.rootTs, '100.9');
  assert.deepEqual(row.result, sampleResult());
  assert.deepEqual(row.notes, notes);
  assert.equal(row.finishedAt, '2026-04-26T01:49:04.000Z');
  assert.deepEqual(store.investigations.getFacts(id), sampleFacts());
  assert.equal(row.result?.rootCause.fix?.summary, FIX.summary);

  // Finished is final: a second completion or a failure does nothing.
  assert.equal(store.investigations.complete(id, { result: sampleResult(), facts: sampleFacts(), notes }), false);
  assert.equal(store.investigations.fail(id, { error: 'late' }), false);
  assert.equal(store.investigations.get(id)?.status, 'done');
});

test('complete refuses a result that does not match InvestigationResultSchema', (t) => {
  const store = memoryStore(t);
  const id = seedInvestigation(store);
  const bad = { ...sampleResult(), rootCause: { ...sampleResult().rootCause, confidence: 'certain' } };
  // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
  assert.throws(() => store.investigations.complete(id, { result: bad as any, facts: sampleFacts(), notes: {} }));
  assert.equal(store.investigations.get(id)?.status, 'running');
});

test('a stored result that no longer validates is reported, naming row and column', (t) => {
  const store = memoryStore(t);
  const id = seedInvestigation(store);
  store.investigations.complete(id, { result: sampleResult(), facts: sampleFacts(), notes: {} });
  store.db
    .prepare("UPDATE investigations SET result_json = json_set(result_json, '$.rootCause.id', 'made-up') WHERE id = ?")
    .run(id);
  assert.throws(
    () => store.investigations.get(id),
    (err: unknown) => isStoredDataError(err) && err.message.includes(id) && err.message.includes('result_json'),
  );
  store.db.prepare('UPDATE investigations SET facts_json = \'{"now": 1}\' WHERE id = ?').run(id);
  assert.throws(() => store.investigations.getFacts(id), /facts_json is invalid/);
});

test('fail keeps partial facts and notes', (t) => {
  const store = memoryStore(t);
  const id = seedInvestigation(store);
  assert.equal(store.investigations.fail(id, { error: 'cluster unreachable', facts: sampleFacts() }), true);
  const row = store.investigations.get(id)!;
  assert.equal(row.status, 'failed');
  assert.equal(row.error, 'cluster unreachable');
  assert.equal(row.result, null);
  assert.ok(row.finishedAt !== null);
  assert.equal(store.investigations.getFacts(id)?.events.length, 1);
});

test('lists: unfinished (for restart), per incident, recent', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.incidents.upsert({ id: 'PINC1', title: 'payments down' });
  const a = seedInvestigation(store, { incidentId: 'PINC1' });
  clock.advance(1000);
  const b = store.investigations.create({
    target: TARGET,
    trigger: 'rerun',
    requestedBy: 'U2',
    rerunOf: a,
    incidentId: 'PINC1',
  }).id;
  clock.advance(1000);
  const c = seedInvestigation(store);
  store.investigations.fail(a, { error: 'x' });
  assert.deepEqual(
    store.investigations.listUnfinished().map((r) => r.id),
    [b, c],
  );
  assert.deepEqual(
    store.investigations.listForIncident('PINC1').map((r) => r.id),
    [a, b],
  );
  assert.equal(store.investigations.get(b)?.rerunOf, a);
  assert.deepEqual(
    store.investigations.listRecent(2).map((r) => r.id),
    [c, b],
  );
});

test('foreign keys hold: an investigation cannot name an unknown incident', (t) => {
  const store = memoryStore(t);
  assert.throws(
    () => store.investigations.create({ target: TARGET, trigger: 'pagerduty', incidentId: 'PNOPE' }),
    /FOREIGN KEY constraint failed/,
  );
});
