import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS, validateMessage } from '../../../src/slack/blocks/limits.js';
import { type ParentState, renderParent } from '../../../src/slack/blocks/parent.js';
import { goldenJson } from '../../render/golden.js';
import { allText } from './helpers.js';

const target = { kind: 'Deployment', namespace: 'production', name: 'payments-service', context: 'prod' };
const incident = {
  number: 4711,
  title: 'payments-service CrashLoopBackOff <3 replicas> & more',
  url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF',
  urgency: 'high',
  service: 'Payments',
};
const steps: ParentState['steps'] = [
  { name: 'resolve-target', title: 'Resolve target', status: 'done' },
  { name: 'pod-events', title: 'Pod events', status: 'done' },
  { name: 'node-events', title: 'Node events (kube-system)', status: 'forbidden' },
  { name: 'dependency-pods', title: 'Dependency pods', status: 'failed' },
  { name: 'logs', title: 'Logs', status: 'running' },
  { name: 'metrics', title: 'Metrics', status: 'skipped' },
  { name: 'hpa', title: 'Autoscaler', status: 'empty' },
  { name: 'rollout-history', title: 'Rollout history', status: 'pending' },
];
const rootCause = {
  id: 'probe-timeout-slow-dependency',
  summary:
    'Liveness probe timeout (2s) on payments-service is failing because redis-cache-0 needs 3-4s after the node recycle.',
  confidence: 'high' as const,
  signals: 4,
};
const done = steps.map((s) => ({
  ...s,
  status: s.status === 'pending' || s.status === 'running' ? ('done' as const) : s.status,
}));

const states: Record<string, ParentState> = {
  investigating: { target, status: 'investigating', steps, incident },
  rootCause: { target, status: 'root-cause', steps: done, rootCause, incident },
  unknown: { target: { ...target, context: null }, status: 'unknown', steps: done },
  failed: { target, status: 'failed', steps: [] },
  acknowledged: { target, status: 'acknowledged', steps: done, rootCause, incident, ackBy: 'U0ONCALL1' },
  acknowledgedByName: { target, status: 'acknowledged', steps: done, rootCause, ackBy: 'Jane <jane@acme.io>' },
  resolved: { target, status: 'resolved', steps: done, rootCause, incident, resolvedAt: '2026-04-26T02:36:10Z' },
};

describe('renderParent', () => {
  it('renders every state within the limits', () => {
    const rendered = Object.fromEntries(Object.entries(states).map(([k, s]) => [k, renderParent(s)]));
    goldenJson('slack-parent.json', rendered);
    for (const [name, message] of Object.entries(rendered)) {
      assert.deepEqual(validateMessage(message), [], name);
      assert.equal(message.blocks[0]?.type, 'header', name);
    }
  });

  it('says the state in words', () => {
    const text = (s: ParentState): string => renderParent(s).text;
    assert.ok(text(states.investigating!).startsWith('Investigating — Deployment production/payments-service · prod'));
    assert.ok(text(states.rootCause!).startsWith('Root cause found — '));
    assert.ok(text(states.rootCause!).includes(': Liveness probe timeout (2s)'));
    assert.ok(text(states.unknown!).startsWith('No root cause found — Deployment production/payments-service'));
    assert.ok(text(states.failed!).startsWith('Investigation failed'));
    assert.ok(text(states.acknowledged!).startsWith('Acknowledged by U0ONCALL1'));
    assert.ok(text(states.acknowledgedByName!).startsWith('Acknowledged by Jane &lt;jane@acme.io&gt;'));
    assert.ok(text(states.resolved!).startsWith('Resolved at 02:36 UTC'));
    assert.ok(text(states.resolved!).includes('(PagerDuty #4711)'));
  });

  it('shows the checklist, the incident and the root cause', () => {
    const blocks = renderParent(states.investigating!).blocks;
    const text = allText(blocks);
    assert.ok(text.includes('🔍 Deployment production/payments-service · prod'));
    assert.ok(text.includes('*Investigating* — 6/8 steps'));
    for (const line of [
      '✅ Resolve target',
      '🔒 Node events (kube-system) _(forbidden)_',
      '⚠️ Dependency pods _(failed)_',
      '🔄 Logs',
      '➖ Metrics',
      '➖ Autoscaler',
      '⏳ Rollout history',
    ]) {
      assert.ok(text.includes(line), line);
    }
    assert.ok(
      text.includes(
        'PagerDuty <https://acme.pagerduty.com/incidents/Q1ABCDEF|#4711 payments-service CrashLoopBackOff &lt;3 replicas&gt; &amp; more>',
      ),
    );
    const rc = allText(renderParent(states.rootCause!).blocks);
    assert.ok(rc.includes('*Root cause found*'));
    assert.ok(rc.includes('*Confidence:* High (4 corroborating signals) · `probe-timeout-slow-dependency`'));
    assert.ok(allText(renderParent(states.acknowledged!).blocks).includes('*Acknowledged by <@U0ONCALL1>*'));
    assert.ok(!allText(renderParent(states.unknown!).blocks).includes('· prod'));
  });

  it('cuts long names and refuses odd incident links', () => {
    const long = renderParent({
      target: { kind: 'Deployment', namespace: 'n'.repeat(63), name: 'x'.repeat(253), context: 'c'.repeat(100) },
      status: 'investigating',
      steps: Array.from({ length: 300 }, (_, i) => ({
        name: `s${i}`,
        title: `Step ${i} ${'y'.repeat(50)}`,
        status: 'pending' as const,
      })),
      incident: { ...incident, url: 'javascript:alert(1)' },
    });
    assert.deepEqual(validateMessage(long), []);
    const header = long.blocks[0];
    assert.ok(header?.type === 'header' && header.text.text.length <= LIMITS.headerText);
    assert.ok(!allText(long.blocks).includes('javascript:'.concat('alert(1)|')));
  });
});
