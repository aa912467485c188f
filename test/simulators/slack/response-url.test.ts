/** response_url semantics, JSON bodies and the block-validation modes, driven with raw HTTP. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type SlackSimulator, startSlackSimulator } from '../../../src/simulators/slack/index.js';

async function api(
  sim: SlackSimulator,
  method: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${sim.botToken}` },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

function respond(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

describe('Slack simulator response_url and raw Web API', () => {
  let sim: SlackSimulator;

  before(async () => {
    sim = await startSlackSimulator({ blockValidation: 'slack' });
  });
  after(async () => {
    await sim.close();
  });

  it('accepts JSON bodies with object fields', async () => {
    const posted = await api(sim, 'chat.postMessage', {
      channel: 'C0INCIDENTS',
      text: 'a < b',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a < b & c' } }],
    });
    assert.equal(posted.ok, true, JSON.stringify(posted));
    const rich = await api(sim, 'chat.postMessage', {
      channel: 'C0INCIDENTS',
      text: 'rich',
      blocks: [
        { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'graph' },
        { type: 'context', elements: [{ type: 'image', image_url: 'https://example.com/i.png', alt_text: 'i' }] },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'pick' },
          accessory: {
            type: 'overflow',
            action_id: 'more',
            options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }],
          },
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'static_select',
              action_id: 'ns',
              options: [{ text: { type: 'plain_text', text: 'B' }, value: 'b' }],
            },
          ],
        },
      ],
    });
    assert.equal(rich.ok, true, JSON.stringify(rich));
    const noAlt = await api(sim, 'chat.postMessage', {
      channel: 'C0INCIDENTS',
      text: 'x',
      blocks: [{ type: 'image', image_url: 'https://example.com/a.png' }],
    });
    assert.equal(noAlt.error, 'invalid_blocks');
    const noAuth = await fetch(`${sim.apiUrl}auth.test`, { method: 'POST' });
    assert.deepEqual(await noAuth.json(), { ok: false, error: 'not_authed' });
  });

  it('flags unescaped mrkdwn only in causa mode', async () => {
    const strict = await startSlackSimulator();
    try {
      const res = await api(strict, 'chat.postMessage', {
        channel: 'C0INCIDENTS',
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a < b' } }],
      });
      assert.equal(res.error, 'invalid_blocks');
      const escaped = await api(strict, 'chat.postMessage', {
        channel: 'C0INCIDENTS',
        text: 'x',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a &lt; b <@U0ONCALL1>' } }],
      });
      assert.equal(escaped.ok, true);
    } finally {
      await strict.close();
    }
  });

  it('stores ephemeral and in_channel responses, replaces and deletes the original, allows 5 uses', async () => {
    const cmd = await sim.slashCommand({ command: '/causa', text: 'status', user: 'U0ONCALL2', channel: 'C0PAYMENTS' });
    const url = String(cmd.payload.response_url);
    assert.ok(url.startsWith(`${sim.url}/respond/`));

    assert.equal((await respond(url, { text: 'only you can see this' })).status, 200);
    assert.deepEqual(
      sim.ephemerals().map((e) => [e.channel, e.user, e.text]),
      [['C0PAYMENTS', 'U0ONCALL2', 'only you can see this']],
    );
    assert.equal((await respond(url, { response_type: 'in_channel', text: 'Resolved' })).status, 200);
    const parent = sim.messages('C0PAYMENTS').find((m) => m.text === 'Resolved');
    assert.ok(parent);
    assert.equal(parent.via, 'response_url');
    assert.equal(
      (await respond(url, { response_type: 'in_channel', text: 'in thread', thread_ts: parent.ts })).status,
      200,
    );
    assert.deepEqual(
      sim.thread('C0PAYMENTS', parent.ts).map((m) => m.text),
      ['Resolved', 'in thread'],
    );
    const bad = await respond(url, { text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) });
    assert.equal(bad.status, 400);
    assert.equal((await respond(url, { text: 'fifth' })).status, 200);
    const sixth = await respond(url, { text: 'sixth' });
    assert.equal(sixth.status, 404);
    assert.equal(await sixth.text(), 'used_url');

    // A button's response_url knows its original message.
    const web = await api(sim, 'chat.postMessage', {
      channel: 'C0PAYMENTS',
      text: 'with buttons',
      blocks: [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'causa.feedback_wrong',
              text: { type: 'plain_text', text: 'Wrong' },
              value: 'f-1',
            },
          ],
        },
      ],
    });
    const ts = String(web.ts);
    const click = await sim.clickButton({ channel: 'C0PAYMENTS', messageTs: ts, actionId: 'causa.feedback_wrong' });
    assert.equal(click.acked, false, 'no app connected');
    const actionUrl = String(click.payload.response_url);
    assert.equal((await respond(actionUrl, { replace_original: true, text: 'Thanks for the feedback' })).status, 200);
    const replaced = sim.messages('C0PAYMENTS').find((m) => m.ts === ts);
    assert.equal(replaced?.text, 'Thanks for the feedback');
    assert.equal(replaced?.edits, 1);
    assert.equal((await respond(actionUrl, { delete_original: true })).status, 200);
    assert.equal(
      sim.messages('C0PAYMENTS').find((m) => m.ts === ts),
      undefined,
    );
    assert.equal((await respond(`${sim.url}/respond/0000`, { text: 'x' })).status, 404);
  });

  it('accepts each socket ticket once and rejects unknown ones with 401', async () => {
    const open = await fetch(`${sim.apiUrl}apps.connections.open`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.appToken}` },
    });
    const { url } = (await open.json()) as { url: string };
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);

    const connect = (target: string) =>
      new Promise<{ status: number; hello?: Record<string, unknown>; ws?: WebSocket }>((resolve) => {
        const ws = new WebSocket(target);
        ws.once('message', (data) => resolve({ status: 101, hello: JSON.parse(String(data)), ws }));
        ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
        ws.once('error', () => {});
      });
    const first = await connect(url);
    assert.equal(first.status, 101);
    assert.equal(first.hello?.type, 'hello');
    assert.deepEqual(first.hello?.connection_info, { app_id: 'A0CAUSA' });
    assert.equal(sim.connectedSockets(), 1);
    assert.equal((await connect(url)).status, 401, 'tickets are single-use');
    assert.equal((await connect(url.replace(/ticket=[^&]+/, 'ticket=forged'))).status, 401);

    // Envelopes go to the connection; the ack frame resolves the delivery with its payload.
    first.ws?.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { envelope_id: string; type: string };
      first.ws?.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: `got ${envelope.type}` } }));
    });
    const res = await sim.slashCommand({ command: '/causa', text: 'help' });
    assert.equal(res.acked, true);
    assert.deepEqual(res.ackPayload, { text: 'got slash_commands' });
    assert.equal(sim.ephemerals().at(-1)?.text, 'got slash_commands');

    const closed = new Promise<unknown>((resolve) => first.ws?.once('close', resolve));
    const disconnect = new Promise<unknown>((resolve) =>
      first.ws?.once('message', (d) => resolve(JSON.parse(String(d)))),
    );
    sim.disconnectSockets('link_disabled');
    assert.deepEqual(await disconnect, {
      type: 'disconnect',
      reason: 'link_disabled',
      debug_info: { host: 'applink-causa-sim' },
    });
    await closed;
    assert.equal(sim.connectedSockets(), 0);
  });

  it('times out waitFor with a clear message', async () => {
    await assert.rejects(
      sim.waitFor(() => false, 60),
      /condition not met within 60 ms/,
    );
  });
});
