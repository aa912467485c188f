import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWebhookEventsRepo } from '../../src/store/webhook-events.js';
import { fakeClock, memoryStore, T0 } from './helpers.js';

const payload = (id: string, type = 'incident.triggered') => ({
  event: { id, event_type: type, data: { id: 'Q1PAYMENTS', type: 'incident' } },
});

test('enqueue dedupes by event id: the second delivery returns false', (t) => {
  const store = memoryStore(t);
  const ev = { eventId: 'EV1', eventType: 'incident.triggered', incidentId: 'Q1', payload: payload('EV1') };
  assert.equal(store.webhookEvents.enqueue(ev), true);
  assert.equal(store.webhookEvents.enqueue(ev), false);
  assert.equal(store.webhookEvents.enqueue({ ...ev, payload: payload('EV1', 'incident.resolved') }), false);
  assert.deepEqual(store.webhookEvents.counts(), { pending: 1, dead: 0, processed: 0 });
  assert.deepEqual(store.webhookEvents.get('EV1')?.payload, payload('EV1'));
});

test('nextPending leases the oldest event; markProcessed takes it off the queue', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.webhookEvents.enqueue({
    eventId: 'B',
    eventType: 'incident.triggered',
    incidentId: 'Q2',
    payload: payload('B'),
  });
  clock.advance(10);
  store.webhookEvents.enqueue({
    eventId: 'A',
    eventType: 'incident.triggered',
    incidentId: 'Q1',
    payload: payload('A'),
  });

  const first = store.webhookEvents.nextPending()!;
  assert.equal(first.eventId, 'B');
  assert.equal(first.attempts, 1);
  assert.equal(first.receivedAt, T0.toISOString());
  assert.equal(first.incidentId, 'Q2');
  // B is leased: the next call hands out A, then nothing.
  assert.equal(store.webhookEvents.nextPending()?.eventId, 'A');
  assert.equal(store.webhookEvents.nextPending(), null);
  assert.equal(store.webhookEvents.markProcessed('B'), true);
  assert.equal(store.webhookEvents.markProcessed('B'), false);
  assert.ok(store.webhookEvents.get('B')?.processedAt);
  assert.deepEqual(store.webhookEvents.counts(), { pending: 1, dead: 0, processed: 1 });
});

test('events are ordered by occurred_at, and per incident a later event waits for an earlier one', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const at = (s: number) => new Date(T0.getTime() - 60_000 + s * 1000).toISOString();
  // Delivered out of order: resolved arrives before triggered.
  store.webhookEvents.enqueue({
    eventId: 'R',
    eventType: 'incident.resolved',
    incidentId: 'Q1',
    occurredAt: at(5),
    payload: {},
  });
  store.webhookEvents.enqueue({
    eventId: 'T',
    eventType: 'incident.triggered',
    incidentId: 'Q1',
    occurredAt: at(1),
    payload: {},
  });
  store.webhookEvents.enqueue({
    eventId: 'X',
    eventType: 'incident.triggered',
    incidentId: 'Q9',
    occurredAt: at(3),
    payload: {},
  });

  assert.equal(store.webhookEvents.nextPending()?.eventId, 'T');
  // T is in flight; R (same incident, later) must wait; X (another incident) may go.
  assert.equal(store.webhookEvents.nextPending()?.eventId, 'X');
  assert.equal(store.webhookEvents.nextPending(), null);
  store.webhookEvents.markFailed('T', 'slack 500', 1000);
  assert.equal(store.webhookEvents.nextPending(), null); // T backs off, R still waits
  clock.advance(1000);
  assert.equal(store.webhookEvents.nextPending()?.eventId, 'T');
  store.webhookEvents.markProcessed('T');
  assert.equal(store.webhookEvents.nextPending()?.eventId, 'R');
});

test('markFailed backs off; after maxAttempts the event is dead, not retried forever', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const queue = createWebhookEventsRepo(store.db, { now: clock.now, maxAttempts: 3 });
  queue.enqueue({ eventId: 'E', eventType: 'incident.triggered', payload: {} });
  for (let i = 1; i <= 3; i++) {
    const ev = queue.nextPending();
    assert.equal(ev?.attempts, i);
    assert.equal(queue.markFailed('E', `boom ${i}`), true);
    assert.equal(queue.nextPending(), null, 'not due during back-off');
    clock.advance(60_000);
  }
  assert.equal(queue.nextPending(), null);
  const dead = queue.listDead();
  assert.deepEqual(
    dead.map((e) => [e.eventId, e.attempts, e.lastError]),
    [['E', 3, 'boom 3']],
  );
  assert.deepEqual(queue.counts(), { pending: 0, dead: 1, processed: 0 });
});

test('a worker that died: the lease runs out and the event is handed out again', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.webhookEvents.enqueue({ eventId: 'E', eventType: 'incident.triggered', payload: {} });
  assert.equal(store.webhookEvents.nextPending()?.eventId, 'E');
  clock.advance(60_000);
  assert.equal(store.webhookEvents.nextPending(), null);
  clock.advance(61_000);
  const again = store.webhookEvents.nextPending();
  assert.equal(again?.eventId, 'E');
  assert.equal(again?.attempts, 2);
});

test('pruneProcessed deletes only processed events older than the cut-off', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.webhookEvents.enqueue({ eventId: 'OLD', eventType: 'x', payload: {} });
  store.webhookEvents.enqueue({ eventId: 'PENDING', eventType: 'x', payload: {} });
  store.webhookEvents.markProcessed('OLD');
  clock.advance(86_400_000);
  assert.equal(store.webhookEvents.pruneProcessed(new Date(T0.getTime() + 1)), 1);
  assert.equal(store.webhookEvents.get('OLD'), null);
  assert.ok(store.webhookEvents.get('PENDING'));
  // A pruned id is no longer remembered, so keep processed events longer than PagerDuty retries.
});
