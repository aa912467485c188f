/**
 * Block Kit limits (shared/reference/protocols.md §A.4) and the helpers every renderer uses to stay inside them:
 * mrkdwn escaping, code fences, splitting long text into sections, truncating to 50 blocks, and `validateBlocks`,
 * which lists the violations of a message (tests run it on every renderer output).
 */
import { truncate } from '../../render/format.js';
import type {
  ActionsBlock,
  Block,
  ButtonElement,
  ContextBlock,
  MrkdwnText,
  PlainText,
  RenderedMessage,
  SectionBlock,
} from './types.js';

export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextElementText: 3000,
  actionsElements: 25,
  blockId: 255,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Slack truncates longer message texts. */
  messageText: 40_000,
  /** Our own budget for the notification fallback `text` (Slack advises keeping it short). */
  fallbackText: 4000,
  /** The contract's bound on a button `value` (an opaque stored-row id, interface.md §3). */
  actionValue: 64,
  /**
   * Readability budget for list answers (events, logs, history): beyond this many characters of mrkdwn the
   * message shows the most recent part and the full text goes to `overflow` (uploaded as a file).
   */
  listChars: 12_000,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Text

/**
 * Escapes the three characters Slack's mrkdwn requires escaping (`&`, `<`, `>`) and breaks runs of three backticks,
 * so text from the cluster can neither mention, link nor open a code block. Every string from the cluster goes
 * through it.
 */
export function escapeMrkdwn(text: string): string {
  return neutralizeFences(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/**
 * A mrkdwn text object. `verbatim` keeps Slack from turning URLs, `#channel` or `@here` found in cluster text into
 * links or mentions (explicit `<…>` markup still works).
 */
export function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text, verbatim: true };
}

/** A plain_text object cut to `max` characters (plain_text is shown literally: no escaping). */
export function plainText(text: string, max: number): PlainText {
  const clean = text.replace(/\s+/g, ' ').trim();
  return { type: 'plain_text', text: truncate(clean === '' ? '-' : clean, max), emoji: true };
}

const FENCE = '```';

/** Breaks runs of three or more backticks so text from the cluster can never close (or open) a code fence. */
export function neutralizeFences(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
}

/** Makes text safe for inline code (`…`): no backticks inside, escaped. */
export function inlineCode(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, 'ʼ').replace(/\s+/g, ' '))}\``;
}

/** A fenced code block around raw (unescaped) content; the fences sit on their own lines. */
export function codeFence(content: string): string {
  const body = content.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  return `${FENCE}\n${escapeMrkdwn(body === '' ? ' ' : body)}\n${FENCE}`;
}

/** The plain-text notification fallback: one short escaped line. */
export function fallbackText(text: string): string {
  return escapeMrkdwn(truncate(text.replace(/\s+/g, ' ').trim(), 700)) || 'Causa';
}

function countFences(text: string): number {
  return text.split(FENCE).length - 1;
}

/**
 * Where to cut `text` so the first part has at most `max` characters: never inside a surrogate pair, an HTML entity
 * (`&amp;`) or a run of backticks. Always ≥ 1.
 */
function safeCut(text: string, max: number): number {
  let cut = Math.max(1, Math.min(max, text.length));
  const ok = (at: number): boolean => {
    const code = text.charCodeAt(at - 1);
    if (code >= 0xd800 && code <= 0xdbff) return false;
    if (text[at - 1] === '`' && text[at] === '`') return false;
    const amp = text.lastIndexOf('&', at - 1);
    if (amp >= 0 && at - amp < 6 && /^&(amp|lt|gt);/.test(text.slice(amp, amp + 5))) {
      const end = text.indexOf(';', amp);
      if (end >= at) return false;
    }
    return true;
  };
  while (cut > 1 && !ok(cut)) cut -= 1;
  return cut;
}

/**
 * Splits mrkdwn into pieces of at most `max` characters, at line boundaries when possible. A piece that ends inside
 * a code fence is closed with ``` and the next piece reopens it, so every piece renders on its own.
 */
export function splitMrkdwn(text: string, max: number = LIMITS.sectionText): string[] {
  const CLOSE = `\n${FENCE}`;
  const chunks: string[] = [];
  let lines: string[] = [];
  let len = 0;
  let content = false;
  let inFence = false;

  const push = (line: string): void => {
    len += (lines.length > 0 ? 1 : 0) + line.length;
    lines.push(line);
  };
  const flush = (): void => {
    if (content) {
      // Don't end a piece with a fence that opens an empty block: carry it to the next piece instead.
      if (inFence && lines.length > 1 && lines[lines.length - 1] === FENCE) {
        lines.pop();
        chunks.push(lines.join('\n'));
      } else {
        chunks.push(lines.join('\n') + (inFence ? CLOSE : ''));
      }
    }
    lines = [];
    len = 0;
    content = false;
    if (inFence) push(FENCE);
  };
  const fits = (line: string, fenceAfter: boolean): boolean =>
    len + (lines.length > 0 ? 1 : 0) + line.length <= max - (fenceAfter ? CLOSE.length : 0);
  const after = (piece: string): boolean => (countFences(piece) % 2 === 1 ? !inFence : inFence);

  for (const line of text.split('\n')) {
    if (!fits(line, after(line)) && content) flush();
    if (fits(line, after(line))) {
      const next = after(line);
      push(line);
      content = true;
      inFence = next;
      continue;
    }
    // A single line longer than a piece: cut it, reserving room for a closing fence.
    let rest = line;
    while (rest.length > 0) {
      const room = max - CLOSE.length - len - (lines.length > 0 ? 1 : 0);
      const cut = rest.length <= room ? rest.length : safeCut(rest, room);
      const piece = rest.slice(0, cut);
      rest = rest.slice(cut);
      const next = after(piece);
      push(piece);
      content = true;
      inFence = next;
      if (rest.length > 0) flush();
    }
  }
  if (content) chunks.push(lines.join('\n') + (inFence ? CLOSE : ''));
  return chunks.filter((chunk) => chunk.trim() !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks

/** One or more section blocks holding `text` (split as needed). Nothing for blank text. */
export function sections(text: string): SectionBlock[] {
  return splitMrkdwn(text).map((piece) => ({ type: 'section', text: mrkdwn(piece) }));
}

/** A context block with one mrkdwn element per entry (at most 10; each cut to the element limit). */
export function context(...texts: string[]): ContextBlock {
  const elements = texts
    .filter((t) => t.trim() !== '')
    .slice(0, LIMITS.contextElements)
    .map((t) => mrkdwn(splitMrkdwn(t, LIMITS.contextElementText)[0] ?? '-'));
  return { type: 'context', elements: elements.length > 0 ? elements : [mrkdwn('-')] };
}

export function divider(): Block {
  return { type: 'divider' };
}

/**
 * Keeps a message within the block limit: `tail` (e.g. the buttons) is always kept; when `body` is too long it is
 * cut and a context block says how much was left out.
 */
export function fitBlocks(
  body: readonly Block[],
  tail: readonly Block[] = [],
  opts: { max?: number; note?: string } = {},
): { blocks: Block[]; omitted: number } {
  const max = opts.max ?? LIMITS.blocksPerMessage;
  if (body.length + tail.length <= max) return { blocks: [...body, ...tail], omitted: 0 };
  const keep = Math.max(0, max - tail.length - 1);
  const omitted = body.length - keep;
  const note = `_… ${omitted} more block${omitted === 1 ? '' : 's'} left out${opts.note ? ` — ${opts.note}` : ''}_`;
  return { blocks: [...body.slice(0, keep), context(note), ...tail], omitted };
}

/** Throws unless `value` is a usable opaque button value: 1–64 characters of `[A-Za-z0-9._:-]`, starting alphanumeric. */
export function assertActionValue(value: string): void {
  if (value.length === 0 || value.length > LIMITS.actionValue || !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(value)) {
    throw new RangeError(
      `button value must be an opaque id of 1-${LIMITS.actionValue} characters [A-Za-z0-9._:-] (got ${value.length} characters)`,
    );
  }
}

export function button(
  actionId: string,
  text: string,
  value: string,
  extra: Pick<ButtonElement, 'style' | 'accessibility_label'> = {},
): ButtonElement {
  return { type: 'button', action_id: actionId, text: plainText(text, LIMITS.buttonText), value, ...extra };
}

export function actions(blockId: string, elements: ButtonElement[]): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: elements.slice(0, LIMITS.actionsElements) };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack markup we emit on purpose: `<@U…>`, `<#C…>`, `<!here>`, `<!date…>`, `<https://…|label>`. */
const SLACK_MARKUP = /<(?:[@#!][^<>\s|]+(?:\|[^<>]*)?|(?:https?|mailto):[^<>\s|]+(?:\|[^<>]*)?)>/g;

function checkMrkdwn(text: string, path: string, out: string[]): void {
  if (countFences(text) % 2 === 1) out.push(`${path}: unclosed code fence`);
  const rest = text.replace(SLACK_MARKUP, '');
  if (/[<>]/.test(rest)) out.push(`${path}: unescaped < or > in mrkdwn`);
  if (/&(?!(?:amp|lt|gt);)/.test(rest)) out.push(`${path}: unescaped & in mrkdwn`);
}

function checkText(
  value: unknown,
  path: string,
  out: string[],
  opts: { max: number; plainOnly?: boolean; required?: boolean },
): void {
  if (value === undefined && opts.required === false) return;
  if (!isRec(value)) {
    out.push(`${path}: missing text object`);
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    out.push(`${path}.type: ${String(value.type)} is not plain_text or mrkdwn`);
    return;
  }
  if (opts.plainOnly && value.type !== 'plain_text') out.push(`${path}.type: must be plain_text`);
  const text = value.text;
  if (typeof text !== 'string') {
    out.push(`${path}.text: not a string`);
    return;
  }
  if (text.trim().length === 0) out.push(`${path}.text: empty`);
  if (text.length > opts.max) out.push(`${path}.text: ${text.length} chars > ${opts.max}`);
  if (value.type === 'mrkdwn') checkMrkdwn(text, `${path}.text`, out);
}

function checkLength(value: unknown, path: string, max: number, out: string[], required = false): void {
  if (value === undefined) {
    if (required) out.push(`${path}: missing`);
    return;
  }
  if (typeof value !== 'string') out.push(`${path}: not a string`);
  else if (value.length === 0) out.push(`${path}: empty`);
  else if (value.length > max) out.push(`${path}: ${value.length} chars > ${max}`);
}

function checkButton(el: unknown, path: string, out: string[]): void {
  if (!isRec(el)) {
    out.push(`${path}: not an object`);
    return;
  }
  if (el.type !== 'button') {
    out.push(`${path}.type: ${String(el.type)} is not supported (button only)`);
    return;
  }
  checkText(el.text, `${path}.text`, out, { max: LIMITS.buttonText, plainOnly: true });
  checkLength(el.action_id, `${path}.action_id`, LIMITS.actionId, out, true);
  checkLength(el.value, `${path}.value`, LIMITS.buttonValue, out);
  checkLength(el.url, `${path}.url`, LIMITS.buttonUrl, out);
  checkLength(el.accessibility_label, `${path}.accessibility_label`, LIMITS.accessibilityLabel, out);
  if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') {
    out.push(`${path}.style: ${String(el.style)} is not primary or danger`);
  }
  if (el.confirm !== undefined) {
    const c = el.confirm;
    if (!isRec(c)) out.push(`${path}.confirm: not an object`);
    else {
      checkText(c.title, `${path}.confirm.title`, out, { max: LIMITS.confirmTitle, plainOnly: true });
      checkText(c.text, `${path}.confirm.text`, out, { max: LIMITS.confirmText });
      checkText(c.confirm, `${path}.confirm.confirm`, out, { max: LIMITS.confirmButton, plainOnly: true });
      checkText(c.deny, `${path}.confirm.deny`, out, { max: LIMITS.confirmButton, plainOnly: true });
    }
  }
}

function checkBlock(block: unknown, path: string, out: string[], blockIds: Set<string>): void {
  if (!isRec(block)) {
    out.push(`${path}: not an object`);
    return;
  }
  if (block.block_id !== undefined) {
    checkLength(block.block_id, `${path}.block_id`, LIMITS.blockId, out);
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) out.push(`${path}.block_id: duplicate ${block.block_id}`);
      blockIds.add(block.block_id);
    }
  }
  switch (block.type) {
    case 'divider':
      return;
    case 'header':
      checkText(block.text, `${path}.text`, out, { max: LIMITS.headerText, plainOnly: true });
      return;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) out.push(`${path}: section needs text or fields`);
      checkText(block.text, `${path}.text`, out, { max: LIMITS.sectionText, required: false });
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) out.push(`${path}.fields: not an array`);
        else {
          if (block.fields.length > LIMITS.sectionFields) {
            out.push(`${path}.fields: ${block.fields.length} fields > ${LIMITS.sectionFields}`);
          }
          block.fields.forEach((f, i) => {
            checkText(f, `${path}.fields[${i}]`, out, { max: LIMITS.sectionFieldText });
          });
        }
      }
      if (block.accessory !== undefined) checkButton(block.accessory, `${path}.accessory`, out);
      return;
    }
    case 'context': {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0) {
        out.push(`${path}.elements: context needs 1-${LIMITS.contextElements} elements`);
        return;
      }
      if (els.length > LIMITS.contextElements) {
        out.push(`${path}.elements: ${els.length} elements > ${LIMITS.contextElements}`);
      }
      els.forEach((el, i) => {
        checkText(el, `${path}.elements[${i}]`, out, { max: LIMITS.contextElementText });
      });
      return;
    }
    case 'actions': {
      const els = block.elements;
      if (!Array.isArray(els) || els.length === 0) {
        out.push(`${path}.elements: actions needs 1-${LIMITS.actionsElements} elements`);
        return;
      }
      if (els.length > LIMITS.actionsElements) {
        out.push(`${path}.elements: ${els.length} elements > ${LIMITS.actionsElements}`);
      }
      const ids = new Set<string>();
      els.forEach((el, i) => {
        checkButton(el, `${path}.elements[${i}]`, out);
        const id = isRec(el) ? el.action_id : undefined;
        if (typeof id === 'string') {
          if (ids.has(id)) out.push(`${path}.elements[${i}].action_id: duplicate ${id}`);
          ids.add(id);
        }
      });
      return;
    }
    default:
      out.push(`${path}.type: unsupported block type ${String(block.type)}`);
  }
}

/** The Block Kit violations of `blocks` (empty when valid). `maxBlocks` is 50 for messages, 100 for modals. */
export function validateBlocks(blocks: readonly unknown[], opts: { maxBlocks?: number } = {}): string[] {
  if (!Array.isArray(blocks)) return ['blocks: not an array'];
  const out: string[] = [];
  const max = opts.maxBlocks ?? LIMITS.blocksPerMessage;
  if (blocks.length === 0) out.push('blocks: empty');
  if (blocks.length > max) out.push(`blocks: ${blocks.length} blocks > ${max}`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(block, `blocks[${i}]`, out, blockIds);
  });
  return out;
}

/** `validateBlocks` plus the fallback `text`: present, escaped, within our budget. */
export function validateMessage(message: Pick<RenderedMessage, 'text' | 'blocks'>): string[] {
  const out = validateBlocks(message.blocks);
  if (typeof message.text !== 'string' || message.text.trim() === '') out.push('text: empty fallback text');
  else {
    if (message.text.length > LIMITS.fallbackText) {
      out.push(`text: ${message.text.length} chars > ${LIMITS.fallbackText}`);
    }
    checkMrkdwn(message.text, 'text', out);
  }
  return out;
}
