import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock, memoryStore, seedInvestigation, T0 } from './helpers.js';

test('upsert inserts, then refreshes PagerDuty fields without losing known values', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  const first = store.incidents.upsert({
    id: 'Q1PAYMENTS',
    number: 4711,
    title: 'payments-service crash-looping',
    urgency: 'high',
    serviceId: 'PAYMENTS01',
    serviceName: 'Payments',
    htmlUrl: 'https://acme.pagerduty.com/incidents/Q1PAYMENTS',
    fingerprint: 'production/deploy/payments-service',
  });
  assert.equal(first.created, true);
  assert.deepEqual(first.incident, {
    id: 'Q1PAYMENTS',
    number: 4711,
    title: 'payments-service crash-looping',
    urgency: 'high',
    serviceId: 'PAYMENTS01',
    serviceName: 'Payments',
    htmlUrl: 'https://acme.pagerduty.com/incidents/Q1PAYMENTS',
    status: 'triggered',
    ackBy: null,
    resolvedAt: null,
    slackChannel: null,
    parentTs: null,
    latestInvestigationId: null,
    fingerprint: 'production/deploy/payments-service',
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
  });
  clock.advance(60_000);
  const second = store.incidents.upsert({ id: 'Q1PAYMENTS', title: 'payments-service crash-looping (2)' });
  assert.equal(second.created, false);
  assert.equal(second.incident.title, 'payments-service crash-looping (2)');
  assert.equal(second.incident.serviceName, 'Payments'); // kept
  assert.equal(second.incident.number, 4711);
  assert.equal(second.incident.createdAt, T0.toISOString());
  assert.equal(second.incident.updatedAt, '2026-04-26T01:50:00.000Z');
  assert.deepEqual(store.incidents.get('Q1PAYMENTS'), second.incident);
  assert.equal(store.incidents.get('nope'), null);
});

test('setThread succeeds once: a second event reuses the thread', (t) => {
  const store = memoryStore(t);
  store.incidents.upsert({ id: 'P1', title: 't' });
  assert.equal(store.incidents.setThread('P1', 'C0PAYMENTS', '111.1'), true);
  assert.equal(store.incidents.setThread('P1', 'C0PAYMENTS', '222.2'), false);
  const row = store.incidents.get('P1')!;
  assert.equal(row.slackChannel, 'C0PAYMENTS');
  assert.equal(row.parentTs, '111.1');
  assert.deepEqual(
    store.incidents.findByThread('C0PAYMENTS', '111.1').map((i) => i.id),
    ['P1'],
  );
  // upsert never clears the thread
  store.incidents.upsert({ id: 'P1', title: 't2', status: 'acknowledged' });
  assert.equal(store.incidents.get('P1')?.parentTs, '111.1');
});

test('status moves; resolved is final and not reopened by a late event', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.incidents.upsert({ id: 'P1', title: 't' });
  assert.equal(store.incidents.setStatus('P1', 'acknowledged', { ackBy: 'Dana' }), true);
  assert.equal(store.incidents.get('P1')?.ackBy, 'Dana');
  clock.advance(5 * 60_000);
  assert.equal(store.incidents.setStatus('P1', 'resolved'), true);
  let row = store.incidents.get('P1')!;
  assert.equal(row.status, 'resolved');
  assert.equal(row.resolvedAt, '2026-04-26T01:54:00.000Z');
  assert.deepEqual(store.incidents.listOpen(), []);
  assert.equal(store.incidents.setStatus('P1', 'triggered'), false);
  store.incidents.upsert({ id: 'P1', title: 't', status: 'acknowledged' });
  row = store.incidents.get('P1')!;
  assert.equal(row.status, 'resolved');
  assert.equal(row.resolvedAt, '2026-04-26T01:54:00.000Z');
  assert.equal(store.incidents.setStatus('nope', 'resolved'), false);
});

test('latest investigation and storm grouping by fingerprint', (t) => {
  const clock = fakeClock();
  const store = memoryStore(t, { now: clock.now });
  store.incidents.upsert({ id: 'P1', title: 'a', fingerprint: 'fp' });
  const inv = seedInvestigation(store, { incidentId: 'P1' });
  assert.equal(store.incidents.setLatestInvestigation('P1', inv), true);
  assert.equal(store.incidents.get('P1')?.latestInvestigationId, inv);
  clock.advance(60_000);
  store.incidents.upsert({ id: 'P2', title: 'b', fingerprint: 'fp' });
  clock.advance(60_000);
  store.incidents.upsert({ id: 'P3', title: 'c', fingerprint: 'other' });
  // Only incidents that already have a thread can take others in; the first such one owns it.
  assert.equal(store.incidents.findOpenByFingerprint('fp', T0), null);
  store.incidents.setThread('P2', 'C1', '2.0');
  assert.equal(store.incidents.findOpenByFingerprint('fp', T0)?.id, 'P2');
  store.incidents.setThread('P1', 'C1', '1.0');
  assert.equal(store.incidents.findOpenByFingerprint('fp', T0)?.id, 'P1');
  assert.equal(store.incidents.findOpenByFingerprint('fp', new Date(T0.getTime() + 60_000))?.id, 'P2');
  store.incidents.setStatus('P1', 'resolved');
  assert.equal(store.incidents.findOpenByFingerprint('fp', T0)?.id, 'P2');
  assert.deepEqual(
    store.incidents.listOpen().map((i) => i.id),
    ['P2', 'P3'],
  );
});
