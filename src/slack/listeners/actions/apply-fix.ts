/**
 * `causa.apply_fix` (and the Roll back button, which is the same flow on the inverse patch): ack, re-read the
 * stored proposal the button's opaque value names, refuse non-approvers (ephemeral, naming who can approve),
 * otherwise open the approval modal at once (loading state, inside Slack's 3 s trigger window), review the fix
 * against the live object (server dry run, diff, pods that will restart), then fill the modal in.
 */
import type { BotDeps } from '../../../bot/deps.js';
import { gate, refuse } from '../../../fixes/apply-fix.js';
import type { FixPlan } from '../../../fixes/plan-fix.js';
import { type Proposal, proposalForAction } from '../../../fixes/proposals.js';
import { type Review, reviewFix } from '../../../fixes/review.js';
import {
  type ApprovalReview,
  type ModalView,
  renderApprovalLoading,
  renderApprovalNotice,
  renderApprovalReview,
} from '../../blocks/approval-modal.js';
import { escapeMrkdwn, inlineCode } from '../../blocks/limits.js';
import {
  headOf,
  offersRerun,
  postGitOpsHandoff,
  privateMessage,
  refusalText,
  rerunValue,
  type ViewsApi,
} from '../views/fix-report.js';
import type { ButtonArgs } from './serve-click.js';

/** Why this review cannot be approved from the modal (mrkdwn, escaped); empty = it can. */
export function blockers(p: Proposal, review: Extract<Review, { kind: 'ready' }>): string[] {
  const out: string[] = [];
  const rv = review.live.metadata?.resourceVersion ?? '';
  if (review.changedSinceProposal === 'spec') {
    out.push(
      `its spec (or labels/annotations) changed since the proposal (resourceVersion ${inlineCode(p.record.resourceVersion)} → ${inlineCode(rv)}): re-run the investigation`,
    );
  } else if (review.changedSinceProposal === 'version') {
    out.push(
      `the object changed since the proposal (resourceVersion ${inlineCode(p.record.resourceVersion)} → ${inlineCode(rv)}): re-run the investigation`,
    );
  }
  if (!review.dryRun.ok) {
    const f = review.dryRun.failure;
    out.push(
      f.permission
        ? `Causa may not patch it: missing RBAC permission ${inlineCode(f.permission)}`
        : 'the server dry run rejected the patch',
    );
  }
  if (review.plan === null) out.push('the patch cannot be previewed against the live object');
  else if (review.plan.changes.length === 0) out.push('the live object already has these values: nothing to apply');
  return out;
}

function reviewModel(
  p: Proposal,
  user: string,
  r: Extract<Review, { kind: 'ready' | 'gitops' }>,
  plan: FixPlan | null,
): ApprovalReview {
  const a = p.approval;
  return {
    ...headOf(p),
    cluster: r.cluster,
    patchType: a.fix.patchType,
    patchYaml: plan?.patchYaml ?? '',
    changes: plan?.changes ?? [],
    diff: plan?.diff ?? '',
    dryRun: null,
    pods: null,
    version: {
      proposed: p.record.resourceVersion,
      live: r.live.metadata?.resourceVersion ?? '?',
      ...(r.kind === 'ready' ? { change: r.changedSinceProposal } : {}),
    },
    gitops: null,
    approver: user,
    approvals: a.approvals.map((v) => v.user),
    required: a.required,
    requester: a.requestedBy,
    proposedAt: a.createdAt,
    expiresAt: a.expiresAt,
    blockers: [],
  };
}

export function reviewView(p: Proposal, review: Review, user: string): ModalView {
  const notice = (text: string) => renderApprovalNotice({ ...headOf(p), title: 'Cannot apply fix', text });
  switch (review.kind) {
    case 'unreadable':
      return notice(refusalText({ reason: 'unreadable', failure: review.failure }, p));
    case 'deleted':
      return notice(refusalText({ reason: 'deleted' }, p));
    case 'recreated':
      return notice(refusalText({ reason: 'recreated', uid: review.uid }, p));
    case 'gitops':
      return renderApprovalReview({
        ...reviewModel(p, user, review, review.plan),
        gitops: {
          tool: review.owner.tool,
          why: review.handoff.why,
          gitChange: review.handoff.gitChange,
          kubectl: review.handoff.kubectl,
          filename: review.handoff.filename,
        },
        blockers: [`managed by ${escapeMrkdwn(review.owner.source)}: make the change in Git (see above)`],
      });
    case 'ready': {
      const d = review.dryRun;
      return renderApprovalReview({
        ...reviewModel(p, user, review, review.plan),
        dryRun: d.ok
          ? { ok: true }
          : {
              ok: false,
              message: d.failure.message,
              status: d.failure.status,
              permission: d.failure.permission,
              causes: d.failure.causes,
            },
        pods: review.pods,
        blockers: blockers(p, review),
      });
    }
  }
}

export function applyFix(deps: BotDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs): Promise<void> => {
    await ack();
    const user = body.user.id;
    deps.metrics.buttonClicks.inc({ action: 'apply_fix' });
    const tell = async (text: string, rerun: string | null = null) => {
      await respond({ response_type: 'ephemeral', replace_original: false, ...privateMessage(text, rerun) }).catch(
        (err) => deps.log.warn('ephemeral reply failed', { err }),
      );
    };
    const row = typeof action.value === 'string' ? deps.store.actions.resolve(action.value, 'apply_fix') : null;
    const proposal = row ? proposalForAction(deps.store, row) : null;
    if (!row || !proposal) {
      await tell(refusalText({ reason: 'unknown' }, null));
      return;
    }
    const refusal = await gate(deps, proposal, user);
    if (refusal) {
      refuse(deps, proposal, user, refusal);
      await tell(refusalText(refusal, proposal), offersRerun(refusal) ? rerunValue(deps, proposal) : null);
      return;
    }
    const run = deps.store.actions.claimActionRun(row.id, 'apply_fix', user);
    if (!run) {
      await tell('⏳ The approval dialog for this fix is opening right now; try again in a moment.');
      return;
    }
    const views = client as unknown as ViewsApi;
    let viewId: string | null = null;
    try {
      const opened = await views.views.open({
        trigger_id: body.trigger_id,
        view: renderApprovalLoading(headOf(proposal)),
      });
      viewId = opened.view?.id ?? null;
      if (!viewId) throw new Error('views.open returned no view id');
      deps.store.approvals.setViewId(proposal.approval.id, viewId);
      const review = await reviewFix(deps, proposal, user);
      if (review.kind === 'gitops' && review.first) {
        await postGitOpsHandoff(deps, proposal, review.owner, review.handoff, user);
      }
      // The approver may have closed the dialog meanwhile; that is not a failure.
      await views.views
        .update({ view_id: viewId, view: reviewView(proposal, review, user) })
        .catch((err) => deps.log.warn('cannot fill in the approval modal', { err: err as Error }));
      deps.store.actions.finishActionRun(run.id, { status: 'done' });
    } catch (err) {
      deps.log.error('apply-fix review failed', { err: err as Error, approval: proposal.approval.id });
      deps.store.actions.finishActionRun(run.id, { status: 'failed', error: (err as Error).message });
      const text = '⚠️ Could not prepare the approval dialog; nothing was changed. See the bot logs, then try again.';
      if (viewId) {
        await views.views
          .update({
            view_id: viewId,
            view: renderApprovalNotice({ ...headOf(proposal), title: 'Cannot apply fix', text }),
          })
          .catch(() => tell(text));
      } else await tell(text);
    }
  };
}
