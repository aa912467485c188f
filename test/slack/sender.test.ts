import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SlackApi, SlackSender } from '../../src/slack/sender.js';

function fakeApi(opts: { rateLimitFirst?: number; failWith?: Error } = {}) {
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  let limited = opts.rateLimitFirst ?? 0;
  let n = 0;
  const maybeFail = () => {
    if (limited > 0) {
      limited--;
      throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: 2 });
    }
    if (opts.failWith) throw opts.failWith;
  };
  const api: SlackApi = {
    chat: {
      postMessage: async (args) => {
        calls.push({ method: 'postMessage', args });
        maybeFail();
        n++;
        return { ok: true, ts: `1700000000.${String(n).padStart(6, '0')}` };
      },
      update: async (args) => {
        calls.push({ method: 'update', args });
        maybeFail();
        return { ok: true };
      },
      postEphemeral: async (args) => {
        calls.push({ method: 'postEphemeral', args });
        return { ok: true };
      },
    },
    filesUploadV2: async (args) => {
      calls.push({ method: 'filesUploadV2', args });
      return { ok: true };
    },
  };
  return { api, calls };
}

test('posts on one channel go out in order', async () => {
  const { api, calls } = fakeApi();
  const s = new SlackSender(api, { sleep: async () => {} });
  const ts = await Promise.all([1, 2, 3].map((i) => s.post('C1', { text: `m${i}` })));
  assert.deepEqual(
    calls.map((c) => c.args.text),
    ['m1', 'm2', 'm3'],
  );
  assert.equal(new Set(ts).size, 3);
});

test('rapid edits of one message are merged; the last content wins', async () => {
  const { api, calls } = fakeApi();
  const s = new SlackSender(api, { minEditIntervalMs: 50 });
  await s.update('C1', '1.1', { text: 'first' });
  const pending = [2, 3, 4, 5].map((i) => s.update('C1', '1.1', { text: `edit ${i}` }));
  await Promise.all(pending);
  const updates = calls.filter((c) => c.method === 'update').map((c) => c.args.text);
  assert.deepEqual(updates, ['first', 'edit 5']);
  assert.equal(s.stats.mergedUpdates, 3);
});

test('429: waits Retry-After and retries; nothing is lost', async () => {
  const { api, calls } = fakeApi({ rateLimitFirst: 3 });
  const slept: number[] = [];
  const s = new SlackSender(api, { sleep: async (ms) => void slept.push(ms) });
  const ts = await s.post('C1', { text: 'hello' });
  assert.ok(ts);
  assert.equal(calls.filter((c) => c.method === 'postMessage').length, 4);
  assert.deepEqual(slept, [2000, 2000, 2000]);
  assert.equal(s.stats.rateLimited, 3);
});

test('invalid Block Kit is never sent: the text fallback is', async () => {
  const { api, calls } = fakeApi();
  const s = new SlackSender(api, { sleep: async () => {} });
  const blocks = Array.from({ length: 51 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 'x' } }));
  await s.post('C1', { text: 'fallback', blocks });
  assert.equal(calls[0]?.args.blocks, undefined);
  assert.equal(calls[0]?.args.text, 'fallback');
  assert.equal(s.stats.invalidBlocks, 1);
});

test('platform errors are not retried', async () => {
  const { api, calls } = fakeApi({
    failWith: Object.assign(new Error('channel_not_found'), { code: 'slack_webapi_platform_error' }),
  });
  const s = new SlackSender(api, { sleep: async () => {} });
  await assert.rejects(s.post('C9', { text: 'x' }), /channel_not_found/);
  assert.equal(calls.length, 1);
});

test('a failure does not block the channel queue', async () => {
  const { api, calls } = fakeApi();
  let first = true;
  const orig = api.chat.postMessage;
  api.chat.postMessage = async (args) => {
    if (first) {
      first = false;
      throw Object.assign(new Error('invalid_auth'), { code: 'slack_webapi_platform_error' });
    }
    return orig(args);
  };
  const s = new SlackSender(api, { sleep: async () => {} });
  const a = s.post('C1', { text: 'a' });
  const b = s.post('C1', { text: 'b' });
  await assert.rejects(a);
  assert.ok(await b);
  assert.equal(calls.at(-1)?.args.text, 'b');
});
