/**
 * Block Kit checks for every message and view write: Causa's `validateBlocks` (limits and shapes of the blocks Causa
 * renders) plus the basics real Slack enforces for the other block/element types and duplicate `action_id`s. Errors
 * come back in Slack's `response_metadata.messages` format: `[ERROR] <what> [json-pointer:/blocks/0/text/text]`.
 */
import { LIMITS, validateBlocks } from '../../slack/blocks/limits.js';

type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Block types Slack knows. `validateBlocks` covers actions/context/divider/header/section; the rest is checked here. */
const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'context_actions',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

const ELEMENT_TYPES = new Set([
  'button',
  'channels_select',
  'checkboxes',
  'conversations_select',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'external_select',
  'file_input',
  'image',
  'multi_channels_select',
  'multi_conversations_select',
  'multi_external_select',
  'multi_static_select',
  'multi_users_select',
  'number_input',
  'overflow',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'static_select',
  'timepicker',
  'url_text_input',
  'users_select',
  'workflow_button',
]);

const INPUT_ELEMENT_TYPES = new Set([
  'channels_select',
  'checkboxes',
  'conversations_select',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'external_select',
  'file_input',
  'multi_channels_select',
  'multi_conversations_select',
  'multi_external_select',
  'multi_static_select',
  'multi_users_select',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'static_select',
  'timepicker',
  'url_text_input',
  'users_select',
]);

interface Problem {
  path: string;
  message: string;
}

/** `blocks[0].text.text` -> `/blocks/0/text/text`. */
function pointer(path: string, prefix: string): string {
  return `${prefix}/${path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .join('/')}`;
}

function splitProblem(line: string): Problem {
  const at = line.indexOf(': ');
  return at < 0 ? { path: 'blocks', message: line } : { path: line.slice(0, at), message: line.slice(at + 2) };
}

function textObject(v: unknown, path: string, max: number, out: Problem[], plainOnly = false): void {
  if (!isRec(v) || (v.type !== 'plain_text' && v.type !== 'mrkdwn') || typeof v.text !== 'string') {
    out.push({ path, message: 'must be a text object (plain_text or mrkdwn with a text string)' });
    return;
  }
  if (plainOnly && v.type !== 'plain_text') out.push({ path: `${path}.type`, message: 'must be plain_text' });
  if (v.text.length > max) out.push({ path: `${path}.text`, message: `must be less than ${max + 1} characters` });
}

function checkElement(el: unknown, path: string, out: Problem[], inputOnly: boolean): void {
  if (!isRec(el) || typeof el.type !== 'string') {
    out.push({ path, message: 'must be an element object with a type' });
    return;
  }
  if (!ELEMENT_TYPES.has(el.type)) {
    out.push({ path: `${path}.type`, message: `unknown element type ${el.type}` });
    return;
  }
  if (inputOnly && !INPUT_ELEMENT_TYPES.has(el.type)) {
    out.push({ path: `${path}.type`, message: `${el.type} is not allowed in an input block` });
  }
  if (el.action_id !== undefined && (typeof el.action_id !== 'string' || el.action_id.length > LIMITS.actionId)) {
    out.push({ path: `${path}.action_id`, message: `must be a string of at most ${LIMITS.actionId} characters` });
  }
  if (el.options !== undefined) {
    if (!Array.isArray(el.options)) out.push({ path: `${path}.options`, message: 'must be an array' });
    else if (el.options.length > 100) out.push({ path: `${path}.options`, message: 'no more than 100 items allowed' });
  }
  if (el.type === 'image' && (typeof el.alt_text !== 'string' || el.alt_text === '')) {
    out.push({ path: `${path}.alt_text`, message: 'is required' });
  }
}

/** Checks for the block types `validateBlocks` does not know. */
function checkOtherBlock(block: Rec, path: string, out: Problem[]): void {
  switch (block.type) {
    case 'input':
      textObject(block.label, `${path}.label`, 2000, out, true);
      if (block.hint !== undefined) textObject(block.hint, `${path}.hint`, 2000, out, true);
      if (block.element === undefined) out.push({ path: `${path}.element`, message: 'is required' });
      else checkElement(block.element, `${path}.element`, out, true);
      return;
    case 'image':
      if (typeof block.image_url !== 'string' && !isRec(block.slack_file)) {
        out.push({ path: `${path}.image_url`, message: 'image_url or slack_file is required' });
      }
      if (typeof block.alt_text !== 'string' || block.alt_text === '' || block.alt_text.length > 2000) {
        out.push({ path: `${path}.alt_text`, message: 'must be 1-2000 characters' });
      }
      if (block.title !== undefined) textObject(block.title, `${path}.title`, 2000, out, true);
      return;
    case 'rich_text':
      if (!Array.isArray(block.elements)) out.push({ path: `${path}.elements`, message: 'is required' });
      return;
    case 'markdown':
      if (typeof block.text !== 'string' || block.text.length > 12_000) {
        out.push({ path: `${path}.text`, message: 'must be a string of at most 12000 characters' });
      }
      return;
    case 'file':
      if (typeof block.external_id !== 'string') out.push({ path: `${path}.external_id`, message: 'is required' });
      return;
    case 'video':
      for (const key of ['alt_text', 'video_url', 'thumbnail_url']) {
        if (typeof block[key] !== 'string') out.push({ path: `${path}.${key}`, message: 'is required' });
      }
      textObject(block.title, `${path}.title`, 200, out, true);
      return;
    default:
      return;
  }
}

/** Every interactive element of a block list with its path: actions elements, section accessories, input elements. */
export function interactiveElements(blocks: readonly unknown[]): { el: Rec; path: string; block: Rec }[] {
  const found: { el: Rec; path: string; block: Rec }[] = [];
  blocks.forEach((block, i) => {
    if (!isRec(block)) return;
    if (Array.isArray(block.elements) && (block.type === 'actions' || block.type === 'context_actions')) {
      block.elements.forEach((el, j) => {
        if (isRec(el)) found.push({ el, path: `blocks[${i}].elements[${j}]`, block });
      });
    }
    if (isRec(block.accessory)) found.push({ el: block.accessory, path: `blocks[${i}].accessory`, block });
    if (isRec(block.element)) found.push({ el: block.element, path: `blocks[${i}].element`, block });
  });
  return found;
}

const MRKDWN_LINT = /unescaped [&<>]|unescaped < or >|unclosed code fence/;

/**
 * The violations of `blocks`, formatted like Slack's `response_metadata.messages`. Empty when valid.
 * `prefix` is '' for messages and '/view' for views.
 */
export function blockErrors(
  blocks: readonly unknown[],
  opts: { maxBlocks: number; mode: 'causa' | 'slack'; prefix?: string },
): string[] {
  const problems: Problem[] = [];
  for (const line of validateBlocks(blocks, { maxBlocks: opts.maxBlocks })) {
    const p = splitProblem(line);
    const unsupportedBlock = /^unsupported block type (.+)$/.exec(p.message);
    if (unsupportedBlock && BLOCK_TYPES.has(unsupportedBlock[1] ?? '')) continue;
    const unsupportedEl = /^(.+) is not supported \(button only\)$/.exec(p.message);
    if (unsupportedEl && ELEMENT_TYPES.has(unsupportedEl[1] ?? '')) continue;
    // Context blocks may hold image elements besides text objects.
    if (/^image is not plain_text or mrkdwn$/.test(p.message)) continue;
    if (opts.mode === 'slack' && MRKDWN_LINT.test(p.message)) continue;
    problems.push(p);
  }
  blocks.forEach((block, i) => {
    if (!isRec(block)) return;
    if (typeof block.type !== 'string') {
      problems.push({ path: `blocks[${i}].type`, message: 'is required' });
      return;
    }
    checkOtherBlock(block, `blocks[${i}]`, problems);
  });
  // Non-button elements inside actions / section accessories (validateBlocks only knows buttons).
  for (const { el, path } of interactiveElements(blocks)) {
    if (el.type !== 'button' && !path.endsWith('.element')) checkElement(el, path, problems, false);
  }
  // action_id must be unique within the whole message / view.
  const seen = new Set<string>();
  for (const { el, path } of interactiveElements(blocks)) {
    if (typeof el.action_id !== 'string') continue;
    if (seen.has(el.action_id)) problems.push({ path: `${path}.action_id`, message: `duplicate ${el.action_id}` });
    seen.add(el.action_id);
  }
  const prefix = opts.prefix ?? '';
  const lines = problems.map((p) => `[ERROR] ${p.message} [json-pointer:${pointer(p.path, prefix)}]`);
  return [...new Set(lines)];
}

/** A copy of `blocks` where every block has a `block_id` (Slack assigns random ones when missing). */
export function withBlockIds(blocks: readonly unknown[], mint: () => string): unknown[] {
  const copy = structuredClone(blocks) as unknown[];
  for (const block of copy) {
    if (isRec(block) && block.block_id === undefined) block.block_id = mint();
  }
  return copy;
}

/** The element (and its block) with `action_id` in a message's blocks. */
export function findAction(blocks: readonly unknown[], actionId: string): { el: Rec; block: Rec } | undefined {
  const hit = interactiveElements(blocks).find(({ el }) => el.action_id === actionId);
  return hit ? { el: hit.el, block: hit.block } : undefined;
}

/** The `state.values` entry Slack sends for an input element, from its initial value or a user-given one. */
function stateValue(el: Rec, given: unknown): Rec {
  const type = String(el.type);
  if (isRec(given)) return { type, ...given };
  const has = given !== undefined;
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
    case 'rich_text_input':
      return { type, value: has ? given : (el.initial_value ?? null) };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons': {
      const options = Array.isArray(el.options) ? el.options : [];
      const picked = has ? options.find((o) => isRec(o) && o.value === given) : el.initial_option;
      return { type, selected_option: picked ?? (has ? { value: given } : null) };
    }
    case 'multi_static_select':
    case 'checkboxes': {
      const options = Array.isArray(el.options) ? el.options : [];
      const wanted = Array.isArray(given) ? given : has ? [given] : undefined;
      const picked = wanted
        ? wanted.map((w) => options.find((o) => isRec(o) && o.value === w) ?? { value: w })
        : (el.initial_options ?? []);
      return { type, selected_options: picked };
    }
    case 'users_select':
      return { type, selected_user: has ? given : (el.initial_user ?? null) };
    case 'multi_users_select':
      return { type, selected_users: has ? given : (el.initial_users ?? []) };
    case 'conversations_select':
      return { type, selected_conversation: has ? given : (el.initial_conversation ?? null) };
    case 'channels_select':
      return { type, selected_channel: has ? given : (el.initial_channel ?? null) };
    case 'datepicker':
      return { type, selected_date: has ? given : (el.initial_date ?? null) };
    case 'timepicker':
      return { type, selected_time: has ? given : (el.initial_time ?? null) };
    case 'datetimepicker':
      return { type, selected_date_time: has ? given : (el.initial_date_time ?? null) };
    default:
      return { type, value: has ? given : null };
  }
}

function isEmpty(state: Rec): boolean {
  for (const [key, v] of Object.entries(state)) {
    if (key === 'type') continue;
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    return false;
  }
  return true;
}

/**
 * `view.state.values` for a submission: every input block's element, from `values[blockId][actionId]` when given
 * (a raw value or a full state object), otherwise its initial value. Lists required inputs left empty (the Slack
 * client refuses to submit those).
 */
export function viewState(
  blocks: readonly unknown[],
  values: Record<string, Record<string, unknown>> = {},
): { values: Record<string, Record<string, Rec>>; missing: string[] } {
  const out: Record<string, Record<string, Rec>> = {};
  const missing: string[] = [];
  for (const block of blocks) {
    if (!isRec(block) || block.type !== 'input' || !isRec(block.element)) continue;
    const blockId = String(block.block_id);
    const actionId = typeof block.element.action_id === 'string' ? block.element.action_id : blockId;
    const state = stateValue(block.element, values[blockId]?.[actionId]);
    out[blockId] = { [actionId]: state };
    if (block.optional !== true && isEmpty(state)) missing.push(`${blockId}.${actionId}`);
  }
  for (const [blockId, byAction] of Object.entries(values)) {
    if (!out[blockId]) throw new Error(`submitView: no input block with block_id ${blockId} in the view`);
    for (const actionId of Object.keys(byAction)) {
      if (!out[blockId]?.[actionId]) throw new Error(`submitView: block ${blockId} has no element ${actionId}`);
    }
  }
  return { values: out, missing };
}
