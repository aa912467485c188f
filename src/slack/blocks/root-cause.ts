/**
 * The final root-cause reply in an investigation thread: ROOT CAUSE / EVIDENCE / FIX / CONFIDENCE / RULED OUT,
 * then the buttons of interface.md §3. Pure.
 */
import type { Evidence, InvestigationResult } from '../../domain/result.js';
import { patchYaml } from '../../render/fix.js';
import {
  confidenceLabel,
  confidenceWord,
  formatClock,
  oneLine,
  plural,
  targetLabel,
  truncate,
} from '../../render/format.js';
import { renderText } from '../../render/text.js';
import { ActionId } from './action-ids.js';
import {
  actions,
  assertActionValue,
  button,
  codeFence,
  context,
  divider,
  escapeMrkdwn,
  fallbackText,
  fitBlocks,
  inlineCode,
  sections,
} from './limits.js';
import type { Block, RenderedMessage } from './types.js';

export interface RootCauseOptions {
  /** Opaque id of the stored investigation (≤ 64 chars); every button carries it as its `value`. */
  actionValue: string;
  /** Whether the apply-fix button may be offered (approvals configured, not GitOps-managed, …). */
  allowApplyFix: boolean;
}

/** Evidence bullets shown in the message; the rest is in `overflow` (the full text answer). */
export const MAX_EVIDENCE_SHOWN = 12;
/** Characters of one evidence text shown in a bullet. */
export const MAX_EVIDENCE_CHARS = 300;
/** Lines of patch YAML shown in the message. */
export const MAX_PATCH_LINES = 60;

/** `• *01:47 UTC* Node ip-10-0-3-47 recycled … · `default/Node/ip-10-0-3-47`` */
export function evidenceLine(item: Pick<Evidence, 'time' | 'text' | 'ref'>): string {
  const time = formatClock(item.time);
  const head = time === null ? '' : `*${escapeMrkdwn(oneLine(time))}* `;
  const text = escapeMrkdwn(truncate(oneLine(item.text), MAX_EVIDENCE_CHARS));
  return `• ${head}${text} · ${inlineCode(truncate(item.ref, 200))}`;
}

export function renderRootCause(result: InvestigationResult, opts: RootCauseOptions): RenderedMessage {
  assertActionValue(opts.actionValue);
  const rc = result.rootCause;
  const confidence = confidenceLabel(rc.confidence, rc.signals);
  let leftOut = false;

  const body: Block[] = [];
  body.push(...sections(`*ROOT CAUSE:* ${escapeMrkdwn(rc.summary)}`));
  const about = [`${escapeMrkdwn(targetLabel(result.target))}`];
  if (result.target.context) about.push(`cluster ${inlineCode(result.target.context)}`);
  about.push(inlineCode(rc.id));
  body.push(
    rc.trigger === null
      ? context(about.join(' · '))
      : context(`*Trigger:* ${escapeMrkdwn(truncate(oneLine(rc.trigger), 1000))}`, about.join(' · ')),
  );

  const shown = rc.evidence.slice(0, MAX_EVIDENCE_SHOWN);
  const evidence = shown.length === 0 ? ['_no evidence collected_'] : shown.map(evidenceLine);
  if (rc.evidence.length > shown.length) {
    leftOut = true;
    evidence.push(`_… and ${plural(rc.evidence.length - shown.length, 'more item')} (full answer attached)_`);
  }
  if (rc.evidence.some((e) => oneLine(e.text).length > MAX_EVIDENCE_CHARS)) leftOut = true;
  body.push(...sections(`*EVIDENCE:*\n${evidence.join('\n')}`));

  if (rc.fix !== null) {
    const yamlLines = patchYaml(rc.fix).split('\n');
    let yaml = yamlLines.slice(0, MAX_PATCH_LINES).join('\n');
    if (yamlLines.length > MAX_PATCH_LINES) {
      leftOut = true;
      yaml += `\n# … ${yamlLines.length - MAX_PATCH_LINES} more lines (full patch attached)`;
    }
    const advice = rc.advice === null ? '' : `\n${escapeMrkdwn(rc.advice)}`;
    body.push(...sections(`*FIX:* ${escapeMrkdwn(rc.fix.summary)}${advice}\n${codeFence(yaml)}`));
    const res = rc.fix.resource;
    body.push(
      context(
        `${rc.fix.patchType} patch of ${inlineCode(`${res.apiVersion} ${res.kind} ${res.namespace}/${res.name}`)}`,
      ),
    );
  } else {
    const advice = rc.advice === null ? '' : ` — ${escapeMrkdwn(rc.advice)}`;
    body.push(...sections(`*FIX:* none automatic${advice}`));
  }

  body.push(...sections(`*CONFIDENCE:* ${confidence}`));

  if (result.ruledOut.length > 0) {
    const lines = result.ruledOut.map((r) => `• ${inlineCode(r.id)} — ${escapeMrkdwn(oneLine(r.reason))}`);
    body.push(...sections(`*RULED OUT:*\n${lines.join('\n')}`));
  }

  const v = opts.actionValue;
  const investigate = [
    button(ActionId.showNodeEvents, 'Node events', v),
    button(ActionId.showPodEvents, 'Pod events', v),
    button(ActionId.showLogs, 'Logs', v),
    button(ActionId.showRolloutHistory, 'Rollout history', v),
    button(ActionId.rerun, 'Re-run', v),
  ];
  if (rc.fix !== null && opts.allowApplyFix) {
    investigate.push(button(ActionId.applyFix, 'Apply fix…', v, { style: 'primary' }));
  }
  const tail: Block[] = [
    divider(),
    actions('causa.investigate', investigate),
    actions('causa.feedback', [
      button(ActionId.feedbackCorrect, '👍 Correct', v, { accessibility_label: 'The root cause was right' }),
      button(ActionId.feedbackWrong, '👎 Wrong', v, { accessibility_label: 'The root cause was wrong' }),
    ]),
  ];

  const fitted = fitBlocks(body, tail, { note: 'full answer attached' });
  if (fitted.omitted > 0) leftOut = true;

  const text = fallbackText(
    `Root cause for ${targetLabel(result.target)}: ${rc.summary} (${confidenceWord(rc.confidence)}, ${plural(rc.signals, 'signal')})`,
  );
  const message: RenderedMessage = { text, blocks: fitted.blocks };
  if (leftOut) message.overflow = renderText(result);
  return message;
}
