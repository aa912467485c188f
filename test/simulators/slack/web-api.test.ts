/** The Slack simulator's Web API driven by the real `@slack/web-api` WebClient (what Bolt uses underneath). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Button, KnownBlock, ModalView } from '@slack/types';
import { ErrorCode, WebClient } from '@slack/web-api';
import { type SlackSimulator, startSlackSimulator } from '../../../src/simulators/slack/index.js';
import { silentLogger } from './helpers.js';

function client(sim: SlackSimulator, extra: Record<string, unknown> = {}): WebClient {
  return new WebClient(sim.botToken, {
    slackApiUrl: sim.apiUrl,
    retryConfig: { retries: 0 },
    logger: silentLogger(),
    ...extra,
  });
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** The platform error code of a rejected WebClient call. */
async function platformError(p: Promise<unknown>): Promise<{ error: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; data?: Record<string, unknown> };
    assert.equal(e.code, ErrorCode.PlatformError, `expected a platform error, got ${String(err)}`);
    return { error: String(e.data?.error), data: e.data ?? {} };
  }
  assert.fail('call succeeded, expected a platform error');
}

describe('Slack simulator Web API (real WebClient)', () => {
  let sim: SlackSimulator;
  let web: WebClient;

  before(async () => {
    sim = await startSlackSimulator();
    web = client(sim);
  });
  after(async () => {
    await sim.close();
  });

  it('answers auth.test with the bot identity and rejects other tokens', async () => {
    const res = await web.auth.test();
    assert.equal(res.user_id, 'UBOTCAUSA');
    assert.equal(res.bot_id, 'B0CAUSA');
    assert.equal(res.team_id, 'T0CAUSA');
    const wrong = new WebClient('xoxb-wrong', {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      logger: silentLogger(),
    });
    assert.equal((await platformError(wrong.auth.test())).error, 'invalid_auth');
    const appTok = new WebClient(sim.appToken, {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      logger: silentLogger(),
    });
    assert.equal(
      (await platformError(appTok.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x' }))).error,
      'not_allowed_token_type',
    );
    assert.equal((await platformError(web.apiCall('nope.nothing'))).error, 'unknown_method');
  });

  it('stores messages, updates in place and threads replies', async () => {
    const parent = await web.chat.postMessage({
      channel: 'C0INCIDENTS',
      text: 'Investigating deployment/web',
      blocks: [section('*Investigating* `shop/web`')],
    });
    assert.match(parent.ts ?? '', /^\d{10}\.\d{6}$/);
    assert.equal(parent.channel, 'C0INCIDENTS');
    assert.equal(parent.message?.bot_id, 'B0CAUSA');

    const reply = await web.chat.postMessage({ channel: 'C0INCIDENTS', thread_ts: parent.ts ?? '', text: 'step 1' });
    const reply2 = await web.chat.postMessage({ channel: '#incidents', thread_ts: parent.ts ?? '', text: 'step 2' });
    assert.ok((reply.ts ?? '') > (parent.ts ?? ''), 'ts increases');
    assert.ok((reply2.ts ?? '') > (reply.ts ?? ''), 'ts increases');
    assert.equal(reply.message?.thread_ts, parent.ts);

    const updated = await web.chat.update({
      channel: 'C0INCIDENTS',
      ts: parent.ts ?? '',
      text: 'Root cause found',
      blocks: [section('*Root cause found*')],
    });
    assert.equal(updated.ts, parent.ts);

    const thread = sim.thread('C0INCIDENTS', parent.ts ?? '');
    assert.deepEqual(
      thread.map((m) => m.text),
      ['Root cause found', 'step 1', 'step 2'],
    );
    const stored = thread[0];
    assert.ok(stored);
    assert.equal(stored.edits, 1);
    assert.equal(stored.history[0]?.text, 'Investigating deployment/web');
    assert.equal(stored.replyCount, 2);
    assert.equal(thread[1]?.threadTs, parent.ts);
    // Slack assigns block_ids to blocks sent without one.
    const firstBlock = stored.blocks?.[0] as { block_id?: unknown } | undefined;
    assert.equal(typeof firstBlock?.block_id, 'string');

    const replies = await web.conversations.replies({ channel: 'C0INCIDENTS', ts: parent.ts ?? '' });
    assert.equal(replies.messages?.length, 3);
    assert.equal(replies.messages?.[0]?.reply_count, 2);
    const history = await web.conversations.history({ channel: 'C0INCIDENTS' });
    assert.deepEqual(
      history.messages?.map((m) => m.ts),
      [parent.ts],
    );

    const link = await web.chat.getPermalink({ channel: 'C0INCIDENTS', message_ts: reply.ts ?? '' });
    assert.equal(
      link.permalink,
      `${sim.url}/archives/C0INCIDENTS/p${(reply.ts ?? '').replace('.', '')}?thread_ts=${parent.ts}&cid=C0INCIDENTS`,
    );
  });

  it('rejects what Slack rejects', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => section(`block ${i}`));
    const many = await platformError(web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', blocks: tooMany }));
    assert.equal(many.error, 'invalid_blocks');
    const messages = (many.data.response_metadata as { messages: string[] }).messages;
    assert.ok(
      messages.some((m) => m.startsWith('[ERROR]') && m.includes('[json-pointer:/blocks]')),
      messages.join('\n'),
    );

    const long = await platformError(
      web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    assert.equal(long.error, 'invalid_blocks');
    assert.match(
      (long.data.response_metadata as { messages: string[] }).messages.join('\n'),
      /\[ERROR\] .*3001.* \[json-pointer:\/blocks\/0\/text\/text\]/,
    );

    const button = (id: string): Button => ({
      type: 'button',
      action_id: id,
      text: { type: 'plain_text', text: 'Go' },
      value: 'v',
    });
    const dup = await platformError(
      web.chat.postMessage({
        channel: 'C0INCIDENTS',
        text: 'x',
        blocks: [
          { type: 'actions', elements: [button('causa.rerun')] },
          { type: 'actions', elements: [button('causa.rerun')] },
        ],
      }),
    );
    assert.equal(dup.error, 'invalid_blocks');
    const unknown = await platformError(
      web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', blocks: [{ type: 'carousel' }] as KnownBlock[] }),
    );
    assert.equal(unknown.error, 'invalid_blocks');

    assert.equal(
      (await platformError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error,
      'channel_not_found',
    );
    assert.equal((await platformError(web.chat.postMessage({ channel: 'C0INCIDENTS', text: '' }))).error, 'no_text');
    assert.equal(
      (await platformError(web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x'.repeat(40_001) }))).error,
      'msg_too_long',
    );
    assert.equal(
      (await platformError(web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x', thread_ts: '1.000001' }))).error,
      'thread_not_found',
    );
    assert.equal(
      (await platformError(web.chat.update({ channel: 'C0INCIDENTS', ts: '1.000001', text: 'x' }))).error,
      'message_not_found',
    );
    assert.equal((await platformError(web.users.info({ user: 'U0NOBODY' }))).error, 'user_not_found');
    assert.equal((await platformError(web.usergroups.users.list({ usergroup: 'S0NONE' }))).error, 'no_such_subteam');

    const failed = sim.calls.filter((c) => !c.ok).map((c) => c.error);
    assert.ok(failed.includes('invalid_blocks') && failed.includes('channel_not_found'));
  });

  it('answers directory lookups', async () => {
    const info = await web.conversations.info({ channel: 'C0PAYMENTS' });
    assert.equal(info.channel?.name, 'payments');
    const user = await web.users.info({ user: 'U0ONCALL1' });
    assert.equal(user.user?.name, 'alice');
    assert.equal(user.user?.real_name, 'Alice Oncall');
    const group = await web.usergroups.users.list({ usergroup: 'S0SRETEAM' });
    assert.deepEqual(group.users, ['U0ONCALL2']);
    await web.chat.postEphemeral({ channel: 'C0INCIDENTS', user: 'U0VIEWER', text: 'Only approvers can apply fixes' });
    assert.deepEqual(
      sim.ephemerals().map((e) => [e.user, e.text]),
      [['U0VIEWER', 'Only approvers can apply fixes']],
    );
  });

  it('stores files uploaded with filesUploadV2 (getUploadURLExternal, upload, completeUploadExternal)', async () => {
    const parent = await web.chat.postMessage({ channel: 'C0PAYMENTS', text: 'logs' });
    const res = await web.filesUploadV2({
      channel_id: 'C0PAYMENTS',
      thread_ts: parent.ts ?? '',
      initial_comment: 'Full log attached',
      filename: 'web.log',
      title: 'web logs',
      content: 'line 1\nline 2\n',
    });
    assert.equal(res.ok, true);
    const files = sim.files();
    assert.equal(files.length, 1);
    assert.deepEqual(
      { channel: files[0]?.channel, threadTs: files[0]?.threadTs, title: files[0]?.title, content: files[0]?.content },
      { channel: 'C0PAYMENTS', threadTs: parent.ts, title: 'web logs', content: 'line 1\nline 2\n' },
    );
    const share = sim.thread('C0PAYMENTS', parent.ts ?? '')[1];
    assert.equal(share?.text, 'Full log attached');
    assert.deepEqual(share?.files, [files[0]?.id]);
  });

  it('checks trigger_ids and view hashes', async () => {
    const view: ModalView = {
      type: 'modal',
      callback_id: 'causa.approve_fix',
      title: { type: 'plain_text', text: 'Apply fix' },
      blocks: [section('*Diff*')],
    };
    assert.equal((await platformError(web.views.open({ trigger_id: '1.2.bogus', view }))).error, 'invalid_trigger_id');
    // No app is connected: the command is not acked, but Slack minted a trigger_id for it.
    const cmd = await sim.slashCommand({ command: '/causa', text: 'help' });
    assert.equal(cmd.acked, false);
    assert.equal(cmd.error, 'no_socket_connection');
    const triggerId = String(cmd.payload.trigger_id);
    const opened = await web.views.open({ trigger_id: triggerId, view });
    assert.match(opened.view?.id ?? '', /^V/);
    assert.equal((await platformError(web.views.open({ trigger_id: triggerId, view }))).error, 'exchanged_trigger_id');

    const viewId = opened.view?.id ?? '';
    const hash = opened.view?.hash ?? '';
    const updated = await web.views.update({
      view_id: viewId,
      hash,
      view: { ...view, blocks: [section('*Server dry run* ok')] },
    });
    assert.notEqual(updated.view?.hash, hash);
    assert.equal((await platformError(web.views.update({ view_id: viewId, hash, view }))).error, 'hash_conflict');
    assert.equal((await platformError(web.views.update({ view_id: 'V0NOPE', view }))).error, 'not_found');
    const longTitle: ModalView = { ...view, title: { type: 'plain_text', text: 'x'.repeat(25) } };
    assert.equal(
      (await platformError(web.views.update({ view_id: viewId, view: longTitle }))).error,
      'invalid_arguments',
    );
    const stored = sim.views().find((v) => v.id === viewId);
    assert.equal(stored?.updates, 1);
    assert.equal(stored?.user, 'U0ONCALL1');

    const quick = await startSlackSimulator({ triggerTtlMs: 30 });
    try {
      const cmd2 = await quick.slashCommand({ command: '/causa', text: 'help' });
      await new Promise((r) => setTimeout(r, 80));
      const quickWeb = client(quick);
      const expired = await platformError(quickWeb.views.open({ trigger_id: String(cmd2.payload.trigger_id), view }));
      assert.equal(expired.error, 'expired_trigger_id');
    } finally {
      await quick.close();
    }
  });

  it('surfaces an injected 429 as a rate-limit error with retryAfter', async () => {
    const strict = client(sim, { rejectRateLimitedCalls: true });
    sim.rateLimit({ method: 'chat.postMessage', count: 1, retryAfterSeconds: 7 });
    try {
      await strict.chat.postMessage({ channel: 'C0INCIDENTS', text: 'limited' });
      assert.fail('expected a rate-limit error');
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      assert.equal(e.code, ErrorCode.RateLimitedError);
      assert.equal(e.retryAfter, 7);
    }
    assert.equal(sim.calls.at(-1)?.error, 'ratelimited');
    assert.equal(sim.messages('C0INCIDENTS').filter((m) => m.text === 'limited').length, 0);
  });

  it('retries a 429 with Retry-After when retries are enabled, storing the message once', async () => {
    const retrying = client(sim, { retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 1 } });
    sim.rateLimit({ method: 'chat.postMessage', count: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    const res = await retrying.chat.postMessage({ channel: 'C0PAYMENTS', text: 'retried once' });
    assert.equal(res.ok, true);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    assert.equal(sim.messages('C0PAYMENTS').filter((m) => m.text === 'retried once').length, 1);
    const attempts = sim.calls.filter((c) => c.method === 'chat.postMessage' && c.args.text === 'retried once');
    assert.deepEqual(
      attempts.map((c) => c.error ?? 'ok'),
      ['ratelimited', 'ok'],
    );
  });

  it('injects platform errors and applies realistic limits when switched on', async () => {
    sim.failNext('chat.update', 'edit_window_closed');
    const posted = await web.chat.postMessage({ channel: 'C0INCIDENTS', text: 'x' });
    assert.equal(
      (await platformError(web.chat.update({ channel: 'C0INCIDENTS', ts: posted.ts ?? '', text: 'y' }))).error,
      'edit_window_closed',
    );
    await web.chat.update({ channel: 'C0INCIDENTS', ts: posted.ts ?? '', text: 'y' });

    const strict = client(sim, { rejectRateLimitedCalls: true });
    sim.setRateLimits('realistic');
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 7; i++) {
        try {
          await strict.chat.postMessage({ channel: 'C0PAYMENTS', text: `burst ${i}` });
          outcomes.push('ok');
        } catch (err) {
          outcomes.push((err as { code?: string }).code ?? 'error');
        }
      }
      assert.deepEqual(outcomes.slice(0, 5), ['ok', 'ok', 'ok', 'ok', 'ok']);
      assert.equal(outcomes[6], ErrorCode.RateLimitedError);
      // Another channel has its own budget.
      await strict.chat.postMessage({ channel: 'C0INCIDENTS', text: 'other channel' });
    } finally {
      sim.setRateLimits('off');
    }
  });
});
