/** A real Bolt App in HTTP mode (HTTPReceiver) receiving signed deliveries from the simulator. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { App, type BlockAction, LogLevel } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { type SlackSimulator, signSlackRequest, startSlackSimulator } from '../../../src/simulators/slack/index.js';
import { freePort } from './helpers.js';

const PARENT_BLOCKS: KnownBlock[] = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Root cause found*: OOMKilled' } },
  {
    type: 'actions',
    elements: [
      { type: 'button', action_id: 'causa.rerun', text: { type: 'plain_text', text: 'Re-run' }, value: 'inv-7' },
    ],
  },
];

describe('Slack simulator with a real Bolt App in HTTP mode', () => {
  let sim: SlackSimulator;
  let app: App;
  let endpoint: string;
  const rerunValues: string[] = [];

  before(async () => {
    sim = await startSlackSimulator({ signingSecret: 'http-mode-secret' });
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}/slack/events`;
    app = new App({
      token: sim.botToken,
      signingSecret: sim.signingSecret,
      port,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/causa', async ({ command, ack, say }) => {
      await ack({ text: 'Working on it' });
      await say({ text: `Root cause found for ${command.text}`, blocks: PARENT_BLOCKS });
    });
    app.action<BlockAction>('causa.rerun', async ({ ack, body, respond }) => {
      await ack();
      const action = body.actions[0];
      if (action?.type === 'button' && action.value) rerunValues.push(action.value);
      await respond({
        replace_original: true,
        text: 'Re-running',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '_Re-running_' } }],
      });
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: 'Hello over HTTP', thread_ts: event.ts });
    });
    await app.start();
    sim.useHttpDelivery(endpoint);
  });

  after(async () => {
    await app.stop();
    await sim.close();
  });

  it('delivers a signed slash command and applies the ack body', async () => {
    const res = await sim.slashCommand({
      command: '/causa',
      text: 'deployment/web',
      user: 'U0ONCALL1',
      channel: 'C0PAYMENTS',
    });
    assert.equal(res.acked, true);
    assert.equal(res.status, 200);
    assert.deepEqual(res.ackPayload, { text: 'Working on it' });
    // Slack shows an ack body with text to the invoking user only.
    assert.deepEqual(
      sim.ephemerals().map((e) => [e.channel, e.user, e.text]),
      [['C0PAYMENTS', 'U0ONCALL1', 'Working on it']],
    );
    const parent = await sim.waitFor(() =>
      sim.messages('C0PAYMENTS').find((m) => m.text === 'Root cause found for deployment/web'),
    );
    assert.equal(parent.blocks?.length, 2);
  });

  it('delivers block_actions as payload=<json> and honours respond({ replace_original })', async () => {
    const parent = sim.messages('C0PAYMENTS')[0];
    assert.ok(parent);
    const res = await sim.clickButton({ channel: 'C0PAYMENTS', messageTs: parent.ts, actionId: 'causa.rerun' });
    assert.equal(res.acked, true);
    assert.equal(res.status, 200);
    assert.deepEqual(rerunValues, ['inv-7']);
    const edited = await sim.waitFor(() => sim.messages('C0PAYMENTS').find((m) => m.ts === parent.ts && m.edits === 1));
    assert.equal(edited.text, 'Re-running');
    assert.equal(edited.history[0]?.text, 'Root cause found for deployment/web');
    assert.equal(sim.messages('C0PAYMENTS').length, 1, 'replaced in place, not reposted');
  });

  it('delivers Events API callbacks as JSON', async () => {
    const mention = await sim.postUserMessage({ channel: 'C0INCIDENTS', text: '<@UBOTCAUSA> hi' });
    const reply = await sim.waitFor(() => sim.thread('C0INCIDENTS', mention.ts)[1]);
    assert.equal(reply.text, 'Hello over HTTP');
  });

  it('is rejected by Bolt with 401 when the signature is forged or stale', async () => {
    const body = new URLSearchParams({
      token: 'x',
      team_id: 'T0CAUSA',
      channel_id: 'C0INCIDENTS',
      user_id: 'U0ONCALL1',
      command: '/causa',
      text: 'status',
    }).toString();
    const post = (timestamp: number, secret: string) =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Slack-Request-Timestamp': String(timestamp),
          'X-Slack-Signature': signSlackRequest(secret, timestamp, body),
        },
        body,
      });
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await post(now, 'not-the-secret')).status, 401);
    assert.equal((await post(now - 600, sim.signingSecret)).status, 401);
    const genuine = await post(now, sim.signingSecret);
    assert.equal(genuine.status, 200);
    assert.deepEqual(await genuine.json(), { text: 'Working on it' });
    // Only the genuine request reached the listener.
    await sim.waitFor(() => sim.messages('C0INCIDENTS').find((m) => m.text === 'Root cause found for status'));
    assert.equal(sim.messages('C0INCIDENTS').filter((m) => m.text === 'Root cause found for status').length, 1);
  });
});
