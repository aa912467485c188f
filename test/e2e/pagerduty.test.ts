/**
 * PagerDuty → Slack end to end: the real bot (Bolt, socket mode), the PagerDuty simulator (REST
 * through the real pdjs, signed v3 webhooks) and the Kubernetes simulator with the seed incident.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPagerDutyIntake, type PagerDutyIntake } from '../../src/bot/pagerduty.js';
import { type RunningBot, startBot } from '../../src/bot/start.js';
import { FileConfigSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { loadScenario } from '../../src/scenario/load.js';
import { type KubeSimulator, startKubeSimulator } from '../../src/simulators/kube/index.js';
import { type PagerDutySimulator, startPagerDutySimulator } from '../../src/simulators/pagerduty/index.js';
import { type SlackSimulator, startSlackSimulator } from '../../src/simulators/slack/index.js';
import { SCENARIOS } from '../helpers/paths.js';
import { pagerDutyBotEnv } from './pd-env.js';

const CH = 'C0PAYMENTS';
const SEED_ALERT = {
  summary: 'KubePodCrashLooping payments-service',
  details: {
    firing: undefined,
    alertname: 'KubePodCrashLooping',
    namespace: 'production',
    deployment: 'payments-service',
  },
};

describe('PagerDuty incidents open Slack threads', () => {
  let kube: KubeSimulator;
  let slack: SlackSimulator;
  let pd: PagerDutySimulator;
  let bot: RunningBot;
  let intake: PagerDutyIntake;
  let dir: string;
  let hook: string;

  const startAll = async () => {
    const env = pagerDutyBotEnv(slack, pd, dir, {
      PAGERDUTY_FROM_EMAIL: 'causa@example.com',
      PAGERDUTY_WEBHOOK_SECRETS: `old-secret,${pd.webhookSecrets[0]}`,
    });
    const config = FileConfigSchema.parse({
      slack: { defaultChannel: 'C0INCIDENTS' },
      routes: [{ pagerdutyService: 'PAYMENTS01', channel: CH, namespace: 'production' }],
    });
    intake = createPagerDutyIntake(env);
    bot = await startBot({ env, config, log: silentLogger, minEditIntervalMs: 30, routes: intake.routes });
    intake.start(bot.deps);
    hook = `${bot.url}/pagerduty/webhook`;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'causa-pd-'));
    kube = await startKubeSimulator({ scenario: loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml')) });
    kube.writeKubeconfig(join(dir, 'kubeconfig'));
    slack = await startSlackSimulator();
    pd = await startPagerDutySimulator();
    await startAll();
  });
  after(async () => {
    await intake.stop();
    await bot.stop();
    await Promise.all([slack.close(), pd.close(), kube.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const parents = () => slack.messages(CH).filter((m) => m.threadTs === null && m.botId);

  test('forged, unsigned and malformed webhooks get 401/400 and post nothing', async () => {
    const inc = pd.addIncident({ title: 'Forged', service: 'PAYMENTS01', alerts: [SEED_ALERT] });
    const forged = await pd.sendWebhook({
      endpoint: hook,
      eventType: 'incident.triggered',
      incidentId: inc.id,
      forgedSignature: true,
    });
    assert.equal(forged.status, 401);
    const unsigned = await pd.sendWebhook({
      endpoint: hook,
      eventType: 'incident.triggered',
      incidentId: inc.id,
      omitSignature: true,
    });
    assert.equal(unsigned.status, 401);
    const wrongSecret = await pd.sendWebhook({
      endpoint: hook,
      eventType: 'incident.triggered',
      incidentId: inc.id,
      secret: 'nope',
    });
    assert.equal(wrongSecret.status, 401);
    const garbage = await pd.sendWebhook({ endpoint: hook, eventType: 'incident.triggered', rawBody: '{"event": 42}' });
    assert.equal(garbage.status, 400, 'signed but malformed');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(parents().length, 0);
  });

  test('a signed incident.triggered → one thread in the routed channel with the seed conclusion and a PagerDuty note', async () => {
    const inc = pd.addIncident({
      title: 'payments-service CrashLoopBackOff',
      service: 'PAYMENTS01',
      urgency: 'high',
      alerts: [SEED_ALERT],
    });
    const first = await pd.sendWebhook({
      endpoint: hook,
      eventType: 'incident.triggered',
      incidentId: inc.id,
      eventId: 'EV-TRIGGER-1',
    });
    assert.equal(first.status, 202);
    const dup = await pd.sendWebhook({
      endpoint: hook,
      eventType: 'incident.triggered',
      incidentId: inc.id,
      eventId: 'EV-TRIGGER-1',
    });
    assert.equal(dup.status, 202);
    assert.match(dup.body, /"duplicate":true/);
    const parent = await slack.waitFor(() => parents().find((m) => /Root cause found/.test(m.text)), 20_000);
    assert.match(parent.text, /PagerDuty #\d+/);
    assert.match(JSON.stringify(parent.blocks), /payments-service CrashLoopBackOff/);
    const thread = slack.thread(CH, parent.ts);
    assert.ok(thread.some((m) => /ROOT CAUSE/.test(m.text + JSON.stringify(m.blocks ?? []))));
    assert.ok(JSON.stringify(thread).includes('ip-10-0-1-5'));
    const note = await slack.waitFor(() => pd.notes(inc.id)[0], 10_000);
    assert.match(note.content, /probe-timeout-slow-dependency|Liveness probe timeout/i);
    assert.match(note.content, /Slack thread: /);
    assert.equal(parents().length, 1, 'duplicate delivery posted nothing');
    const noteReq = pd.requests.find((r) => r.method === 'POST' && r.path.endsWith('/notes'));
    assert.equal(noteReq?.headers.from, 'causa@example.com');
  });

  test('acknowledge and resolve edit the same parent in place; notes go in the thread', async () => {
    const [inc] = pd.incidents().filter((i) => i.title === 'payments-service CrashLoopBackOff');
    const parent = parents().find((m) => /Root cause found/.test(m.text))!;
    pd.acknowledge(inc!.id, { name: 'Dana Oncall' });
    await pd.sendWebhook({ endpoint: hook, eventType: 'incident.acknowledged', incidentId: inc!.id });
    await slack.waitFor(() => /Acknowledged by/.test(slack.messages(CH).find((m) => m.ts === parent.ts)!.text));
    pd.annotate(inc!.id, 'Looking at redis now');
    await pd.sendWebhook({ endpoint: hook, eventType: 'incident.annotated', incidentId: inc!.id });
    await slack.waitFor(() => slack.thread(CH, parent.ts).find((m) => /Looking at redis now/.test(m.text)));
    pd.resolve(inc!.id);
    await pd.sendWebhook({ endpoint: hook, eventType: 'incident.resolved', incidentId: inc!.id });
    await slack.waitFor(() => /^Resolved/.test(slack.messages(CH).find((m) => m.ts === parent.ts)!.text));
    assert.equal(parents().length, 1, 'never reposted');
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    assert.match(metrics, /causa_webhook_queue_depth\{[^}]*state="pending"[^}]*\} 0/);
  });

  test('an alert storm about one workload becomes one thread', async () => {
    const before = parents().length;
    const incs = Array.from({ length: 5 }, (_, i) =>
      pd.addIncident({ title: `payments-service pod ${i} crash looping`, service: 'PAYMENTS01', alerts: [SEED_ALERT] }),
    );
    for (const inc of incs)
      await pd.sendWebhook({ endpoint: hook, eventType: 'incident.triggered', incidentId: inc.id });
    await slack.waitFor(
      () =>
        parents().length === before + 1 &&
        slack.messages(CH).filter((m) => /Also paged for this/.test(m.text)).length >= 4,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(parents().length, before + 1);
    const parent = parents().at(-1)!;
    await slack.waitFor(() =>
      /Also paged for this/.test(JSON.stringify(slack.messages(CH).find((m) => m.ts === parent.ts)!.blocks)),
    );
    for (const inc of incs) {
      pd.resolve(inc.id);
      await pd.sendWebhook({ endpoint: hook, eventType: 'incident.resolved', incidentId: inc.id });
    }
    await slack.waitFor(() => /^Resolved/.test(slack.messages(CH).find((m) => m.ts === parent.ts)!.text), 10_000);
  });

  test('no route → default channel with a note; unknown incidents are ignored politely', async () => {
    const inc = pd.addIncident({ title: 'deploy/payments-service is down', service: 'POTHER1', alerts: [] });
    await pd.sendWebhook({ endpoint: hook, eventType: 'incident.triggered', incidentId: inc.id });
    const p = await slack.waitFor(
      () => slack.messages('C0INCIDENTS').find((m) => m.threadTs === null && /deploy|payments/i.test(m.text)),
      15_000,
    );
    await slack.waitFor(() =>
      slack.thread('C0INCIDENTS', p.ts).find((m) => /No route for PagerDuty service/.test(m.text)),
    );
    const ghost = pd.addIncident({ title: 'never triggered here', service: 'PAYMENTS01' });
    const r = await pd.sendWebhook({ endpoint: hook, eventType: 'incident.acknowledged', incidentId: ghost.id });
    assert.equal(r.status, 202);
  });

  test('an event accepted just before a crash is processed after the restart', async () => {
    await intake.stop(); // the worker is gone: the event stays queued in SQLite
    const inc = pd.addIncident({ title: 'after restart', service: 'PAYMENTS01', alerts: [SEED_ALERT] });
    const intakeRoutes = intake; // the route still answers (bot running), the worker is stopped
    const res = await pd.sendWebhook({ endpoint: hook, eventType: 'incident.triggered', incidentId: inc.id });
    assert.equal(res.status, 202);
    void intakeRoutes;
    const before = parents().length;
    await bot.stop();
    await startAll();
    await slack.waitFor(
      () => parents().length > before && parents().some((m) => /after restart/.test(JSON.stringify(m.blocks))),
      20_000,
    );
  });
});

describe('PagerDuty poller (no webhook)', () => {
  test('triggered incidents of routed services are found by polling and get one thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'causa-pdpoll-'));
    const kube = await startKubeSimulator({ scenario: loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml')) });
    kube.writeKubeconfig(join(dir, 'kubeconfig'));
    const slack = await startSlackSimulator();
    const pd = await startPagerDutySimulator();
    const inc = pd.addIncident({
      title: 'payments-service CrashLoopBackOff',
      service: 'PAYMENTS01',
      alerts: [SEED_ALERT],
    });
    pd.addIncident({ title: 'not ours', service: 'POTHER1', alerts: [] });
    const env = pagerDutyBotEnv(slack, pd, dir);
    const config = FileConfigSchema.parse({
      routes: [{ pagerdutyService: 'PAYMENTS01', channel: CH, namespace: 'production' }],
      pagerduty: { poll: { enabled: true, intervalSeconds: 15 } },
    });
    const intake = createPagerDutyIntake(env);
    const bot = await startBot({ env, config, log: silentLogger, minEditIntervalMs: 30, routes: intake.routes });
    try {
      intake.start(bot.deps);
      const parent = await slack.waitFor(
        () => slack.messages(CH).find((m) => m.threadTs === null && /Root cause found/.test(m.text)),
        20_000,
      );
      assert.match(JSON.stringify(parent.blocks), new RegExp(`#${inc.incident_number}`));
      const listCall = pd.requests.find((r) => r.method === 'GET' && r.path === '/incidents');
      assert.deepEqual(listCall?.query['service_ids[]'], ['PAYMENTS01'], 'only routed services are polled');
      assert.equal(slack.messages().filter((m) => m.threadTs === null && m.botId).length, 1);
    } finally {
      await intake.stop();
      await bot.stop();
      await Promise.all([slack.close(), pd.close(), kube.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
