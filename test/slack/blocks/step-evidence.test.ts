import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateMessage } from '../../../src/slack/blocks/limits.js';
import { renderStepEvidence } from '../../../src/slack/blocks/step-evidence.js';
import { hugeResult, seedResult } from '../../render/fixtures.js';
import { goldenJson } from '../../render/golden.js';
import { allText } from './helpers.js';

describe('renderStepEvidence', () => {
  it('renders what a step found', () => {
    const message = renderStepEvidence({ title: 'Node events', items: seedResult.rootCause.evidence.slice(0, 2) });
    goldenJson('slack-step-evidence.json', message);
    assert.deepEqual(validateMessage(message), []);
    assert.equal(message.text, 'Node events: 2 items');
    assert.ok(allText(message.blocks).startsWith('*Node events*\n• *01:47 UTC* Node ip-10-0-1-5 recycled'));
    assert.equal(message.overflow, undefined);
  });

  it('says when nothing was found', () => {
    const message = renderStepEvidence({ title: 'Pod events', items: [] });
    assert.deepEqual(validateMessage(message), []);
    assert.equal(allText(message.blocks), '*Pod events*\n_nothing found_');
    assert.equal(message.text, 'Pod events: nothing found');
  });

  it('lists the first items and attaches the rest', () => {
    const message = renderStepEvidence({ title: 'Pod events <all>', items: hugeResult.rootCause.evidence });
    goldenJson('slack-step-evidence-huge.json', message);
    assert.deepEqual(validateMessage(message), []);
    assert.ok(allText(message.blocks).includes('… and 175 more items (full list attached)'));
    assert.ok(message.overflow?.includes('OOMKilled container checkout (198)'));
    assert.ok(message.overflow?.includes('INFO request 0 <ok>'), 'overflow is plain text, not escaped');
  });
});
