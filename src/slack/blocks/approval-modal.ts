/**
 * The approval modal (`callback_id` causa.approve_fix, interface.md §3), pure: a loading state opened at once
 * inside Slack's 3 s trigger window, the filled review (target, cluster, patch, `Diff`, `Server dry run`, pods
 * that will restart, `Approver`), and a notice state for results. Within modal limits: title ≤ 24 characters,
 * ≤ 100 blocks. `private_metadata` carries only the approval's opaque id.
 */
import { formatClock, plural, truncate } from '../../render/format.js';
import { ViewCallbackId } from './action-ids.js';
import {
  codeFence,
  context,
  escapeMrkdwn,
  fitBlocks,
  inlineCode,
  mrkdwn,
  plainText,
  sections,
  validateBlocks,
} from './limits.js';
import type { Block, PlainText } from './types.js';

export const MODAL_LIMITS = { blocks: 100, title: 24, button: 24, privateMetadata: 3000 } as const;
/** Lines of the diff / patch / change list shown before the rest is cut (the view must stay under 250 kB). */
export const MAX_DIFF_LINES = 120;
export const MAX_PATCH_LINES = 40;
export const MAX_CHANGES = 20;

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit?: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: Block[];
}

export interface ApprovalHead {
  approvalId: string;
  /** `apps/v1 Deployment shop/checkout-api` */
  resource: string;
  /** The fix's one-line summary. */
  summary: string;
}

export interface DryRunView {
  ok: boolean;
  /** The API server's message when it refused. */
  message?: string;
  status?: number | null;
  /** The RBAC permission that is missing (403). */
  permission?: string | null;
  causes?: { field: string; message: string }[];
}

export interface PodsView {
  count: number | null;
  names: string[];
  strategy: string | null;
  error: string | null;
}

export interface GitOpsView {
  tool: string;
  why: string;
  gitChange: string;
  kubectl: string;
  filename: string;
}

export interface ApprovalReview extends ApprovalHead {
  cluster: { context: string | null; server: string };
  patchType: 'strategic' | 'merge' | 'json';
  patchYaml: string;
  changes: { path: string; before: unknown; after: unknown }[];
  diff: string;
  /** Null when no dry run ran (GitOps-managed target). */
  dryRun: DryRunView | null;
  /** Null when the change restarts no pods. */
  pods: PodsView | null;
  /**
   * `change` (from the review): `status-only` = only the status moved the resourceVersion, the diff is unchanged;
   * `spec`/`version` (or absent) with a different live version = the object changed, re-run.
   */
  version: { proposed: string; live: string; change?: 'none' | 'status-only' | 'spec' | 'version' };
  gitops: GitOpsView | null;
  approver: string;
  /** Who approved already (two-person approval). */
  approvals: string[];
  required: number;
  requester: string;
  proposedAt: string;
  expiresAt: string;
  /** Why it cannot be applied from this dialog; empty = it can (the dialog gets its submit button). */
  blockers: string[];
}

const PATCH_NAMES = { strategic: 'strategic merge patch', merge: 'JSON merge patch', json: 'JSON patch' } as const;

function modal(approvalId: string, title: string, blocks: Block[], submit?: string): ModalView {
  const fitted = fitBlocks(blocks, [], { max: MODAL_LIMITS.blocks }).blocks;
  return {
    type: 'modal',
    callback_id: ViewCallbackId.approveFix,
    title: plainText(title, MODAL_LIMITS.title),
    ...(submit ? { submit: plainText(submit, MODAL_LIMITS.button) } : {}),
    close: plainText(submit ? 'Cancel' : 'Close', MODAL_LIMITS.button),
    private_metadata: approvalId,
    blocks: fitted,
  };
}

/** First `max` lines of `text`, and a note of how many were cut. */
function firstLines(text: string, max: number): string {
  const lines = text.split('\n');
  if (lines.length <= max) return text;
  return `${lines.slice(0, max).join('\n')}\n… ${lines.length - max} more lines`;
}

function value(v: unknown): string {
  if (v === undefined) return '(absent)';
  return truncate(typeof v === 'string' ? v : JSON.stringify(v), 120);
}

const mention = (user: string) => `<@${user}>`;

/** Opened immediately on the click, then replaced with `views.update` when the dry run returns. */
export function renderApprovalLoading(head: ApprovalHead): ModalView {
  return modal(head.approvalId, 'Approve fix', [
    ...sections(`*Fix:* ${escapeMrkdwn(head.summary)}`),
    ...sections(`⏳ Reading ${inlineCode(head.resource)} and running a server-side dry run…`),
  ]);
}

/** A result or error, in place of the review (after submit, or when the review cannot be done). */
export function renderApprovalNotice(n: ApprovalHead & { title: string; text: string; details?: string }): ModalView {
  return modal(n.approvalId, n.title, [
    ...sections(n.text),
    ...(n.details ? sections(n.details) : []),
    context(`${escapeMrkdwn(n.summary)} · ${inlineCode(n.resource)}`),
  ]);
}

function dryRunText(d: DryRunView | null): string {
  if (d === null) return '*Server dry run*\n_not run: Causa does not patch this object (see above)_';
  if (d.ok)
    return '*Server dry run*\n✅ Accepted by the API server (`dryRun=All`): the patch validates and admission allows it.';
  if (d.permission) {
    return `*Server dry run*\n🔒 Forbidden: Causa's service account is missing the RBAC permission ${inlineCode(d.permission)}.\n${escapeMrkdwn(truncate(d.message ?? '', 500))}`;
  }
  const causes = (d.causes ?? [])
    .slice(0, 10)
    .map((c) => `• ${c.field ? `${inlineCode(c.field)}: ` : ''}${escapeMrkdwn(truncate(c.message, 300))}`);
  return [
    `*Server dry run*\n❌ Rejected${d.status ? ` (HTTP ${d.status})` : ''}: ${escapeMrkdwn(truncate(d.message ?? 'unknown error', 1000))}`,
    ...causes,
  ].join('\n');
}

function podsText(p: PodsView | null): string {
  if (p === null) return '*Pods that will restart:* none (the pod template does not change)';
  const how = p.strategy ? `, ${escapeMrkdwn(p.strategy)}` : '';
  if (p.count === null)
    return `*Pods that will restart:* all of the workload's pods${how} (could not list them: ${escapeMrkdwn(truncate(p.error ?? '', 300))})`;
  const names = p.names.map(inlineCode).join(', ');
  const more = p.count > p.names.length ? ` and ${p.count - p.names.length} more` : '';
  return `*Pods that will restart:* ${p.count}${how}${p.count > 0 ? `\n${names}${more}` : ''}`;
}

export function renderApprovalReview(r: ApprovalReview): ModalView {
  const blocks: Block[] = [];
  blocks.push(...sections(`*Fix:* ${escapeMrkdwn(r.summary)}`));
  blocks.push({
    type: 'section',
    fields: [
      mrkdwn(`*Target*\n${inlineCode(r.resource)}`),
      mrkdwn(
        `*Cluster*\n${r.cluster.context ? inlineCode(r.cluster.context) : '_current context_'}\n${escapeMrkdwn(truncate(r.cluster.server, 200))}`,
      ),
      mrkdwn(`*Patch*\n${PATCH_NAMES[r.patchType]}, fieldManager ${inlineCode('causa')}`),
      mrkdwn(
        `*Bound to*\nresourceVersion ${inlineCode(r.version.proposed)}${r.version.live !== r.version.proposed ? ` (live: ${inlineCode(r.version.live)})` : ''}`,
      ),
    ],
  });
  const moved = `resourceVersion ${inlineCode(r.version.proposed)} → ${inlineCode(r.version.live)}`;
  if (r.version.change === 'status-only') {
    blocks.push(
      ...sections(
        `ℹ️ *Only the status changed since the fix was proposed* (${moved}): safe, the spec and the diff below are unchanged. The patch is applied with the live resourceVersion as its precondition.`,
      ),
    );
  } else if (r.version.change === 'spec') {
    blocks.push(
      ...sections(
        `⚠️ *The object changed since the fix was proposed:* its spec (or labels/annotations) changed (${moved}). Causa only applies a fix to the spec it was proposed for: re-run the investigation for a fix against the current object.`,
      ),
    );
  } else if (r.version.live !== r.version.proposed) {
    blocks.push(
      ...sections(
        `⚠️ *The object changed since the fix was proposed* (${moved}). Causa only applies a fix to the version it was proposed for: re-run the investigation for a fix against the current object.`,
      ),
    );
  }
  if (r.gitops) {
    const g = r.gitops;
    blocks.push(
      ...sections(
        `🔁 *Managed by ${escapeMrkdwn(g.tool)}: not applied directly.* Causa leaves this object alone because ${escapeMrkdwn(g.why)}.\n*Git change:* ${escapeMrkdwn(g.gitChange)}\nThe patch file ${inlineCode(g.filename)} is in the thread.`,
      ),
      ...sections(`*kubectl (emergency only; ${escapeMrkdwn(g.tool)} will revert it):*\n${codeFence(g.kubectl)}`),
    );
  }
  if (r.changes.length > 0) {
    const lines = r.changes
      .slice(0, MAX_CHANGES)
      .map((c) => `• ${inlineCode(c.path)}: ${inlineCode(value(c.before))} → ${inlineCode(value(c.after))}`);
    if (r.changes.length > MAX_CHANGES) lines.push(`_… ${r.changes.length - MAX_CHANGES} more_`);
    blocks.push(...sections(`*Changes* (${plural(r.changes.length, 'field')})\n${lines.join('\n')}`));
  }
  blocks.push(
    ...sections(
      r.diff
        ? `*Diff* (live object → after the patch)\n${codeFence(firstLines(r.diff, MAX_DIFF_LINES))}`
        : '*Diff*\n_none: the live object already matches the patch, or it could not be computed (see the dry run)_',
    ),
  );
  blocks.push(
    ...sections(`*Patch* (${PATCH_NAMES[r.patchType]})\n${codeFence(firstLines(r.patchYaml, MAX_PATCH_LINES))}`),
  );
  blocks.push(...sections(dryRunText(r.dryRun)));
  if (!r.gitops) blocks.push(...sections(podsText(r.pods)));
  const already = r.approvals.length > 0 ? `\nAlready approved by ${r.approvals.map(mention).join(', ')}.` : '';
  const rule =
    r.required >= 2
      ? `${r.required} different approvers must approve (not the requester, ${mention(r.requester)}); this would be approval ${r.approvals.length + 1} of ${r.required}.`
      : 'One approval applies the fix.';
  blocks.push(...sections(`*Approver*\n${mention(r.approver)} (you). ${rule}${already}`));
  if (r.blockers.length > 0) {
    blocks.push(...sections(`🚫 *Cannot be applied from here:*\n${r.blockers.map((b) => `• ${b}`).join('\n')}`));
  }
  blocks.push(
    context(
      `Proposed ${formatClock(r.proposedAt) ?? r.proposedAt} · approval expires ${formatClock(r.expiresAt) ?? r.expiresAt}`,
      'Submitting applies the patch once, with a resourceVersion precondition; the thread shows who applied it and whether it worked.',
    ),
  );
  return modal(r.approvalId, 'Approve fix', blocks, r.blockers.length === 0 ? 'Apply fix' : undefined);
}

/** Problems a view would hit in Slack (blocks, title, buttons, metadata, size). Empty when valid. */
export function validateModal(view: ModalView): string[] {
  const out = validateBlocks(view.blocks, { maxBlocks: MODAL_LIMITS.blocks });
  if (view.title.text.length > MODAL_LIMITS.title) out.push(`title: ${view.title.text.length} chars > 24`);
  for (const k of ['submit', 'close'] as const) {
    const t = view[k]?.text;
    if (t !== undefined && t.length > MODAL_LIMITS.button) out.push(`${k}: ${t.length} chars > 24`);
  }
  if (view.private_metadata.length > MODAL_LIMITS.privateMetadata) out.push('private_metadata: > 3000 chars');
  if (Buffer.byteLength(JSON.stringify(view)) > 250_000) out.push('view: > 250 kB');
  return out;
}
