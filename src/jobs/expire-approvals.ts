/**
 * Fix proposals past `approvals.expiresMinutes` become `expired` (clicks and submits check expiry themselves
 * too; this keeps the state honest and the messages tidy): audited, the Apply button replaced with a note,
 * and a word in the thread when someone had already approved.
 */
import type { BotDeps } from '../bot/deps.js';
import { getProposal } from '../fixes/proposals.js';
import { inlineCode } from '../slack/blocks/limits.js';
import { slackTime, stampRootMessage, threadOf } from '../slack/listeners/views/fix-report.js';

export async function expireApprovals(deps: BotDeps): Promise<string[]> {
  const ids = deps.store.approvals.expireDue();
  for (const id of ids) {
    deps.store.audit.append({ actor: 'causa', action: 'fix.expired', target: id });
    const p = getProposal(deps.store, id);
    if (!p) continue;
    const when = slackTime(p.approval.expiresAt);
    await stampRootMessage(deps, p, `⌛ Fix proposal expired at ${when}: re-run the investigation to propose it again`);
    const thread = threadOf(p);
    if (thread && p.approval.approvals.length > 0) {
      await deps.sender
        .post(
          thread.channel,
          {
            text: `⌛ The approval of the fix for ${inlineCode(p.record.resource)} expired at ${when} with ${p.approval.approvals.length} of ${p.approval.required} approvals; nothing was applied.`,
          },
          thread.parentTs,
        )
        .catch((err) => deps.log.warn('cannot post the expiry', { err: err as Error }));
    }
  }
  return ids;
}
