import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditRepo } from '../../src/store/audit.js';
import { fakeClock, memoryStore, T0 } from './helpers.js';

const TARGET = 'apps/v1 Deployment production/payments-service';

test('append → list round-trips, oldest first, filtered by target, paged', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const a = store.audit.append({
    actor: 'U0ONCALL1',
    action: 'fix.approved',
    target: TARGET,
    detail: { approval: 'apr_x' },
  });
  assert.deepEqual(a, {
    id: a.id,
    at: T0.toISOString(),
    actor: 'U0ONCALL1',
    action: 'fix.approved',
    target: TARGET,
    detail: { approval: 'apr_x' },
  });
  clock.advance(1000);
  const b = store.audit.append({
    actor: 'causa',
    action: 'fix.applied',
    target: TARGET,
    detail: { resourceVersion: '48299' },
  });
  const c = store.audit.append({ actor: 'pagerduty', action: 'incident.triggered', target: 'Q1' });
  assert.ok(a.id < b.id && b.id < c.id);
  assert.equal(c.detail, null);
  assert.deepEqual(
    store.audit.list().map((e) => e.action),
    ['fix.approved', 'fix.applied', 'incident.triggered'],
  );
  assert.deepEqual(
    store.audit.list({ target: TARGET }).map((e) => e.id),
    [a.id, b.id],
  );
  assert.deepEqual(
    store.audit.list({ afterId: a.id, limit: 1 }).map((e) => e.id),
    [b.id],
  );
});

test('audit is append-only: the API has no update/delete and the table refuses both', (t) => {
  const store = memoryStore(t);
  const entry = store.audit.append({ actor: 'U1', action: 'fix.applied', target: TARGET });
  assert.deepEqual(Object.keys(createAuditRepo(store.db)).sort(), ['append', 'list']);
  assert.throws(
    () => store.db.prepare("UPDATE audit SET actor = 'someone-else' WHERE id = ?").run(entry.id),
    /audit is append-only/,
  );
  assert.throws(() => store.db.prepare('DELETE FROM audit WHERE id = ?').run(entry.id), /audit is append-only/);
  assert.throws(() => store.db.prepare('DELETE FROM audit').run(), /audit is append-only/);
  assert.deepEqual(store.audit.list(), [entry]);
});

test('ids are never reused, even after the newest row would have been removed', (t) => {
  const store = memoryStore(t);
  const first = store.audit.append({ actor: 'U1', action: 'a' });
  const second = store.audit.append({ actor: 'U1', action: 'b' });
  assert.equal(second.id, first.id + 1);
  const seq = store.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").pluck().get();
  assert.equal(seq, second.id); // AUTOINCREMENT
});
