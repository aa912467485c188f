import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  codeFence,
  context,
  escapeMrkdwn,
  fitBlocks,
  LIMITS,
  sections,
  splitMrkdwn,
  validateBlocks,
  validateMessage,
} from '../../../src/slack/blocks/limits.js';
import type { Block } from '../../../src/slack/blocks/types.js';

const fences = (s: string): number => s.split('```').length - 1;

describe('escaping', () => {
  it('escapes &, < and > and breaks code fences', () => {
    assert.equal(escapeMrkdwn('a & b <!here> <@U1> c>d'), 'a &amp; b &lt;!here&gt; &lt;@U1&gt; c&gt;d');
    assert.equal(fences(escapeMrkdwn('x ``` y ```` z')), 0);
    assert.equal(codeFence('a\n```\nb <c>'), '```\na\n`\u200b`\u200b`\nb &lt;c&gt;\n```');
    assert.equal(codeFence(''), '```\n \n```');
  });
});

describe('splitMrkdwn', () => {
  it('keeps short text whole', () => {
    assert.deepEqual(splitMrkdwn('hello\nworld'), ['hello\nworld']);
    assert.deepEqual(splitMrkdwn(''), []);
  });

  it('splits at line boundaries', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const pieces = splitMrkdwn(lines.join('\n'));
    assert.ok(pieces.length > 1);
    for (const p of pieces) assert.ok(p.length <= LIMITS.sectionText);
    assert.equal(pieces.join('\n'), lines.join('\n'));
  });

  it('closes and reopens code fences across pieces', () => {
    const code = Array.from({ length: 300 }, (_, i) => `log ${i} ${'y'.repeat(30)}`).join('\n');
    const text = `*Logs*\n${codeFence(code)}\nafter`;
    const pieces = splitMrkdwn(text, 1000);
    assert.ok(pieces.length > 3);
    for (const p of pieces) {
      assert.ok(p.length <= 1000, `${p.length}`);
      assert.equal(fences(p) % 2, 0, 'balanced fences');
    }
    assert.ok(pieces[1]?.startsWith('```\n'));
    assert.ok(pieces[0]?.endsWith('\n```'));
    assert.ok(pieces.at(-1)?.endsWith('\n```\nafter'));
    const content = pieces
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('log '));
    assert.equal(content.length, 300, 'no line lost');
  });

  it('does not leave an empty code block at the end of a piece', () => {
    const text = `${'a'.repeat(990)}\n\`\`\`\n${'b'.repeat(50)}\n\`\`\``;
    const pieces = splitMrkdwn(text, 1000);
    assert.deepEqual(pieces, ['a'.repeat(990), `\`\`\`\n${'b'.repeat(50)}\n\`\`\``]);
  });

  it('cuts a single huge line without breaking entities', () => {
    const line = escapeMrkdwn('<&>'.repeat(3000));
    const pieces = splitMrkdwn(`\`\`\`\n${line}\n\`\`\``);
    for (const p of pieces) {
      assert.ok(p.length <= LIMITS.sectionText);
      assert.equal(fences(p) % 2, 0);
      assert.doesNotMatch(p.replace(/```/g, ''), /&(?!(amp|lt|gt);)/);
    }
    assert.equal(pieces.join('').replace(/```|\n/g, '').length, line.length);
  });
});

describe('fitBlocks', () => {
  it('keeps the tail and says what was left out', () => {
    const body = Array.from({ length: 80 }, (_, i) => sections(`s${i}`)[0] as Block);
    const tail: Block[] = [{ type: 'divider' }];
    const { blocks, omitted } = fitBlocks(body, tail, { note: 'full text attached' });
    assert.equal(blocks.length, LIMITS.blocksPerMessage);
    assert.equal(omitted, 32);
    assert.deepEqual(blocks.at(-1), { type: 'divider' });
    assert.deepEqual(blocks.at(-2), context('_… 32 more blocks left out — full text attached_'));
    assert.deepEqual(validateBlocks(blocks), []);
    assert.equal(fitBlocks(body.slice(0, 3)).omitted, 0);
  });
});

describe('validateBlocks', () => {
  const button = (over: Record<string, unknown> = {}) => ({
    type: 'button',
    action_id: 'a',
    text: { type: 'plain_text', text: 'ok' },
    ...over,
  });

  it('accepts a valid message', () => {
    assert.deepEqual(
      validateBlocks([
        { type: 'header', text: { type: 'plain_text', text: 'Title' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'see <https://x.io/a|link> &amp; <@U1> <!here>' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'c' }] },
        { type: 'divider' },
        { type: 'actions', block_id: 'b', elements: [button(), button({ action_id: 'b', style: 'danger' })] },
      ]),
      [],
    );
  });

  it('lists every violation', () => {
    const violations = validateBlocks([
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
      { type: 'header', text: { type: 'mrkdwn', text: 'h' } },
      { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
      { type: 'section', text: { type: 'mrkdwn', text: 'a <b> & c' } },
      { type: 'section', text: { type: 'mrkdwn', text: '```\nopen' } },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
      { type: 'section' },
      { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'x' })) },
      {
        type: 'actions',
        block_id: 'dup',
        elements: [
          button({ text: { type: 'plain_text', text: 'b'.repeat(76) } }),
          button({ style: 'green' }),
          button({ action_id: 'x'.repeat(256) }),
          button({ value: 'v'.repeat(2001) }),
        ],
      },
      {
        type: 'actions',
        block_id: 'dup',
        elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `a${i}` })),
      },
      { type: 'actions', elements: [button(), button()] },
      { type: 'image' },
    ]);
    const expected = [
      'blocks[0].text.text: 151 chars > 150',
      'blocks[1].text.type: must be plain_text',
      'blocks[2].text.text: 3001 chars > 3000',
      'blocks[3].text.text: unescaped < or > in mrkdwn',
      'blocks[3].text.text: unescaped & in mrkdwn',
      'blocks[4].text.text: unclosed code fence',
      'blocks[5].text.text: empty',
      'blocks[6]: section needs text or fields',
      'blocks[7].elements: 11 elements > 10',
      'blocks[8].elements[0].text.text: 76 chars > 75',
      'blocks[8].elements[1].style: green is not primary or danger',
      'blocks[8].elements[2].action_id: 256 chars > 255',
      'blocks[8].elements[3].value: 2001 chars > 2000',
      'blocks[8].elements[3].action_id: duplicate a',
      'blocks[9].block_id: duplicate dup',
      'blocks[9].elements: 26 elements > 25',
      'blocks[10].elements[1].action_id: duplicate a',
      'blocks[11].type: unsupported block type image',
    ];
    for (const v of expected) assert.ok(violations.includes(v), `${v}\n in ${violations.join('\n')}`);
    assert.ok(!violations.some((v) => v.startsWith('blocks: ')));
  });

  it('counts blocks', () => {
    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    assert.deepEqual(validateBlocks(many), ['blocks: 51 blocks > 50']);
    assert.deepEqual(validateBlocks(many, { maxBlocks: 100 }), []);
    assert.deepEqual(validateBlocks([]), ['blocks: empty']);
  });

  it('checks the fallback text', () => {
    const blocks: Block[] = [{ type: 'divider' }];
    assert.deepEqual(validateMessage({ text: 'ok', blocks }), []);
    assert.deepEqual(validateMessage({ text: ' ', blocks }), ['text: empty fallback text']);
    assert.deepEqual(validateMessage({ text: 'x'.repeat(4001), blocks }), ['text: 4001 chars > 4000']);
    assert.deepEqual(validateMessage({ text: '<!channel>', blocks }), []);
    assert.deepEqual(validateMessage({ text: 'a < b', blocks }), ['text: unescaped < or > in mrkdwn']);
  });
});
