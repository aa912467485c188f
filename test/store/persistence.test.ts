/** A bot restart: everything written before `close()` is there after re-opening the file. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { FIX, fakeClock, sampleFacts, sampleResult, TARGET, tempDir } from './helpers.js';

test('rows survive close and reopen (simulated restart), and no migration re-runs', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'data', 'causa.db');
  const clock = fakeClock();

  const before = createStore(file, { now: clock.now });
  assert.ok(before.migrations.applied.length >= 1);
  assert.equal(before.db.pragma('journal_mode', { simple: true }), 'wal');
  before.incidents.upsert({ id: 'Q1PAYMENTS', title: 'payments-service crash-looping', serviceId: 'PAYMENTS01' });
  before.incidents.setThread('Q1PAYMENTS', 'C0PAYMENTS', '1714096140.000100');
  assert.equal(
    before.webhookEvents.enqueue({
      eventId: 'EV1',
      eventType: 'incident.triggered',
      incidentId: 'Q1PAYMENTS',
      payload: {},
    }),
    true,
  );
  const inv = before.investigations.create({
    target: TARGET,
    trigger: 'pagerduty',
    incidentId: 'Q1PAYMENTS',
    thread: { channel: 'C0PAYMENTS', parentTs: '1714096140.000100' },
  });
  before.steps.start(inv.id, 'pod-events');
  before.steps.finish(inv.id, 'pod-events', { status: 'ok', durationMs: 40, apiCalls: 2 });
  before.steps.markPosted(inv.id, 'pod-events', '1714096141.000200');
  before.steps.start(inv.id, 'logs'); // in flight when the process dies
  const done = before.investigations.create({ target: TARGET, trigger: 'slash', requestedBy: 'U1' });
  before.investigations.complete(done.id, { result: sampleResult(), facts: sampleFacts(), notes: {} });
  const action = before.actions.create(done.id, {
    kind: 'root_cause',
    payload: {
      target: TARGET,
      causeId: 'probe-timeout-slow-dependency',
      offered: ['show_logs', 'apply_fix'],
      fix: FIX,
    },
  });
  const run = before.actions.claimActionRun(action.id, 'show_logs', 'U1')!;
  const approval = before.approvals.create({
    investigationId: done.id,
    fix: FIX,
    requestedBy: 'U1',
    expiresAt: new Date(clock.now().getTime() + 900_000),
  });
  before.feedback.record({ investigationId: done.id, userId: 'U1', verdict: 'correct' });
  const entry = before.audit.append({ actor: 'U1', action: 'fix.requested', target: approval.id });
  before.close();
  before.close(); // idempotent
  assert.equal(before.db.open, false);

  const after = createStore(file, { now: clock.now });
  t.after(() => after.close());
  assert.deepEqual(after.migrations.applied, []);
  assert.equal(after.incidents.get('Q1PAYMENTS')?.parentTs, '1714096140.000100');
  assert.equal(after.webhookEvents.enqueue({ eventId: 'EV1', eventType: 'incident.triggered', payload: {} }), false);
  assert.equal(after.webhookEvents.nextPending()?.eventId, 'EV1'); // not lost: still queued
  assert.deepEqual(
    after.investigations.listUnfinished().map((i) => i.id),
    [inv.id],
  );
  assert.equal(after.steps.get(inv.id, 'pod-events')?.postedTs, '1714096141.000200');
  assert.equal(after.steps.markPosted(inv.id, 'pod-events', 'again'), false);
  assert.equal(after.steps.get(inv.id, 'logs')?.status, 'running');
  assert.deepEqual(after.investigations.get(done.id)?.result, sampleResult());
  assert.deepEqual(after.investigations.getFacts(done.id), sampleFacts());
  assert.deepEqual(after.actions.resolve(action.id, 'apply_fix'), action);
  assert.equal(after.actions.claimActionRun(action.id, 'show_logs', 'U2'), null); // still marked running…
  assert.equal(after.actions.abandonRunningRuns(), 1); // …until start-up recovery
  assert.equal(after.actions.getActionRun(run.id)?.status, 'failed');
  assert.ok(after.actions.claimActionRun(action.id, 'show_logs', 'U2'));
  assert.deepEqual(after.approvals.get(approval.id), approval);
  assert.equal(after.feedback.get(done.id, 'U1')?.verdict, 'correct');
  assert.deepEqual(after.audit.list(), [entry]);
});
