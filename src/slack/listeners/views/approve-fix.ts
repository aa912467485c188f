/**
 * Submit of the approval modal (`causa.approve_fix`). The view payload is not trusted: `private_metadata`
 * only names the approval, which is re-read from SQLite. The modal is answered at once ("checking…"), then
 * `submitApproval` runs every check and applies the patch at most once, and the outcome is reported.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { BotDeps } from '../../../bot/deps.js';
import { submitApproval } from '../../../fixes/apply-fix.js';
import { getProposal } from '../../../fixes/proposals.js';
import { renderApprovalNotice } from '../../blocks/approval-modal.js';
import { headOf, reportOutcome, type ViewsApi } from './fix-report.js';

export type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** An approval id as the store mints it (`apr_` + 26 base32 characters); anything else is not ours. */
const APPROVAL_ID = /^apr_[a-z2-7]{26}$/;

export function approveFix(deps: BotDeps) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const user = body.user.id;
    const approvalId = view.private_metadata;
    const proposal = APPROVAL_ID.test(approvalId) ? getProposal(deps.store, approvalId) : null;
    const head = proposal ? headOf(proposal) : { approvalId: '', resource: 'unknown', summary: 'unknown fix' };
    if (!proposal) {
      await ack({
        response_action: 'update',
        view: renderApprovalNotice({
          ...head,
          title: 'Cannot apply fix',
          text: '⚠️ This dialog does not name a stored Causa fix; nothing was changed.',
        }),
      });
      return;
    }
    await ack({
      response_action: 'update',
      view: renderApprovalNotice({ ...head, title: 'Approve fix', text: '⏳ Checking the object and approving…' }),
    });
    try {
      const outcome = await submitApproval(deps, approvalId, user);
      deps.log.info('fix approval submitted', { approval: approvalId, user, outcome: outcome.kind });
      await reportOutcome(deps, outcome, client as unknown as ViewsApi, view.id);
    } catch (err) {
      deps.log.error('fix approval failed', { approval: approvalId, err: err as Error });
      await (client as unknown as ViewsApi).views
        .update({
          view_id: view.id,
          view: renderApprovalNotice({
            ...head,
            title: 'Cannot apply fix',
            text: '⚠️ Something went wrong before the fix could be applied; see the bot logs.',
          }),
        })
        .catch(() => {});
    }
  };
}
