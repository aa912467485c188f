/**
 * The parent message of an incident or investigation, updated in place (interface.md §3): the target and cluster,
 * the state in words (`Investigating`, `Root cause found`, `Acknowledged by …`, `Resolved`), a checklist of the
 * steps, and the root cause once known. Pure.
 */
import type { Confidence } from '../../domain/result.js';
import { confidenceLabel, formatClock, oneLine, targetLabel, truncate } from '../../render/format.js';
import { context, escapeMrkdwn, fallbackText, fitBlocks, inlineCode, LIMITS, plainText, sections } from './limits.js';
import type { Block, RenderedMessage } from './types.js';

export type ParentStatus = 'investigating' | 'root-cause' | 'unknown' | 'failed' | 'acknowledged' | 'resolved';
export type ParentStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'forbidden' | 'skipped' | 'empty';

export interface ParentState {
  target: { kind: string; name: string; namespace: string; context: string | null };
  status: ParentStatus;
  steps: { name: string; title: string; status: ParentStepStatus }[];
  rootCause?: { id: string; summary: string; confidence: Confidence; signals: number } | undefined;
  incident?: { number: number; title: string; url: string; urgency: string; service: string } | undefined;
  /** Other incidents grouped into this thread (an alert storm). */
  /** Other incidents grouped into this thread; `workload` when it is not the thread's own workload. */
  related?: { number: number; title: string; url: string; status: string; workload?: string }[] | undefined;
  /** Who acknowledged: a Slack user id (`U…`/`W…`, shown as a mention) or a display name. */
  ackBy?: string | undefined;
  /** RFC 3339. */
  resolvedAt?: string | undefined;
}

export const STEP_EMOJI: Record<ParentStepStatus, string> = {
  pending: '⏳',
  running: '🔄',
  done: '✅',
  failed: '⚠️',
  forbidden: '🔒',
  skipped: '➖',
  empty: '➖',
};

const STATUS_EMOJI: Record<ParentStatus, string> = {
  investigating: '🔍',
  'root-cause': '🎯',
  unknown: '❔',
  failed: '⚠️',
  acknowledged: '👀',
  resolved: '✅',
};

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const SAFE_URL = /^https?:\/\/[^\s<>|]+$/;

function who(ackBy: string | undefined, mention: boolean): string {
  if (ackBy === undefined || ackBy.trim() === '') return 'someone';
  if (SLACK_USER.test(ackBy)) return mention ? `<@${ackBy}>` : ackBy;
  return mention ? escapeMrkdwn(oneLine(ackBy)) : oneLine(ackBy);
}

/** The state in words; `mention` renders a Slack user id as `<@U…>` (mrkdwn) rather than raw. */
function statusWords(state: ParentState, mention: boolean): string {
  switch (state.status) {
    case 'investigating':
      return 'Investigating';
    case 'root-cause':
      return 'Root cause found';
    case 'unknown':
      return 'No root cause found';
    case 'failed':
      return 'Investigation failed';
    case 'acknowledged':
      return `Acknowledged by ${who(state.ackBy, mention)}`;
    case 'resolved': {
      const at = formatClock(state.resolvedAt ?? null);
      return at === null ? 'Resolved' : `Resolved at ${mention ? escapeMrkdwn(at) : at}`;
    }
  }
}

export function renderParent(state: ParentState): RenderedMessage {
  const target = targetLabel(state.target);
  const cluster = state.target.context ? ` · ${state.target.context}` : '';
  const blocks: Block[] = [
    { type: 'header', text: plainText(`${STATUS_EMOJI[state.status]} ${target}${cluster}`, LIMITS.headerText) },
  ];

  const done = state.steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
  const progress =
    state.steps.length > 0 && state.status === 'investigating' ? ` — ${done}/${state.steps.length} steps` : '';
  blocks.push(...sections(`*${statusWords(state, true)}*${progress}`));

  if (state.incident) {
    const inc = state.incident;
    const label = escapeMrkdwn(truncate(oneLine(`#${inc.number} ${inc.title}`), 300));
    const link = SAFE_URL.test(inc.url) ? `<${inc.url}|${label.replace(/\|/g, '¦')}>` : label;
    blocks.push(
      context(
        `PagerDuty ${link}`,
        `service ${escapeMrkdwn(oneLine(inc.service))}`,
        `urgency ${escapeMrkdwn(oneLine(inc.urgency))}`,
      ),
    );
  }

  if (state.related && state.related.length > 0) {
    const shown = state.related.slice(0, 8).map((r) => {
      const label = escapeMrkdwn(truncate(oneLine(`#${r.number} ${r.title}`), 120));
      const link = SAFE_URL.test(r.url) ? `<${r.url}|${label.replace(/\|/g, '¦')}>` : label;
      const workload = r.workload ? ` — ${escapeMrkdwn(truncate(oneLine(r.workload), 80))}` : '';
      return `${link}${workload} (${escapeMrkdwn(oneLine(r.status))})`;
    });
    const more = state.related.length > 8 ? ` and ${state.related.length - 8} more` : '';
    blocks.push(context(`Also paged for this: ${shown.join(', ')}${more}`));
  }

  if (state.steps.length > 0) {
    const lines = state.steps.map((s) => {
      const title = oneLine(s.title) || oneLine(s.name);
      const note = s.status === 'forbidden' ? ' _(forbidden)_' : s.status === 'failed' ? ' _(failed)_' : '';
      return `${STEP_EMOJI[s.status]} ${escapeMrkdwn(truncate(title, 200))}${note}`;
    });
    blocks.push(...sections(lines.join('\n')));
  }

  if (state.rootCause) {
    const rc = state.rootCause;
    blocks.push(
      ...sections(
        `*Root cause:* ${escapeMrkdwn(rc.summary)}\n*Confidence:* ${confidenceLabel(rc.confidence, rc.signals)} · ${inlineCode(rc.id)}`,
      ),
    );
  }

  const { blocks: fitted } = fitBlocks(blocks);
  const summary = state.rootCause ? `: ${state.rootCause.summary}` : '';
  const incident = state.incident ? ` (PagerDuty #${state.incident.number})` : '';
  const text = fallbackText(`${statusWords(state, false)} — ${target}${cluster}${incident}${summary}`);
  return { text, blocks: fitted };
}
