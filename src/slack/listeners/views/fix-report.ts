/**
 * What the approve-fix flow says in Slack, shared by the click (actions/apply-fix.ts), the submit
 * (views/approve-fix.ts) and the jobs: refusals (ephemeral, with a Re-run button when re-investigating is
 * the way forward), the outcome in the thread and in the modal, the stamp that replaces the Apply button on
 * the root-cause message, the GitOps hand-over, and the rollout verification with its Roll back button.
 */
import type { BotDeps } from '../../../bot/deps.js';
import { type ApplyOutcome, outcomeOf, type Recovered, type Refusal } from '../../../fixes/apply-fix.js';
import { mentionApprovers } from '../../../fixes/approvers.js';
import type { GitOpsHandoff, GitOpsOwner } from '../../../fixes/gitops.js';
import type { PatchFailure } from '../../../fixes/patcher.js';
import { inverseFix } from '../../../fixes/plan-fix.js';
import { getProposal, type Proposal, recordProposal, snapshotTarget } from '../../../fixes/proposals.js';
import { verifyRollout } from '../../../fixes/verify.js';
import { formatClock, truncate } from '../../../render/format.js';
import { ActionId } from '../../blocks/action-ids.js';
import { type ApprovalHead, renderApprovalNotice } from '../../blocks/approval-modal.js';
import {
  actions,
  button,
  codeFence,
  context,
  escapeMrkdwn,
  fallbackText,
  inlineCode,
  LIMITS,
  sections,
} from '../../blocks/limits.js';
import { renderRootCause } from '../../blocks/root-cause.js';
import type { Block } from '../../blocks/types.js';
import type { SlackMessage } from '../../sender.js';

/** The Web API methods the modal needs (Bolt's `client`). */
export interface ViewsApi {
  views: {
    open(args: { trigger_id: string; view: object }): Promise<{ view?: { id?: string } }>;
    update(args: { view_id: string; view: object }): Promise<unknown>;
  };
}

export interface Thread {
  channel: string;
  parentTs: string;
}

export function threadOf(p: Proposal): Thread | null {
  const { slackChannel, parentTs } = p.investigation;
  return slackChannel && parentTs ? { channel: slackChannel, parentTs } : null;
}

export function headOf(p: Proposal): ApprovalHead {
  return { approvalId: p.approval.id, resource: p.record.resource, summary: p.approval.fix.summary };
}

/** `<!date^…|02:03 UTC>`: Slack shows it in the reader's time zone. */
export function slackTime(iso: string): string {
  const ms = Date.parse(iso);
  const fallback = formatClock(iso) ?? iso;
  return Number.isNaN(ms) ? fallback : `<!date^${Math.floor(ms / 1000)}^{time}|${fallback}>`;
}

const mention = (user: string) => (/^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : escapeMrkdwn(user));

/** The root-cause row of the proposal's investigation: its Re-run button's value. */
export function rerunValue(deps: BotDeps, p: Proposal): string | null {
  const row = deps.store.actions.listForInvestigation(p.investigation.id).find((r) => r.kind === 'root_cause');
  return row?.kind === 'root_cause' && row.payload.offered.includes('rerun') ? row.id : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Texts

function permissionLine(f: PatchFailure): string {
  return f.permission ? ` Causa's service account is missing the RBAC permission ${inlineCode(f.permission)}.` : '';
}

/** Why the patch did not apply, for the thread and the modal. */
export function failureText(f: PatchFailure, resource: string): string {
  const msg = escapeMrkdwn(truncate(f.message, 1000));
  switch (f.kind) {
    case 'forbidden':
      return `🔒 Causa may not patch ${inlineCode(resource)}:${permissionLine(f)} Grant the patcher role (src/fixes/README.md) or apply the patch by hand.\n_${msg}_`;
    case 'not-found':
      return `⚠️ ${inlineCode(resource)} was deleted before the patch landed; nothing was applied.`;
    case 'conflict':
      return `⚠️ ${inlineCode(resource)} changed at the last moment (409 Conflict), so the resourceVersion precondition refused the patch; nothing was applied. Re-run the investigation.`;
    case 'invalid': {
      const causes = f.causes
        .slice(0, 10)
        .map((c) => `\n• ${c.field ? `${inlineCode(c.field)}: ` : ''}${escapeMrkdwn(truncate(c.message, 300))}`)
        .join('');
      return `❌ The API server rejected the patch (422 Invalid): ${msg}${causes}`;
    }
    default:
      return `❌ The patch failed (${f.kind}${f.status ? `, HTTP ${f.status}` : ''}): ${msg}`;
  }
}

function closedText(p: Proposal): string {
  const a = p.approval;
  const o = outcomeOf(a);
  const at = o ? ` at ${slackTime(o.at)}` : '';
  switch (a.status) {
    case 'applied':
      return `✅ This fix was already applied${o?.by ? ` by ${mention(o.by)}` : ''}${at}.`;
    case 'approved':
      return '⏳ This fix is being applied right now; the thread will show the result.';
    case 'expired':
      return `⌛ This fix proposal expired at ${slackTime(a.expiresAt)}. Nothing was changed: re-run the investigation to propose it again.`;
    case 'rejected':
      return o?.kind === 'gitops'
        ? `🔁 ${inlineCode(p.record.resource)} is managed by GitOps, so Causa does not patch it: the patch file and the Git change are in the thread.`
        : '🚫 This fix was rejected.';
    default:
      switch (o?.kind) {
        case 'stale':
          return `⚠️ This fix can no longer be applied: ${inlineCode(p.record.resource)} changed after it was proposed. Re-run the investigation.`;
        case 'deleted':
        case 'recreated':
          return `⚠️ This fix can no longer be applied: ${inlineCode(p.record.resource)} was deleted after it was proposed.`;
        default:
          return `⚠️ Applying this fix failed${at}${o?.message ? `: ${escapeMrkdwn(truncate(o.message, 500))}` : ''}. Re-run the investigation for a new proposal.`;
      }
  }
}

export function refusalText(r: Refusal, p: Proposal | null): string {
  const resource = inlineCode(p?.record.resource ?? 'the target');
  switch (r.reason) {
    case 'unknown':
      return '⚠️ This button no longer matches a stored fix (it may come from another Causa installation). Nothing was changed.';
    case 'not-approver': {
      const unresolved =
        r.unresolved.length > 0
          ? ` (Causa could not read the members of ${mentionApprovers(r.unresolved)} just now.)`
          : '';
      return `🔒 Only approvers can apply fixes: ${mentionApprovers(r.approvers)}.${unresolved} Nothing was changed.`;
    }
    case 'requester':
      return `🔒 You asked for this investigation, and this workspace requires ${r.required} approvals from other people: ask two other approvers. Nothing was changed.`;
    case 'duplicate':
      return `☑️ You already approved this fix (${r.approvals} of ${r.required}); a different approver must approve it.`;
    case 'expired':
      return `⌛ This fix proposal expired at ${slackTime(r.expiresAt)} (approvals.expiresMinutes). Nothing was changed: re-run the investigation to propose it again.`;
    case 'closed':
      return p ? closedText({ ...p, approval: r.approval }) : '⚠️ This fix is no longer pending.';
    case 'stale':
      return r.change === 'spec'
        ? `⚠️ Not applied: the spec of ${resource} (or its labels/annotations) changed since the fix was proposed (resourceVersion ${inlineCode(r.proposed)} → ${inlineCode(r.live)}). Causa only applies a fix to the spec that was reviewed: re-run the investigation.`
        : `⚠️ Not applied: ${resource} changed since the fix was proposed (resourceVersion ${inlineCode(r.proposed)} → ${inlineCode(r.live)}). Causa only applies a fix to the version that was reviewed: re-run the investigation.`;
    case 'deleted':
      return `⚠️ Not applied: ${resource} no longer exists (it was deleted after the fix was proposed).`;
    case 'recreated':
      return `⚠️ Not applied: ${resource} was deleted and created again since the fix was proposed (new uid ${inlineCode(r.uid)}). Re-run the investigation.`;
    case 'unreadable':
      return r.failure.permission
        ? `🔒 Could not read ${resource}:${permissionLine(r.failure)} Nothing was changed.`
        : `⚠️ Could not read ${resource}: ${escapeMrkdwn(truncate(r.failure.message, 500))}. Nothing was changed; try again.`;
  }
}

/** Refusals after which only a fresh investigation can propose a fix. */
export function offersRerun(r: Refusal): boolean {
  if (r.reason === 'closed') return r.approval.status === 'failed' || r.approval.status === 'expired';
  return r.reason === 'stale' || r.reason === 'deleted' || r.reason === 'recreated' || r.reason === 'expired';
}

/** A private message, with a Re-run button when `rerun` names the investigation's root-cause row. */
export function privateMessage(text: string, rerun: string | null): SlackMessage {
  const blocks: Block[] = [...sections(text)];
  if (rerun) blocks.push(actions('causa.fix_refused', [button(ActionId.rerun, 'Re-run investigation', rerun)]));
  return { text: fallbackOf(text), blocks };
}

/** A mrkdwn text as plain text (mentions and dates kept readable), e.g. for a PagerDuty note. */
export function plainOf(mrkdwn: string): string {
  return mrkdwn
    .replace(/<[@!](?:subteam\^)?([A-Z0-9]+)>/g, '@$1')
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/[*`]/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The notification text of a mrkdwn message: one short plain line. */
export function fallbackOf(mrkdwn: string): string {
  return fallbackText(plainOf(mrkdwn));
}

// ---------------------------------------------------------------------------------------------------------------
// Slack effects

/** Replaces the Apply button on the root-cause message with `stamp` (e.g. "Applied by @x at 02:03"). */
export async function stampRootMessage(deps: BotDeps, p: Proposal, stamp: string): Promise<void> {
  const inv = deps.store.investigations.get(p.investigation.id);
  if (p.record.purpose !== 'fix' || !inv?.result || !inv.rootTs || !inv.slackChannel) return;
  const msg = renderRootCause(inv.result, { actionValue: p.record.actionId, allowApplyFix: false });
  const blocks = [...msg.blocks];
  // The tail is divider + two button rows; the stamp goes just above it (in place of the last body block when
  // the message is already at Slack's block limit).
  const tail = Math.max(0, blocks.length - 3);
  if (blocks.length >= LIMITS.blocksPerMessage) blocks.splice(tail - 1, 1, context(stamp));
  else blocks.splice(tail, 0, context(stamp));
  await deps.sender
    .update(inv.slackChannel, inv.rootTs, { text: msg.text, blocks })
    .catch((err) => deps.log.warn('cannot stamp the root-cause message', { err: err as Error }));
}

async function post(deps: BotDeps, p: Proposal, text: string, extra: Block[] = []): Promise<void> {
  const thread = threadOf(p);
  if (!thread) return;
  await deps.sender
    .post(thread.channel, { text: fallbackOf(text), blocks: [...sections(text), ...extra] }, thread.parentTs)
    .catch((err) => deps.log.error('cannot post in the thread', { err: err as Error }));
}

async function incidentNote(deps: BotDeps, p: Proposal, text: string): Promise<void> {
  const note = deps.fixes.incidentNote;
  if (!note || !p.investigation.incidentId) return;
  await note(p.investigation.incidentId, text).catch((err) =>
    deps.log.warn('cannot add the PagerDuty note', { err: err as Error }),
  );
}

export async function postGitOpsHandoff(
  deps: BotDeps,
  p: Proposal,
  owner: GitOpsOwner,
  handoff: GitOpsHandoff,
  user: string,
): Promise<void> {
  const text = `🔁 *Fix not applied by Causa* to ${inlineCode(p.record.resource)}: ${escapeMrkdwn(handoff.why)}.\n*Git change:* ${escapeMrkdwn(handoff.gitChange)}\n*kubectl (emergency only; ${escapeMrkdwn(owner.tool)} will revert it):*\n${codeFence(handoff.kubectl)}\nThe patch file ${inlineCode(handoff.filename)} is attached (asked by ${mention(user)}).`;
  await post(deps, p, text);
  const thread = threadOf(p);
  if (thread) {
    await deps.sender
      .upload(thread.channel, thread.parentTs, handoff.filename, handoff.file, `Patch for ${p.record.resource}`)
      .catch((err) => deps.log.error('cannot upload the patch file', { err: err as Error }));
  }
  await stampRootMessage(deps, p, `🔁 Managed by ${escapeMrkdwn(owner.tool)}: patch file offered in the thread`);
}

/** After a submit: the thread, the root-cause message, the modal, PagerDuty, then the rollout check. */
export async function reportOutcome(deps: BotDeps, outcome: ApplyOutcome, views: ViewsApi, viewId: string | null) {
  const p = outcome.proposal;
  const modal = async (title: string, text: string) => {
    if (!viewId || !p) return;
    await views.views
      .update({ view_id: viewId, view: renderApprovalNotice({ ...headOf(p), title, text }) })
      .catch((err) => deps.log.warn('cannot update the approval modal', { err: err as Error }));
  };
  switch (outcome.kind) {
    case 'refused': {
      const text = refusalText(outcome.refusal, p);
      await modal('Not applied', text);
      const thread = p ? threadOf(p) : null;
      if (thread && p) {
        const rerun = offersRerun(outcome.refusal) ? rerunValue(deps, p) : null;
        await deps.sender
          .ephemeral(thread.channel, outcome.by, privateMessage(text, rerun), thread.parentTs)
          .catch((err) => deps.log.warn('ephemeral refusal failed', { err: err as Error }));
      }
      return;
    }
    case 'recorded': {
      const text = `☑️ ${mention(outcome.by)} approved the fix for ${inlineCode(outcome.proposal.record.resource)} (${outcome.approvals} of ${outcome.required}); waiting for another approver before Causa applies it.`;
      await modal('Approval recorded', `${text}\nNothing is applied until then.`);
      await post(deps, outcome.proposal, text);
      return;
    }
    case 'gitops':
      await modal(
        'Not applied (GitOps)',
        `🔁 Not applied: ${escapeMrkdwn(outcome.handoff.why)}. The patch file is in the thread.`,
      );
      if (outcome.first) await postGitOpsHandoff(deps, outcome.proposal, outcome.owner, outcome.handoff, outcome.by);
      return;
    case 'failed': {
      const text = `❌ *Fix not applied* (approved by ${mention(outcome.by)}): ${failureText(outcome.failure, outcome.proposal.record.resource)}`;
      await modal('Fix not applied', text);
      await post(deps, outcome.proposal, text);
      await stampRootMessage(
        deps,
        outcome.proposal,
        `❌ Fix failed to apply at ${slackTime(deps.now().toISOString())}`,
      );
      await incidentNote(
        deps,
        outcome.proposal,
        `Causa: the fix for ${outcome.proposal.record.resource} was NOT applied: ${outcome.failure.message}`,
      );
      return;
    }
    case 'applied': {
      const { proposal, object, before } = outcome;
      const rvBefore = before.metadata?.resourceVersion ?? '?';
      const rvAfter = object.metadata?.resourceVersion ?? '?';
      const gen = (o: typeof object) => o.metadata?.generation;
      const generation =
        gen(before) !== undefined && gen(object) !== undefined ? ` · generation ${gen(before)} → ${gen(object)}` : '';
      const cluster = proposal.record.context ? ` on ${inlineCode(proposal.record.context)}` : '';
      const verb = proposal.record.purpose === 'rollback' ? 'Roll back applied' : 'Fix applied';
      const lines = [
        `✅ *${verb}* by ${mention(outcome.by)} at ${slackTime(outcome.at)}: ${escapeMrkdwn(proposal.approval.fix.summary)}`,
        `${inlineCode(proposal.record.resource)}${cluster} · resourceVersion ${inlineCode(rvBefore)} → ${inlineCode(rvAfter)}${generation} · fieldManager ${inlineCode('causa')}`,
        `Approved by ${outcome.approvers.map(mention).join(', ')}.`,
      ];
      if (outcome.confirmedByRead) lines.push('_The API answer was lost; re-reading the object confirmed the change._');
      const watch = Math.round(deps.fixes.verify.timeoutMs / 1000);
      lines.push(`⏳ Watching the rollout for up to ${watch >= 120 ? `${Math.round(watch / 60)} min` : `${watch} s`}…`);
      await modal(verb, `${lines[0]}\nThe thread shows whether it worked.`);
      await post(deps, proposal, lines.join('\n'));
      await stampRootMessage(deps, proposal, `✅ Applied by ${mention(outcome.by)} at ${slackTime(outcome.at)}`);
      await incidentNote(
        deps,
        proposal,
        `Causa: ${verb.toLowerCase()} to ${proposal.record.resource} by ${outcome.by} (${proposal.approval.fix.summary}).`,
      );
      deps.fixes.background.run('fix verification', (signal) =>
        verifyAndReport(deps, { proposal: outcome.proposal, object: outcome.object, plan: outcome.plan }, signal),
      );
      return;
    }
  }
}

/** Watches the rollout, then posts "fix verified" or "not verified: …" (with a Roll back button). */
type Applied = Pick<Extract<ApplyOutcome, { kind: 'applied' }>, 'proposal' | 'object' | 'plan'>;

async function verifyAndReport(deps: BotDeps, outcome: Applied, signal: AbortSignal): Promise<void> {
  const p = outcome.proposal;
  const fix = p.approval.fix;
  const result = await deps.readers
    .get(p.record.context)
    .then((reader) => verifyRollout(reader, fix.resource, outcome.object, deps.fixes.verify, { signal }))
    .catch((err: Error) => ({ status: 'not-verified' as const, reason: `cannot read the cluster: ${err.message}` }));
  if (signal.aborted) return;
  deps.store.audit.append({
    actor: 'causa',
    action:
      result.status === 'verified'
        ? 'fix.verified'
        : result.status === 'skipped'
          ? 'fix.unverifiable'
          : 'fix.not_verified',
    target: p.approval.id,
    detail: result,
  });
  const what = p.record.purpose === 'rollback' ? 'Roll back' : 'Fix';
  const text =
    result.status === 'verified'
      ? `✅ *${what} verified*: ${escapeMrkdwn(result.summary)}.`
      : result.status === 'skipped'
        ? `ℹ️ *${what} applied; nothing to watch*: ${escapeMrkdwn(result.reason)}. Check that the incident's symptom is gone.`
        : `⚠️ *${what} not verified*: ${escapeMrkdwn(result.reason)}.`;
  const extra: Block[] = [];
  const rollback = p.record.purpose === 'fix' ? await offerRollback(deps, outcome) : null;
  if (rollback) {
    extra.push(
      context('Roll back applies the inverse patch through the same approval flow (diff, dry run, approval).'),
      actions('causa.rollback', [button(ActionId.applyFix, 'Roll back…', rollback, { style: 'danger' })]),
    );
  }
  await post(deps, p, text, extra);
  await incidentNote(deps, p, `Causa: ${plainOf(text)}`);
}

/** Stores the inverse patch as a new proposal bound to the object's current version; its button row id. */
async function offerRollback(deps: BotDeps, outcome: Applied): Promise<string | null> {
  const p = outcome.proposal;
  const inverse = outcome.plan ? inverseFix(p.approval.fix, outcome.plan.changes) : null;
  if (!inverse) return null;
  const snapshot = await snapshotTarget(deps, inverse, p.record.context);
  if (!snapshot) return null;
  const row = deps.store.actions.create(p.investigation.id, {
    kind: 'apply_fix',
    payload: { target: p.investigation.target, fix: inverse },
  });
  recordProposal(deps, {
    investigationId: p.investigation.id,
    actionId: row.id,
    fix: inverse,
    snapshot,
    context: p.record.context,
    requestedBy: 'causa',
    purpose: 'rollback',
    rollbackOf: p.approval.id,
  });
  return row.id;
}

/** After a restart: what became of a fix that was being applied when the previous process died. */
export async function reportRecovered(deps: BotDeps, r: Recovered): Promise<void> {
  const resource = inlineCode(r.proposal.record.resource);
  const text = r.applied
    ? `↻ Causa restarted while applying the fix to ${resource}; the object shows the change, so it was applied (once). Watching the rollout now.`
    : `↻ Causa restarted while applying the fix to ${resource}; the object does not show the change, so it was not applied. Nothing is retried automatically: re-run the investigation.`;
  await post(deps, r.proposal, text);
  await stampRootMessage(
    deps,
    r.proposal,
    r.applied ? '✅ Applied (confirmed after a restart)' : '⚠️ Not applied (interrupted by a restart)',
  );
  if (r.applied) await watchAgain(deps, r.proposal, 0);
}

/** Verification outcomes: a fix with one of these in its audit trail has been reported. */
const VERIFICATION_ACTIONS = new Set(['fix.verified', 'fix.unverifiable', 'fix.not_verified']);

/**
 * After a restart: fixes applied recently whose rollout watch the previous process did not finish
 * are watched again (from the live object) and reported in their thread, once.
 */
export async function resumeVerifications(deps: BotDeps): Promise<number> {
  const since = new Date(deps.now().getTime() - 2 * deps.fixes.verify.timeoutMs);
  let resumed = 0;
  for (const entry of deps.store.audit.list({ action: 'fix.applied', since, limit: 200 })) {
    const detail = (entry.detail ?? {}) as { interruptedByRestart?: boolean; generation?: number | null };
    if (!entry.target || detail.interruptedByRestart) continue; // reportRecovered watches those
    const trail = deps.store.audit.list({ target: entry.target, afterId: entry.id, limit: 500 });
    if (trail.some((a) => VERIFICATION_ACTIONS.has(a.action) || a.action === 'fix.verification_resumed')) continue;
    const p = getProposal(deps.store, entry.target);
    if (!p) continue;
    deps.store.audit.append({ actor: 'causa', action: 'fix.verification_resumed', target: p.approval.id });
    await post(
      deps,
      p,
      `↻ Causa restarted while watching the rollout of ${inlineCode(p.record.resource)}; watching it again.`,
    );
    await watchAgain(deps, p, typeof detail.generation === 'number' ? detail.generation : 0);
    resumed++;
  }
  return resumed;
}

/**
 * Watches a fix's rollout again: the controller must observe `generation` (the one the patch made,
 * from the audit trail; 0 when unknown = the current one). No plan: a resumed watch offers no Roll back.
 */
async function watchAgain(deps: BotDeps, p: Proposal, generation: number): Promise<void> {
  const ref = p.approval.fix.resource;
  const applied = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, namespace: ref.namespace, generation },
  };
  deps.fixes.background.run('fix verification', (signal) =>
    verifyAndReport(deps, { proposal: p, object: applied, plan: null }, signal),
  );
}
