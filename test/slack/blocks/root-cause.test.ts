import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderText } from '../../../src/render/text.js';
import { ActionId, ViewCallbackId } from '../../../src/slack/blocks/action-ids.js';
import { LIMITS, validateMessage } from '../../../src/slack/blocks/limits.js';
import { renderRootCause } from '../../../src/slack/blocks/root-cause.js';
import { hugeResult, seedResult, unknownResult } from '../../render/fixtures.js';
import { goldenJson } from '../../render/golden.js';
import { allText, buttons } from './helpers.js';

const VALUE = 'inv_01HZX3K9Q7T2W8M4N6P0R5S1V3';

describe('renderRootCause', () => {
  it('renders the seed answer with every button', () => {
    const message = renderRootCause(seedResult, { actionValue: VALUE, allowApplyFix: true });
    goldenJson('slack-root-cause-seed.json', message);
    assert.deepEqual(validateMessage(message), []);
    const text = allText(message.blocks);
    assert.ok(text.startsWith('*ROOT CAUSE:* Liveness probe timeout (2s) on payments-service'));
    assert.ok(text.includes('*Trigger:* spot node ip-10-0-1-5 recycled at 01:47 UTC (redis-cache-0 restarted)'));
    assert.ok(text.includes('*EVIDENCE:*\n• *01:47 UTC* Node ip-10-0-1-5 recycled'));
    assert.ok(text.includes('`default/Node/ip-10-0-1-5`'));
    assert.ok(
      text.includes('*FIX:* raise livenessProbe.timeoutSeconds 2→10 and initialDelaySeconds 0→15\n```\nspec:\n'),
    );
    assert.ok(
      text.includes(
        '          livenessProbe:\n            timeoutSeconds: 10\n            initialDelaySeconds: 15\n```',
      ),
    );
    assert.ok(text.includes('*CONFIDENCE:* High (4 corroborating signals)'));
    assert.ok(text.includes('*RULED OUT:*\n• `bad-rollout` — last rollout 6h before the first failure'));
    assert.equal(message.overflow, undefined, 'the seed answer fits');
    assert.ok(message.text.startsWith('Root cause for Deployment production/payments-service: Liveness probe timeout'));

    const all = buttons(message.blocks);
    assert.deepEqual(
      all.map((b) => b.action_id),
      [
        ActionId.showNodeEvents,
        ActionId.showPodEvents,
        ActionId.showLogs,
        ActionId.showRolloutHistory,
        ActionId.rerun,
        ActionId.applyFix,
        ActionId.feedbackCorrect,
        ActionId.feedbackWrong,
      ],
    );
    for (const b of all) assert.equal(b.value, VALUE);
    assert.equal(all.find((b) => b.action_id === ActionId.applyFix)?.style, 'primary');
  });

  it('offers apply fix only when there is a fix and it is allowed', () => {
    const denied = buttons(renderRootCause(seedResult, { actionValue: VALUE, allowApplyFix: false }).blocks);
    assert.ok(!denied.some((b) => b.action_id === ActionId.applyFix));
    assert.equal(denied.length, 7);
    const noFix = renderRootCause(unknownResult, { actionValue: VALUE, allowApplyFix: true });
    assert.ok(!buttons(noFix.blocks).some((b) => b.action_id === ActionId.applyFix));
    assert.deepEqual(validateMessage(noFix), []);
    goldenJson('slack-root-cause-unknown.json', noFix);
    const text = allText(noFix.blocks);
    assert.ok(text.includes('*FIX:* none automatic — Check the broker logs around 01:10 UTC'));
    assert.ok(text.includes('*CONFIDENCE:* Low (no corroborating signals)'));
    assert.ok(!text.includes('Trigger'));
    assert.ok(!text.includes('RULED OUT'));
  });

  it('keeps a huge, hostile answer within the limits and attaches the full text', () => {
    const message = renderRootCause(hugeResult, { actionValue: VALUE, allowApplyFix: true });
    goldenJson('slack-root-cause-huge.json', message);
    assert.deepEqual(validateMessage(message), []);
    assert.ok(message.blocks.length <= LIMITS.blocksPerMessage);
    assert.equal(message.overflow, renderText(hugeResult));
    const text = allText(message.blocks);
    assert.ok(!text.includes('<!channel>') && !text.includes('<@U123>'), 'cluster text cannot mention');
    assert.ok(text.includes('&lt;!channel&gt;'));
    assert.ok(text.includes('… and 188 more items (full answer attached)'));
    assert.ok(text.includes('# … '), 'long patch is cut');
    assert.equal(message.blocks.at(-1)?.type, 'actions', 'buttons survive truncation');
    assert.ok(buttons(message.blocks).some((b) => b.action_id === ActionId.applyFix));
  });

  it('validates the button value', () => {
    const bad = ['', 'x'.repeat(65), '{"id":1}', 'has space', '-leading'];
    for (const actionValue of bad) {
      assert.throws(() => renderRootCause(seedResult, { actionValue, allowApplyFix: true }), RangeError, actionValue);
    }
    assert.doesNotThrow(() => renderRootCause(seedResult, { actionValue: 'x'.repeat(64), allowApplyFix: true }));
  });

  it('uses the contract ids', () => {
    assert.equal(ViewCallbackId.approveFix, 'causa.approve_fix');
    assert.deepEqual(Object.values(ActionId).sort(), [
      'causa.apply_fix',
      'causa.feedback_correct',
      'causa.feedback_wrong',
      'causa.rerun',
      'causa.show_logs',
      'causa.show_node_events',
      'causa.show_pod_events',
      'causa.show_rollout_history',
    ]);
  });
});
