import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeEvents, normalizeEvent } from '../../src/engine/normalize.js';

test('core event with container field path', () => {
  const e = normalizeEvent({
    metadata: { name: 'p.1', namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'shop', fieldPath: 'spec.containers{api}' },
    reason: 'Unhealthy',
    type: 'Warning',
    message: 'Liveness probe failed: x',
    count: 7,
    firstTimestamp: '2026-01-01T00:00:00Z',
    lastTimestamp: '2026-01-01T00:01:00Z',
    source: { component: 'kubelet', host: 'n1' },
  });
  assert.equal(e.container, 'api');
  assert.equal(e.init, false);
  assert.equal(e.count, 7);
  assert.equal(e.last, '2026-01-01T00:01:00Z');
  assert.equal(e.host, 'n1');
});

test('scheduler event: eventTime and series, no lastTimestamp', () => {
  const e = normalizeEvent({
    metadata: { name: 'p.2', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'shop' },
    reason: 'FailedScheduling',
    type: 'Warning',
    message: '0/3 nodes are available',
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: '2026-01-01T00:00:05.123456Z',
    series: { count: 4, lastObservedTime: '2026-01-01T00:04:00.000000Z' },
    reportingComponent: 'default-scheduler',
  });
  assert.equal(e.last, '2026-01-01T00:04:00.000000Z');
  assert.equal(e.count, 4);
  assert.equal(e.source, 'default-scheduler');
});

test('merge de-duplicates by namespace/name and sorts by time', () => {
  const a = normalizeEvent({ metadata: { name: 'a', namespace: 'x' }, lastTimestamp: '2026-01-01T00:02:00Z' });
  const b = normalizeEvent({ metadata: { name: 'b', namespace: 'x' }, lastTimestamp: '2026-01-01T00:01:00Z' });
  const merged = mergeEvents([a], [b, a]);
  assert.deepEqual(
    merged.map((e) => e.name),
    ['b', 'a'],
  );
});
