import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ApprovalReview,
  MODAL_LIMITS,
  renderApprovalLoading,
  renderApprovalNotice,
  renderApprovalReview,
  validateModal,
} from '../../../src/slack/blocks/approval-modal.js';
import { allText } from './helpers.js';

const HEAD = {
  approvalId: 'apr_abcdefghijklmnopqrstuvwxyz',
  resource: 'apps/v1 Deployment production/payments-service',
  summary: 'raise livenessProbe.timeoutSeconds 2→10 on container payments',
};

const REVIEW: ApprovalReview = {
  ...HEAD,
  cluster: { context: 'prod-eks-use1', server: 'https://k8s.example' },
  patchType: 'strategic',
  patchYaml: 'spec:\n  template: {}',
  changes: [
    { path: 'spec.template.spec.containers[payments].livenessProbe.timeoutSeconds', before: 2, after: 10 },
    { path: 'spec.template.spec.containers[payments].livenessProbe.initialDelaySeconds', before: undefined, after: 15 },
  ],
  diff: '--- live\n+++ after\n@@ -1,2 +1,2 @@ livenessProbe:\n-  timeoutSeconds: 2\n+  timeoutSeconds: 10',
  dryRun: { ok: true },
  pods: { count: 3, names: ['a', 'b'], strategy: 'rolling update (maxUnavailable 25%, maxSurge 25%)', error: null },
  version: { proposed: '330954', live: '330954' },
  gitops: null,
  approver: 'U0ONCALL1',
  approvals: [],
  required: 1,
  requester: 'U0VIEWER',
  proposedAt: '2026-04-26T02:00:00Z',
  expiresAt: '2026-04-26T02:15:00Z',
  blockers: [],
};

test('the loading state: valid, no submit, only the approval id in private_metadata', () => {
  const v = renderApprovalLoading(HEAD);
  assert.deepEqual(validateModal(v), []);
  assert.equal(v.callback_id, 'causa.approve_fix');
  assert.equal(v.private_metadata, HEAD.approvalId);
  assert.equal(v.submit, undefined);
  assert.match(allText(v.blocks), /server-side dry run/);
});

test('the filled review: target, cluster, Diff, Server dry run, pods, Approver, and a submit button', () => {
  const v = renderApprovalReview(REVIEW);
  assert.deepEqual(validateModal(v), []);
  assert.ok(v.title.text.length <= MODAL_LIMITS.title);
  assert.equal(v.submit?.text, 'Apply fix');
  const text = allText(v.blocks);
  for (const s of ['*Diff*', '*Server dry run*', '*Approver*', '*Target*', '*Cluster*', 'prod-eks-use1', '330954'])
    assert.ok(text.includes(s), s);
  assert.match(text, /`2` → `10`/);
  assert.match(text, /`\(absent\)` → `15`/);
  assert.match(text, /\*Pods that will restart:\* 3, rolling update/);
  assert.match(text, /`a`, `b` and 1 more/);
  assert.match(text, /<@U0ONCALL1> \(you\)\. One approval applies the fix\./);
});

test('blockers remove the submit button and are listed; changes since the proposal are called out', () => {
  const v = renderApprovalReview({
    ...REVIEW,
    version: { proposed: '330954', live: '331000' },
    dryRun: {
      ok: false,
      status: 403,
      message: 'forbidden',
      permission: 'patch deployments.apps in namespace production',
    },
    blockers: ['the object changed since the proposal'],
  });
  assert.deepEqual(validateModal(v), []);
  assert.equal(v.submit, undefined);
  const text = allText(v.blocks);
  assert.match(text, /The object changed since the fix was proposed/);
  assert.match(text, /missing the RBAC permission `patch deployments.apps in namespace production`/);
  assert.match(text, /Cannot be applied from here/);
});

test('a status-only change is noted as safe (submit kept); a spec change is called out as such', () => {
  const status = renderApprovalReview({
    ...REVIEW,
    version: { proposed: '330954', live: '331000', change: 'status-only' },
  });
  assert.deepEqual(validateModal(status), []);
  assert.equal(status.submit?.text, 'Apply fix');
  const st = allText(status.blocks);
  assert.match(st, /Only the status changed since the fix was proposed/);
  assert.match(st, /the diff below are unchanged/);
  assert.doesNotMatch(st, /The object changed since the fix was proposed/);

  const spec = allText(
    renderApprovalReview({
      ...REVIEW,
      version: { proposed: '330954', live: '331000', change: 'spec' },
      blockers: ['its spec changed'],
    }).blocks,
  );
  assert.match(spec, /The object changed since the fix was proposed:\* its spec \(or labels\/annotations\) changed/);
  assert.doesNotMatch(spec, /Only the status changed/);
});

test('two-person approval and GitOps states', () => {
  const two = allText(renderApprovalReview({ ...REVIEW, required: 2, approvals: ['U0ONCALL2'] }).blocks);
  assert.match(
    two,
    /2 different approvers must approve \(not the requester, <@U0VIEWER>\); this would be approval 2 of 2/,
  );
  assert.match(two, /Already approved by <@U0ONCALL2>/);
  const g = renderApprovalReview({
    ...REVIEW,
    dryRun: null,
    gitops: {
      tool: 'Argo CD',
      why: 'it is managed by Argo CD application payments',
      gitChange: 'edit the manifest',
      kubectl: "kubectl patch deployment/x -p '{}'",
      filename: 'x.deployment.patch.yaml',
    },
    blockers: ['managed by Argo CD'],
  });
  assert.deepEqual(validateModal(g), []);
  assert.match(allText(g.blocks), /Managed by Argo CD: not applied directly/);
  assert.doesNotMatch(allText(g.blocks), /Pods that will restart/);
});

test('huge diffs and hostile text stay within modal limits and are escaped', () => {
  const diff = Array.from({ length: 5000 }, (_, i) => `+ line ${i} <b>&\`\`\``).join('\n');
  const v = renderApprovalReview({
    ...REVIEW,
    summary: 'raise <!channel> & co',
    diff,
    patchYaml: diff,
    changes: Array.from({ length: 200 }, (_, i) => ({ path: `spec.x${i}`, before: i, after: '<script>' })),
    dryRun: {
      ok: false,
      status: 422,
      message: 'bad <value> & more',
      causes: Array.from({ length: 50 }, () => ({ field: 'spec.replicas', message: 'must be >= 0' })),
    },
  });
  assert.deepEqual(validateModal(v), []);
  assert.ok(v.blocks.length <= MODAL_LIMITS.blocks);
  const text = allText(v.blocks);
  assert.match(text, /raise &lt;!channel&gt; &amp; co/);
  assert.match(text, /4880 more lines/);
  assert.match(text, /_… 180 more_/);
});

test('notices are valid modals too', () => {
  const v = renderApprovalNotice({ ...HEAD, title: 'Not applied', text: '⚠️ stale', details: 'more' });
  assert.deepEqual(validateModal(v), []);
  assert.equal(v.submit, undefined);
  assert.equal(v.close.text, 'Close');
});
