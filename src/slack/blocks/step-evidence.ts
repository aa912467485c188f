/** A progressive thread reply: what one investigation step found. Pure. */
import { formatClock, oneLine, plural } from '../../render/format.js';
import { escapeMrkdwn, fallbackText, fitBlocks, sections } from './limits.js';
import { evidenceLine, MAX_EVIDENCE_CHARS } from './root-cause.js';
import type { RenderedMessage } from './types.js';

export interface StepEvidence {
  title: string;
  items: { time: string | null; text: string; ref: string }[];
}

/** Items listed in the reply; the rest goes to `overflow`. */
export const MAX_STEP_ITEMS = 25;

export function renderStepEvidence(step: StepEvidence): RenderedMessage {
  const title = `*${escapeMrkdwn(oneLine(step.title) || 'Step')}*`;
  const shown = step.items.slice(0, MAX_STEP_ITEMS);
  const lines = shown.length === 0 ? ['_nothing found_'] : shown.map(evidenceLine);
  const hidden = step.items.length - shown.length;
  if (hidden > 0) lines.push(`_… and ${plural(hidden, 'more item')} (full list attached)_`);

  const { blocks, omitted } = fitBlocks(sections(`${title}\n${lines.join('\n')}`), [], { note: 'full list attached' });
  const text = fallbackText(
    `${oneLine(step.title)}: ${step.items.length === 0 ? 'nothing found' : plural(step.items.length, 'item')}`,
  );
  const message: RenderedMessage = { text, blocks };
  const cut = step.items.some((i) => oneLine(i.text).length > MAX_EVIDENCE_CHARS);
  if (hidden > 0 || omitted > 0 || cut) {
    const full = step.items.map((i) => {
      const time = formatClock(i.time);
      return `• ${time === null ? '' : `${time} `}${i.text}  (${i.ref})`;
    });
    message.overflow = `${oneLine(step.title)}\n${full.join('\n')}\n`;
  }
  return message;
}
