import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPROVAL_TRANSITIONS, isLegalTransition } from '../../src/store/approvals.js';
import { FIX, fakeClock, memoryStore, seedInvestigation, T0 } from './helpers.js';

const MIN = 60_000;

function setup(t: Parameters<typeof memoryStore>[0], required = 1) {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = seedInvestigation(store);
  const approval = store.approvals.create({
    investigationId: inv,
    fix: FIX,
    resourceVersion: '48213',
    requestedBy: 'U0ONCALL1',
    required,
    expiresAt: new Date(T0.getTime() + 15 * MIN),
  });
  return { clock, store, inv, approval };
}

test('create → get round-trips, fix re-validated', (t) => {
  const { store, inv, approval } = setup(t);
  assert.match(approval.id, /^apr_[a-z2-7]{26}$/);
  assert.deepEqual(approval, {
    id: approval.id,
    investigationId: inv,
    fix: FIX,
    resourceVersion: '48213',
    requestedBy: 'U0ONCALL1',
    approvals: [],
    required: 1,
    status: 'pending',
    createdAt: T0.toISOString(),
    expiresAt: '2026-04-26T02:04:00.000Z',
    decidedBy: null,
    decidedAt: null,
    viewId: null,
    outcome: null,
  });
  assert.equal(store.approvals.setViewId(approval.id, 'V123'), true);
  assert.equal(store.approvals.get(approval.id)?.viewId, 'V123');
  assert.deepEqual(
    store.approvals.listForInvestigation(inv).map((a) => a.id),
    [approval.id],
  );
  store.db
    .prepare("UPDATE pending_approvals SET fix_json = json_set(fix_json, '$.resource', 'everything') WHERE id = ?")
    .run(approval.id);
  assert.throws(() => store.approvals.get(approval.id), /pending_approvals apr_\w+: fix_json is invalid/);
});

test('transitions are atomic: the second move out of pending fails after the first', (t) => {
  const { clock, store, approval } = setup(t);
  clock.advance(MIN);
  assert.equal(store.approvals.transition(approval.id, 'pending', 'approved', { decidedBy: 'U0ONCALL1' }), true);
  assert.equal(store.approvals.transition(approval.id, 'pending', 'approved', { decidedBy: 'U2' }), false);
  assert.equal(store.approvals.transition(approval.id, 'pending', 'rejected', { decidedBy: 'U2' }), false);
  let row = store.approvals.get(approval.id)!;
  assert.equal(row.status, 'approved');
  assert.equal(row.decidedBy, 'U0ONCALL1');
  assert.equal(row.decidedAt, '2026-04-26T01:50:00.000Z');
  assert.deepEqual(row.approvals, [{ user: 'U0ONCALL1', at: '2026-04-26T01:50:00.000Z' }]);

  // Never applied twice.
  const outcome = { kind: 'applied', resourceVersion: '48299' };
  assert.equal(store.approvals.transition(approval.id, 'approved', 'applied', { outcome }), true);
  assert.equal(store.approvals.transition(approval.id, 'approved', 'applied', { outcome }), false);
  assert.equal(store.approvals.transition(approval.id, 'approved', 'failed'), false);
  row = store.approvals.get(approval.id)!;
  assert.equal(row.status, 'applied');
  assert.deepEqual(row.outcome, outcome);
  assert.equal(row.decidedBy, 'U0ONCALL1'); // the decision is not overwritten by applying
});

test('illegal moves are refused, by the repository and by the schema', (t) => {
  const { store, approval } = setup(t);
  assert.throws(
    () => store.approvals.transition(approval.id, 'pending', 'applied'),
    /illegal transition pending → applied/,
  );
  assert.throws(
    () => store.db.prepare("UPDATE pending_approvals SET status = 'applied' WHERE id = ?").run(approval.id),
    /illegal status transition/,
  );
  assert.equal(isLegalTransition('approved', 'applied'), true);
  assert.equal(isLegalTransition('rejected', 'approved'), false);
  for (const terminal of ['applied', 'rejected', 'expired', 'failed'] as const) {
    assert.deepEqual(APPROVAL_TRANSITIONS[terminal], []);
  }
  assert.equal(store.approvals.transition('apr_missing', 'pending', 'rejected'), false);
});

test('an expired request cannot be approved; expireDue expires it once', (t) => {
  const { clock, store, approval } = setup(t);
  clock.advance(15 * MIN);
  assert.equal(store.approvals.transition(approval.id, 'pending', 'approved', { decidedBy: 'U1' }), false);
  assert.deepEqual(store.approvals.listPending().length, 1);
  assert.deepEqual(store.approvals.expireDue(), [approval.id]);
  assert.deepEqual(store.approvals.expireDue(), []);
  const row = store.approvals.get(approval.id)!;
  assert.equal(row.status, 'expired');
  assert.equal(row.decidedAt, '2026-04-26T02:04:00.000Z');
  assert.deepEqual(store.approvals.listPending(), []);
});

test('two-person approval: the same person twice does not count; the second person approves', (t) => {
  const { clock, store, approval } = setup(t, 2);
  // transition() cannot bypass the two-person rule.
  assert.equal(store.approvals.transition(approval.id, 'pending', 'approved', { decidedBy: 'U1' }), false);
  assert.deepEqual(store.approvals.get(approval.id)?.approvals, []);

  const a = store.approvals.addApproval(approval.id, 'U1');
  assert.equal(a.result, 'recorded');
  assert.equal(a.approval?.status, 'pending');
  assert.equal(store.approvals.addApproval(approval.id, 'U1').result, 'duplicate');
  clock.advance(MIN);
  const b = store.approvals.addApproval(approval.id, 'U2');
  assert.equal(b.result, 'approved');
  assert.equal(b.approval?.status, 'approved');
  assert.equal(b.approval?.decidedBy, 'U2');
  assert.deepEqual(b.approval?.approvals, [
    { user: 'U1', at: '2026-04-26T01:49:00.000Z' },
    { user: 'U2', at: '2026-04-26T01:50:00.000Z' },
  ]);
  assert.equal(store.approvals.addApproval(approval.id, 'U3').result, 'not-pending');
  assert.equal(store.approvals.addApproval('apr_missing', 'U3').result, 'not-found');
});

test('addApproval on an expired request expires it', (t) => {
  const { clock, store, approval } = setup(t);
  clock.advance(16 * MIN);
  const r = store.approvals.addApproval(approval.id, 'U1');
  assert.equal(r.result, 'expired');
  assert.equal(r.approval?.status, 'expired');
});

test('reject records who decided', (t) => {
  const { store, approval } = setup(t);
  assert.equal(store.approvals.transition(approval.id, 'pending', 'rejected', { decidedBy: 'U9' }), true);
  const row = store.approvals.get(approval.id)!;
  assert.equal(row.status, 'rejected');
  assert.equal(row.decidedBy, 'U9');
  assert.equal(store.approvals.transition(approval.id, 'pending', 'approved', { decidedBy: 'U1' }), false);
});
