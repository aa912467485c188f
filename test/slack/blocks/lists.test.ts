import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS, validateMessage } from '../../../src/slack/blocks/limits.js';
import {
  type EventRow,
  type RolloutRevision,
  renderEvents,
  renderLogs,
  renderRolloutHistory,
} from '../../../src/slack/blocks/lists.js';
import { hugeLog } from '../../render/fixtures.js';
import { goldenJson } from '../../render/golden.js';
import { allText } from './helpers.js';

const AS_OF = '2026-04-26T01:53:20Z';

const events: EventRow[] = [
  {
    time: '2026-04-26T01:44:30Z',
    type: 'Normal',
    reason: 'NodeNotReady',
    object: 'node/ip-10-0-1-5',
    message: 'Node ip-10-0-1-5 status is now: NodeNotReady',
    count: 1,
  },
  {
    time: '2026-04-26T01:46:40Z',
    type: 'Normal',
    reason: 'Starting',
    object: 'node/ip-10-0-1-5',
    message: 'Starting kubelet.',
    count: 1,
  },
  {
    time: '2026-04-26T01:47:05Z',
    type: 'Normal',
    reason: 'NodeReady',
    object: 'node/ip-10-0-1-5',
    message: 'Node ip-10-0-1-5 status is now: NodeReady',
    count: 1,
  },
  {
    time: '2026-04-26T01:49:12Z',
    type: 'Warning',
    reason: 'Unhealthy',
    object: 'pod/payments-service-7d9f8b-xkp2q',
    message:
      'Liveness probe failed: Get "http://10.0.1.12:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    count: 9,
  },
  {
    time: '2026-04-26T01:51:02Z',
    type: 'Warning',
    reason: 'BackOff',
    object: 'pod/payments-service-7d9f8b-xkp2q',
    message: 'Back-off restarting failed container payments in pod payments-service-7d9f8b-xkp2q_production(3f0c…)',
    count: 14,
  },
];

const revisions: RolloutRevision[] = [
  {
    revision: 6,
    createdAt: '2026-04-20T10:02:00Z',
    images: ['registry.acme.io/payments:1.4.1'],
    changeCause: 'deploy 1.4.1',
    current: false,
  },
  {
    revision: 7,
    createdAt: '2026-04-25T19:52:00Z',
    images: ['registry.acme.io/payments:1.4.2', 'registry.acme.io/envoy:1.30'],
    changeCause: 'kubectl set image deployment/payments-service payments=registry.acme.io/payments:1.4.2 & <rollout>',
    current: true,
  },
  { revision: 5, createdAt: null, images: [], changeCause: null, current: false },
];

describe('renderEvents', () => {
  it('renders events as a kubectl-like table', () => {
    const message = renderEvents('Node events — ip-10-0-1-5', AS_OF, events);
    goldenJson('slack-events.json', message);
    assert.deepEqual(validateMessage(message), []);
    const text = allText(message.blocks);
    assert.ok(text.startsWith('*Node events — ip-10-0-1-5*\n```\nLAST SEEN  TYPE     REASON'));
    assert.ok(
      text.includes('01:49:12   Warning  Unhealthy     pod/payments-service-7d9f8b-xkp2q  Liveness probe failed'),
    );
    assert.ok(text.includes('(x9)'));
    assert.ok(text.includes('as of 01:53 UTC · 5 events · times in UTC'));
    assert.equal(message.overflow, undefined);
    assert.equal(message.text, 'Node events — ip-10-0-1-5: 5 events');
  });

  it('says when there are none', () => {
    const message = renderEvents('Pod events', AS_OF, []);
    assert.deepEqual(validateMessage(message), []);
    assert.ok(allText(message.blocks).includes('_No events found._'));
  });

  it('shows the most recent events that fit and attaches the rest', () => {
    const many: EventRow[] = Array.from({ length: 500 }, (_, i) => ({
      time: `2026-04-26T01:${String(Math.floor(i / 10) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
      type: 'Warning',
      reason: 'Unhealthy',
      object: `pod/p-${i}`,
      message: `probe <failed> & ${i} ${'m'.repeat(i % 700)}`,
      count: i,
    }));
    const message = renderEvents('Pod events', AS_OF, many);
    assert.deepEqual(validateMessage(message), []);
    const text = allText(message.blocks);
    assert.ok(text.includes('pod/p-499'), 'the latest event is shown');
    assert.ok(!text.includes('pod/p-0 '), 'the oldest is not');
    assert.match(text, /\d+ earlier events not shown — full list attached/);
    assert.ok(message.overflow?.includes('pod/p-0 '));
    assert.ok(message.overflow?.includes('probe <failed> & 499'));
  });
});

describe('renderLogs', () => {
  it('shows the tail of a 10 000-char log and attaches the whole', () => {
    const message = renderLogs('Logs — payments-service', AS_OF, [
      { pod: 'payments-service-7d9f8b-xkp2q', container: 'payments', previous: true, lines: hugeLog.split('\n') },
      {
        pod: 'payments-service-7d9f8b-xkp2q',
        container: 'payments',
        previous: false,
        lines: [`one line ${'z'.repeat(10_000)}`],
      },
      { pod: 'payments-service-7d9f8b-mn4lw', container: 'payments', previous: false, lines: [] },
    ]);
    goldenJson('slack-logs.json', message);
    assert.deepEqual(validateMessage(message), []);
    const text = allText(message.blocks);
    assert.ok(text.includes('*payments-service-7d9f8b-xkp2q* · container `payments` · _previous instance_'));
    assert.ok(text.includes('_no log lines_'));
    assert.ok(!text.includes('<ok>') && text.includes('&lt;ok&gt;'));
    assert.ok(!text.includes('``` fence'), 'log text cannot close the code block');
    const lastLine = hugeLog.split('\n').at(-1) ?? '';
    assert.ok(text.includes(lastLine.slice(0, 20)), 'the last line is shown');
    assert.ok(message.overflow?.includes(hugeLog));
    assert.ok(message.overflow?.includes('z'.repeat(10_000)));
    assert.ok(text.length < LIMITS.listChars + 2000);
  });

  it('does not attach logs that fit', () => {
    const message = renderLogs('Logs', AS_OF, [
      { pod: 'p', container: 'c', previous: false, lines: ['starting', 'connecting to redis-cache-0:6379', ''] },
    ]);
    assert.deepEqual(validateMessage(message), []);
    assert.equal(message.overflow, undefined);
    assert.ok(allText(message.blocks).includes('```\nstarting\nconnecting to redis-cache-0:6379\n```'));
    assert.deepEqual(validateMessage(renderLogs('Logs', AS_OF, [])), []);
  });
});

describe('renderRolloutHistory', () => {
  it('lists revisions newest first', () => {
    const message = renderRolloutHistory(AS_OF, revisions);
    goldenJson('slack-rollout-history.json', message);
    assert.deepEqual(validateMessage(message), []);
    const text = allText(message.blocks);
    assert.ok(text.startsWith('*Rollout history*\n• *revision 7* ✅ _current_ — 2026-04-25 19:52 UTC'));
    assert.ok(
      text.indexOf('revision 7') < text.indexOf('revision 6') &&
        text.indexOf('revision 6') < text.indexOf('revision 5'),
    );
    assert.ok(text.includes('`registry.acme.io/payments:1.4.2`, `registry.acme.io/envoy:1.30`'));
    assert.ok(text.includes('&amp; &lt;rollout&gt;'));
    assert.equal(message.text, 'Rollout history: 3 revisions, current revision 7');
    assert.equal(message.overflow, undefined);
  });

  it('keeps the newest revisions when there are too many', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      revision: i + 1,
      createdAt: '2026-04-25T19:52:00Z',
      images: [`registry.acme.io/payments:1.${i}`],
      changeCause: `deploy ${'c'.repeat(200)}`,
      current: i === 399,
    }));
    const message = renderRolloutHistory(AS_OF, many);
    assert.deepEqual(validateMessage(message), []);
    assert.ok(allText(message.blocks).includes('revision 400'));
    assert.ok(!allText(message.blocks).includes('revision 1*'));
    assert.ok(message.overflow?.includes('revision 1  '));
    assert.deepEqual(validateMessage(renderRolloutHistory(AS_OF, [])), []);
  });
});
