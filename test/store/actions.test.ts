import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionSpec } from '../../src/store/actions.js';
import { isStoredDataError } from '../../src/store/errors.js';
import { FIX, fakeClock, memoryStore, seedInvestigation, T0, TARGET } from './helpers.js';

const rootCauseSpec: ActionSpec = {
  kind: 'root_cause',
  payload: {
    target: TARGET,
    causeId: 'probe-timeout-slow-dependency',
    offered: [
      'show_node_events',
      'show_pod_events',
      'show_logs',
      'show_rollout_history',
      'rerun',
      'apply_fix',
      'feedback',
    ],
    fix: FIX,
  },
};

test('one root_cause row serves every button of a message; its id is an opaque value ≤ 64 chars', (t) => {
  const store = memoryStore(t, { now: fakeClock().now });
  const inv = seedInvestigation(store);
  const row = store.actions.create(inv, rootCauseSpec);
  assert.match(row.id, /^act_[a-z2-7]{26}$/);
  assert.ok(row.id.length <= 64);
  assert.deepEqual(row, { ...rootCauseSpec, id: row.id, investigationId: inv, createdAt: T0.toISOString() });
  assert.deepEqual(store.actions.get(row.id), row);
  for (const kind of rootCauseSpec.payload.offered) assert.equal(store.actions.resolve(row.id, kind)?.id, row.id);
  assert.equal(store.actions.resolve('act_unknown', 'rerun'), null);
  assert.deepEqual(
    store.actions.listForInvestigation(inv).map((a) => a.id),
    [row.id],
  );
});

test('a click on a kind the row never offered resolves to nothing', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  const noFix = store.actions.create(inv, {
    kind: 'root_cause',
    payload: { target: TARGET, causeId: 'unknown', offered: ['show_logs', 'rerun', 'feedback'], fix: null },
  });
  assert.equal(store.actions.resolve(noFix.id, 'apply_fix'), null);
  const logs = store.actions.create(inv, {
    kind: 'show_logs',
    payload: { target: TARGET, pod: 'payments-service-7d9f-abcde', container: 'app' },
  });
  assert.equal(store.actions.resolve(logs.id, 'show_logs')?.kind, 'show_logs');
  assert.equal(store.actions.resolve(logs.id, 'apply_fix'), null);
});

test('payloads round-trip per kind and are re-validated with zod on read', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  const specs: ActionSpec[] = [
    { kind: 'show_node_events', payload: { target: TARGET, nodes: ['ip-10-0-1-5'] } },
    { kind: 'show_pod_events', payload: { target: TARGET, pods: ['p-1', 'p-2'] } },
    { kind: 'show_logs', payload: { target: TARGET, pod: null, container: null } },
    { kind: 'show_rollout_history', payload: { target: TARGET } },
    { kind: 'rerun', payload: { target: TARGET } },
    { kind: 'apply_fix', payload: { target: TARGET, fix: FIX } },
    { kind: 'feedback', payload: { target: TARGET, causeId: 'oom-killed' } },
  ];
  for (const spec of specs) {
    const row = store.actions.create(inv, spec);
    assert.deepEqual(store.actions.get(row.id), {
      ...spec,
      id: row.id,
      investigationId: inv,
      createdAt: row.createdAt,
    });
  }
  const fix = store.actions.create(inv, { kind: 'apply_fix', payload: { target: TARGET, fix: FIX } });
  // Someone edits the stored row: the patch type is no longer one we apply.
  store.db
    .prepare("UPDATE actions SET payload_json = json_set(payload_json, '$.fix.patchType', 'shell') WHERE id = ?")
    .run(fix.id);
  assert.throws(
    () => store.actions.get(fix.id),
    (err: unknown) =>
      isStoredDataError(err) && /actions act_\w+: payload_json is invalid: payload\.fix\.patchType/.test(err.message),
  );
  // A kind/payload mismatch is refused on write.
  // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
  assert.throws(() => store.actions.create(inv, { kind: 'apply_fix', payload: { target: TARGET } } as any));
  assert.throws(() => store.actions.create('inv_missing', specs[0]!), /FOREIGN KEY/);
});

test('claimActionRun: a second click while the first runs does nothing', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const inv = seedInvestigation(store);
  const action = store.actions.create(inv, rootCauseSpec);

  const run = store.actions.claimActionRun(action.id, 'show_logs', 'U1');
  assert.ok(run);
  assert.deepEqual(run, {
    id: run.id,
    actionId: action.id,
    kind: 'show_logs',
    userId: 'U1',
    status: 'running',
    startedAt: T0.toISOString(),
    finishedAt: null,
    replyTs: null,
    error: null,
  });
  // Same (action, kind), any user: refused while running.
  assert.equal(store.actions.claimActionRun(action.id, 'show_logs', 'U1'), null);
  assert.equal(store.actions.claimActionRun(action.id, 'show_logs', 'U2'), null);
  // Another kind of the same message runs concurrently.
  const other = store.actions.claimActionRun(action.id, 'show_node_events', 'U2');
  assert.ok(other);

  clock.advance(800);
  assert.equal(store.actions.finishActionRun(run.id, { status: 'done', replyTs: '5.5' }), true);
  assert.equal(store.actions.finishActionRun(run.id, { status: 'failed', error: 'twice' }), false);
  assert.deepEqual(store.actions.getActionRun(run.id), {
    ...run,
    status: 'done',
    finishedAt: '2026-04-26T01:49:00.800Z',
    replyTs: '5.5',
  });
  // Finished: the button works again.
  const again = store.actions.claimActionRun(action.id, 'show_logs', 'U2');
  assert.ok(again);
  assert.notEqual(again.id, run.id);
  assert.deepEqual(
    store.actions.listActionRuns(action.id).map((r) => [r.kind, r.status]),
    [
      ['show_logs', 'done'],
      ['show_node_events', 'running'],
      ['show_logs', 'running'],
    ],
  );
});

test('claims racing from many concurrent handlers: exactly one wins', async (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  const action = store.actions.create(inv, rootCauseSpec);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      Promise.resolve().then(() => store.actions.claimActionRun(action.id, 'rerun', `U${i}`)),
    ),
  );
  assert.equal(results.filter((r) => r !== null).length, 1);
});

test('after a restart, runs left running are failed so the buttons work again', (t) => {
  const store = memoryStore(t);
  const inv = seedInvestigation(store);
  const action = store.actions.create(inv, rootCauseSpec);
  const run = store.actions.claimActionRun(action.id, 'rerun', 'U1')!;
  assert.equal(store.actions.abandonRunningRuns(), 1);
  const row = store.actions.getActionRun(run.id)!;
  assert.equal(row.status, 'failed');
  assert.match(row.error ?? '', /restarted/);
  assert.ok(store.actions.claimActionRun(action.id, 'rerun', 'U1'));
});
