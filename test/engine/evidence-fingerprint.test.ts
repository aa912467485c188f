/** Evidence fingerprints: which incidents about different workloads are one incident. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CauseId } from '../../src/domain/causes.js';
import type { InvestigationResult } from '../../src/domain/result.js';
import { evidenceFingerprint, sharedTrigger } from '../../src/engine/evidence-fingerprint.js';

function result(
  target: { kind: string; namespace: string; name: string },
  cause: CauseId,
  refs: string[],
  confidence: 'high' | 'medium' | 'low' = 'high',
): InvestigationResult {
  return {
    target: { ...target, context: 'prod' },
    rootCause: {
      id: cause,
      summary: 's',
      confidence,
      signals: 3,
      trigger: null,
      evidence: refs.map((ref) => ({ kind: 'event' as const, ref, time: null, text: 't' })),
      fix: null,
      advice: null,
    },
    hypotheses: [],
    ruledOut: [],
    timeline: [],
    steps: [],
    stats: { durationMs: 1, apiCalls: 1 },
  };
}

const cart = { kind: 'Deployment', namespace: 'shop', name: 'cart' };
const checkout = { kind: 'Deployment', namespace: 'shop', name: 'checkout' };

test('the trigger is what the evidence cites outside the workload: nodes and other pods, not its own objects', () => {
  const fp = evidenceFingerprint(
    result(cart, 'probe-timeout-slow-dependency', [
      'shop/ReplicaSet/cart-7d9f8b',
      'default/Node/ip-10-1-2-3',
      'shop/Pod/sessions-0',
      'shop/Deployment/cart',
      'shop/Pod/cart-7d9f8b-abcde',
      'shop/StatefulSet/sessions',
    ]),
  );
  assert.deepEqual(fp, {
    workload: 'Deployment/shop/cart',
    cause: 'probe-timeout-slow-dependency',
    trigger: ['default/Node/ip-10-1-2-3', 'shop/Pod/sessions-0'],
  });
});

test('no fingerprint for verdicts of absence, low confidence, or evidence only about the workload itself', () => {
  assert.equal(evidenceFingerprint(result(cart, 'unknown', ['default/Node/n1'])), null);
  assert.equal(evidenceFingerprint(result(cart, 'no-issue-found', ['default/Node/n1'])), null);
  assert.equal(evidenceFingerprint(result(cart, 'node-not-ready', ['default/Node/n1'], 'low')), null);
  assert.equal(
    evidenceFingerprint(result(cart, 'oom-killed', ['shop/Pod/cart-1-abcde', 'shop/Deployment/cart'])),
    null,
  );
});

test('same cause and a shared dependency pod groups; different workloads only', () => {
  const a = evidenceFingerprint(result(cart, 'probe-timeout-slow-dependency', ['shop/Pod/sessions-0']))!;
  const b = evidenceFingerprint(result(checkout, 'probe-timeout-slow-dependency', ['shop/Pod/sessions-0']))!;
  assert.match(sharedTrigger(a, b) ?? '', /same cause \(probe-timeout-slow-dependency\) and trigger: pod sessions-0/);
  assert.equal(sharedTrigger(a, a), null, 'one workload is the same-workload storm path, not this one');
});

test('different causes group only through a shared node (one node loss), never through another shared object', () => {
  const a = evidenceFingerprint(
    result(cart, 'probe-timeout-slow-dependency', ['default/Node/ip-10-1-2-3', 'shop/Pod/sessions-0']),
  )!;
  const b = evidenceFingerprint(result(checkout, 'node-not-ready', ['default/Node/ip-10-1-2-3']))!;
  assert.equal(sharedTrigger(a, b), 'same trigger: node ip-10-1-2-3');
  const c = evidenceFingerprint(result(checkout, 'app-crash', ['shop/Pod/sessions-0']))!;
  assert.equal(sharedTrigger(a, c), null);
});

test('nothing shared → not grouped, even with the same cause', () => {
  const a = evidenceFingerprint(result(cart, 'node-not-ready', ['default/Node/n1']))!;
  const b = evidenceFingerprint(result(checkout, 'node-not-ready', ['default/Node/n2']))!;
  assert.equal(sharedTrigger(a, b), null);
});
