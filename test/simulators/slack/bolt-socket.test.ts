/** A real Bolt App in Socket Mode against the simulator: command -> message with a button -> modal -> submission. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { App, type BlockAction, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { KnownBlock, ModalView } from '@slack/types';
import { type SlackSimulator, startSlackSimulator } from '../../../src/simulators/slack/index.js';

const ROOT_BLOCKS: KnownBlock[] = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Investigating* `shop/web`' } },
  {
    type: 'actions',
    block_id: 'inc_1',
    elements: [
      {
        type: 'button',
        action_id: 'causa.apply_fix',
        text: { type: 'plain_text', text: 'Apply fix' },
        value: 'fix-1',
        style: 'danger',
      },
      { type: 'button', action_id: 'causa.rerun', text: { type: 'plain_text', text: 'Re-run' }, value: 'inv-1' },
    ],
  },
];

function approvalModal(fixId: string): ModalView {
  return {
    type: 'modal',
    callback_id: 'causa.approve_fix',
    private_metadata: fixId,
    title: { type: 'plain_text', text: 'Apply fix' },
    submit: { type: 'plain_text', text: 'Apply' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: '*Diff*\n```\n- memory: 128Mi\n+ memory: 256Mi\n```' } },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'reason_input' },
      },
    ],
  };
}

describe('Slack simulator with a real Bolt App in Socket Mode', () => {
  let sim: SlackSimulator;
  let app: App;
  const submissions: { values: unknown; metadata: string; user: string }[] = [];

  before(async () => {
    sim = await startSlackSimulator({ ackTimeoutMs: 1000 });
    // A custom receiver to lower clientPingTimeout (reconnect delay = clientPingTimeout x failures). App does not pass
    // clientOptions to a custom receiver: slackApiUrl must be given here too (protocols.md A.0 traps).
    const receiver = new SocketModeReceiver({
      appToken: sim.appToken,
      clientPingTimeout: 1000,
      logLevel: LogLevel.ERROR,
      installerOptions: { clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } } },
    });
    app = new App({
      token: sim.botToken,
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/causa', async ({ command, ack, say }) => {
      await ack();
      await say({ text: `Investigating ${command.text}`, blocks: ROOT_BLOCKS });
    });
    app.command('/slow', async () => {
      // never acks
    });
    app.action<BlockAction>('causa.apply_fix', async ({ ack, body, client, respond }) => {
      await ack();
      const value = body.actions[0]?.type === 'button' ? (body.actions[0].value ?? '') : '';
      await client.views.open({ trigger_id: body.trigger_id, view: approvalModal(value) });
      await respond({ text: 'Opening the approval modal', response_type: 'ephemeral', replace_original: false });
    });
    app.view('causa.approve_fix', async ({ ack, view, body }) => {
      const reason = view.state.values.reason?.reason_input?.value ?? '';
      if (reason.length < 3) {
        await ack({ response_action: 'errors', errors: { reason: 'Say why (3+ characters)' } });
        return;
      }
      await ack();
      submissions.push({ values: view.state.values, metadata: view.private_metadata, user: body.user.id });
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: 'At your service', thread_ts: event.ts });
    });
    await app.start();
  });

  after(async () => {
    await app.stop();
    await sim.close();
  });

  it('connects through apps.connections.open and gets hello', () => {
    assert.equal(sim.connectedSockets(), 1);
    const open = sim.calls.filter((c) => c.method === 'apps.connections.open');
    assert.equal(open.length, 1);
    assert.equal(open[0]?.ok, true);
    assert.ok(sim.calls.some((c) => c.method === 'auth.test' && c.ok));
  });

  it('drives command -> message -> button -> modal -> submission', async () => {
    const cmd = await sim.slashCommand({ command: '/causa', text: 'deployment/web -n shop', channel: 'C0INCIDENTS' });
    assert.equal(cmd.acked, true);
    assert.deepEqual(cmd.ackPayload, {});
    assert.match(cmd.envelopeId ?? '', /^[0-9a-f-]{36}$/);

    const parent = await sim.waitFor(() => sim.messages('C0INCIDENTS').find((m) => m.text.startsWith('Investigating')));
    assert.equal(parent.text, 'Investigating deployment/web -n shop');
    assert.equal(parent.botId, 'B0CAUSA');
    assert.equal(parent.blocks?.length, 2);

    const click = await sim.clickButton({
      channel: 'C0INCIDENTS',
      messageTs: parent.ts,
      actionId: 'causa.apply_fix',
      user: 'U0ONCALL2',
    });
    assert.equal(click.acked, true);
    const payload = click.payload as {
      type: string;
      actions: { value: string; block_id: string }[];
      container: Record<string, unknown>;
    };
    assert.equal(payload.type, 'block_actions');
    assert.equal(payload.actions[0]?.value, 'fix-1');
    assert.equal(payload.actions[0]?.block_id, 'inc_1');
    assert.deepEqual(payload.container, {
      type: 'message',
      message_ts: parent.ts,
      channel_id: 'C0INCIDENTS',
      is_ephemeral: false,
    });

    const view = await sim.waitFor(() => sim.views().find((v) => v.callbackId === 'causa.approve_fix'));
    assert.equal(view.user, 'U0ONCALL2');
    assert.equal(view.privateMetadata, 'fix-1');
    assert.equal(view.open, true);
    const ephemeral = await sim.waitFor(() => sim.ephemerals().find((e) => e.text === 'Opening the approval modal'));
    assert.equal(ephemeral.user, 'U0ONCALL2');
    assert.equal(ephemeral.channel, 'C0INCIDENTS');

    const tooShort = await sim.submitView({ viewId: view.id, values: { reason: { reason_input: 'x' } } });
    assert.equal(tooShort.acked, true);
    assert.deepEqual(tooShort.ackPayload, { response_action: 'errors', errors: { reason: 'Say why (3+ characters)' } });
    let stored = sim.views().find((v) => v.id === view.id);
    assert.equal(stored?.open, true);
    assert.deepEqual(stored?.errors, { reason: 'Say why (3+ characters)' });

    const ok = await sim.submitView({ viewId: view.id, values: { reason: { reason_input: 'OOMKilled at 128Mi' } } });
    assert.equal(ok.acked, true);
    assert.deepEqual(submissions, [
      {
        values: { reason: { reason_input: { type: 'plain_text_input', value: 'OOMKilled at 128Mi' } } },
        metadata: 'fix-1',
        user: 'U0ONCALL2',
      },
    ]);
    stored = sim.views().find((v) => v.id === view.id);
    assert.equal(stored?.open, false);
    assert.equal(stored?.submissions, 2);
    // The trigger was consumed exactly once, within its 3 s window.
    assert.deepEqual(
      sim.calls.filter((c) => c.method === 'views.open').map((c) => c.ok),
      [true],
    );
  });

  it('delivers Events API envelopes', async () => {
    const parent = sim.messages('C0INCIDENTS')[0];
    assert.ok(parent);
    const mention = await sim.postUserMessage({
      channel: 'C0INCIDENTS',
      text: '<@UBOTCAUSA> status?',
      user: 'U0ONCALL1',
    });
    const reply = await sim.waitFor(() =>
      sim.thread('C0INCIDENTS', mention.ts).find((m) => m.text === 'At your service'),
    );
    assert.equal(reply.threadTs, mention.ts);
  });

  it('reports an unacknowledged command as not acked', async () => {
    const res = await sim.slashCommand({ command: '/slow', text: '' });
    assert.equal(res.acked, false);
    assert.equal(res.error, 'ack_timeout');
  });

  it('reconnects after a disconnect message', async () => {
    sim.disconnectSockets('refresh_requested');
    await sim.waitFor(() => sim.connectedSockets() === 0, 3000);
    await sim.waitFor(
      () => sim.connectedSockets() === 1 && sim.calls.filter((c) => c.method === 'apps.connections.open').length === 2,
      8000,
    );
    const cmd = await sim.slashCommand({ command: '/causa', text: 'pod/api-0', channel: 'C0PAYMENTS' });
    assert.equal(cmd.acked, true);
    await sim.waitFor(() => sim.messages('C0PAYMENTS').find((m) => m.text === 'Investigating pod/api-0'));
  });
});
