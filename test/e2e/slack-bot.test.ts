/**
 * The real Bolt app end to end: /causa → one parent updated in place → progressive evidence in the
 * thread → the seed's root cause → every button → restart with the same database → old buttons still
 * work. Socket mode and HTTP mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buttonValue, findRootCauseReply, type Harness, harness, parents } from './bot-harness.js';

const CH = 'C0INCIDENTS';

async function investigateSeed(h: Harness) {
  const ack = await h.slack.slashCommand({
    command: '/causa',
    text: 'investigate deployment/payments-service -n production',
    channel: CH,
  });
  assert.ok(ack.acked, `slash command acked (${ack.error ?? ''})`);
  const parent = await h.slack.waitFor(() => parents(h.slack, CH).find((m) => /Root cause found/.test(m.text)), 15_000);
  const root = await h.slack.waitFor(() => findRootCauseReply(h.slack, CH, parent.ts), 10_000);
  return { parent, root };
}

describe('Slack bot in socket mode', () => {
  let h: Harness;
  before(async () => {
    h = await harness('seed-payments-redis-spot', { latencyMs: 5 });
    await h.start('socket');
  });
  after(async () => {
    await h.close();
  });

  test('slash command → one parent updated in place → evidence → root cause with buttons', async () => {
    const { parent, root } = await investigateSeed(h);
    assert.equal(parents(h.slack, CH).length, 1, 'exactly one parent message');
    assert.ok(parent.edits >= 2, `parent edited in place (${parent.edits} edits)`);
    assert.match(parent.text, /payments-service/);
    const thread = h.slack.thread(CH, parent.ts);
    const stepReplies = thread.filter((m) => m.ts !== parent.ts && m !== root && m.subtype !== 'file_share');
    assert.ok(stepReplies.length >= 4, `progressive step replies (${stepReplies.length})`);
    const late = stepReplies.filter((m) => Number(m.ts) > Number(root.ts));
    assert.deepEqual(
      late.map((m) => m.text.slice(0, 80)),
      [],
      'evidence lands before the conclusion',
    );
    const rootText = JSON.stringify(root.blocks);
    assert.match(rootText, /probe-timeout-slow-dependency|Liveness probe timeout/);
    assert.match(rootText, /ip-10-0-1-5/);
    assert.match(rootText, /redis-cache-0/);
    for (const id of [
      'causa.show_node_events',
      'causa.show_pod_events',
      'causa.show_logs',
      'causa.show_rollout_history',
      'causa.rerun',
      'causa.feedback_correct',
      'causa.feedback_wrong',
    ])
      assert.ok(buttonValue(root.blocks, id), `button ${id}`);
    assert.ok(!rootText.includes('causa.apply_fix'), 'apply fix is not offered yet');
    const value = buttonValue(root.blocks, 'causa.show_logs')!;
    assert.ok(value.length <= 64 && !value.startsWith('{'), 'button value is an opaque id');
  });

  test('buttons answer in the thread', async () => {
    const parent = parents(h.slack, CH)[0]!;
    const root = findRootCauseReply(h.slack, CH, parent.ts)!;
    const expectations: [string, RegExp][] = [
      ['causa.show_node_events', /ip-10-0-1-5/],
      ['causa.show_pod_events', /Liveness probe failed/],
      ['causa.show_logs', /payments-service-7d9f8b/],
      ['causa.show_rollout_history', /revision|Revision/],
    ];
    for (const [actionId, pattern] of expectations) {
      const before = h.slack.thread(CH, parent.ts).length;
      const r = await h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId, user: 'U0ONCALL1' });
      assert.ok(r.acked, `${actionId} acked`);
      const reply = await h.slack.waitFor(() =>
        h.slack
          .thread(CH, parent.ts)
          .slice(before)
          .find((m) => pattern.test(m.text + JSON.stringify(m.blocks ?? []))),
      );
      assert.ok(reply, actionId);
    }
    await h.slack.clickButton({
      channel: CH,
      messageTs: root.ts,
      actionId: 'causa.feedback_correct',
      user: 'U0ONCALL2',
    });
    await h.slack.waitFor(() =>
      h.slack.ephemerals().find((e) => /recorded that `probe-timeout-slow-dependency` was right/.test(e.text)),
    );
    assert.equal(parents(h.slack, CH).length, 1, 'buttons never post a new parent');
  });

  test('a second click while the first runs does not run it twice', async () => {
    const parent = parents(h.slack, CH)[0]!;
    const root = findRootCauseReply(h.slack, CH, parent.ts)!;
    const before = h.slack.thread(CH, parent.ts).length;
    const [a, b] = await Promise.all([
      h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.show_logs', user: 'U0ONCALL1' }),
      h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.show_logs', user: 'U0ONCALL1' }),
    ]);
    assert.ok(a.acked && b.acked);
    await h.slack.waitFor(() => h.slack.thread(CH, parent.ts).length > before);
    await h.slack.waitFor(() => h.slack.ephemerals().find((e) => /Already on it/.test(e.text)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.slack.thread(CH, parent.ts).length, before + 1, 'one answer');
  });

  test('usage errors and unknown targets get an ephemeral answer, no thread', async () => {
    const count = parents(h.slack, CH).length;
    const bad = await h.slack.slashCommand({ command: '/causa', text: 'investigate widget/x', channel: CH });
    assert.match(JSON.stringify(bad.ackPayload), /unknown kind \\"widget\\"/);
    await h.slack.slashCommand({
      command: '/causa',
      text: 'investigate deploy/payment-service -n production',
      channel: CH,
    });
    const e = await h.slack.waitFor(() => h.slack.ephemerals().find((x) => /not found/.test(x.text)));
    assert.match(e.text, /payments-service/, 'close match suggested');
    const help = await h.slack.slashCommand({ command: '/causa', text: 'help', channel: CH });
    assert.match(JSON.stringify(help.ackPayload), /investigate <kind>\/<name>/);
    assert.equal(parents(h.slack, CH).length, count);
  });

  test('status, health, readiness and metrics', async () => {
    await h.slack.slashCommand({ command: '/causa', text: 'status', channel: CH });
    const s = await h.slack.waitFor(() => h.slack.ephemerals().find((x) => /Causa status/.test(x.text)));
    assert.match(s.text, /reachable/);
    const bot = h.bot!;
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    const ready = await fetch(`${bot.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    assert.match(metrics, /causa_investigations_total\{[^}]*outcome="probe-timeout-slow-dependency"/);
    assert.match(metrics, /causa_kubernetes_api_calls_total/);
  });

  test('after a restart with the same database, old buttons still work and nothing is reposted', async () => {
    const parent = parents(h.slack, CH)[0]!;
    const root = findRootCauseReply(h.slack, CH, parent.ts)!;
    const messagesBefore = h.slack.messages(CH).length;
    await h.bot!.stop();
    await h.start('socket');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.slack.messages(CH).length, messagesBefore, 'restart posts nothing');
    const before = h.slack.thread(CH, parent.ts).length;
    await h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.show_rollout_history' });
    const reply = await h.slack.waitFor(() => h.slack.thread(CH, parent.ts).slice(before)[0]);
    assert.match(reply.text + JSON.stringify(reply.blocks), /Rollout history|revision/i);
  });

  test('re-run posts in the same thread and edits the same parent', async () => {
    const parent = parents(h.slack, CH)[0]!;
    const root = findRootCauseReply(h.slack, CH, parent.ts)!;
    const edits = parent.edits;
    await h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.rerun' });
    await h.slack.waitFor(
      () =>
        h.slack.thread(CH, parent.ts).filter((m) => /ROOT CAUSE/.test(m.text + JSON.stringify(m.blocks ?? [])))
          .length >= 2,
      15_000,
    );
    const p = h.slack.messages(CH).find((m) => m.ts === parent.ts)!;
    assert.ok(p.edits > edits);
    assert.equal(parents(h.slack, CH).length, 1);
  });
});

describe('Slack bot in HTTP mode', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await h.start('http');
  });
  after(async () => {
    await h.close();
  });

  test('signed slash command → root cause in a thread; buttons work', async () => {
    const { parent, root } = await investigateSeed(h);
    assert.equal(parents(h.slack, CH).length, 1);
    const before = h.slack.thread(CH, parent.ts).length;
    const r = await h.slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.show_node_events' });
    assert.equal(r.status, 200);
    await h.slack.waitFor(() => h.slack.thread(CH, parent.ts).length > before);
  });

  test('health, readiness and metrics are served next to /slack/events', async () => {
    const bot = h.bot!;
    assert.equal((await fetch(`${bot.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${bot.url}/readyz`)).status, 200);
    assert.match(await (await fetch(`${bot.url}/metrics`)).text(), /causa_investigations_running/);
  });

  test('forged requests are rejected', async () => {
    const body = 'command=%2Fcausa&text=help';
    const res = await fetch(`${h.bot!.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=deadbeef',
      },
      body,
    });
    assert.equal(res.status, 401);
  });
});

describe('Slack rate limits', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await h.start('socket');
  });
  after(async () => {
    await h.close();
  });

  test('a 429 storm delays messages but loses none', async () => {
    h.slack.rateLimit({ method: 'chat.postMessage', count: 3, retryAfterSeconds: 1 });
    h.slack.rateLimit({ method: 'chat.update', count: 3, retryAfterSeconds: 1 });
    const { parent } = await investigateSeed(h);
    const limited = h.slack.calls.filter((c) => !c.ok && c.error === 'ratelimited').length;
    assert.ok(limited >= 3, `rate limited ${limited} times`);
    const thread = h.slack.thread(CH, parent.ts);
    assert.ok(thread.length >= 6, `all replies arrived (${thread.length})`);
    assert.equal(parents(h.slack, CH).length, 1);
  });
});
