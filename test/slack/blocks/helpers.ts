/** Walkers over rendered Block Kit messages for the tests. */
import type { Block, ButtonElement } from '../../../src/slack/blocks/types.js';

export function buttons(blocks: readonly Block[]): ButtonElement[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
}

/** Every mrkdwn/plain text in the blocks, in order. */
export function texts(blocks: readonly Block[]): string[] {
  return blocks.flatMap((b) => {
    switch (b.type) {
      case 'header':
        return [b.text.text];
      case 'section':
        return [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)];
      case 'context':
        return b.elements.map((e) => e.text);
      case 'actions':
        return b.elements.map((e) => e.text.text);
      default:
        return [];
    }
  });
}

export function allText(blocks: readonly Block[]): string {
  return texts(blocks).join('\n');
}
