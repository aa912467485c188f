/**
 * Two real replicas (`node dist/src/main.js`, CAUSA_LEADER_ELECTION=lease) sharing one database
 * file, the Slack simulator in socket mode and the Kubernetes simulator with the seed incident.
 * The leader is killed (SIGKILL: no Lease release, no clean shutdown) in the middle of an
 * investigation: the standby takes over within a lease period, finishes that investigation in the
 * same thread, answers the old leader's buttons, and nothing is posted twice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadScenario } from '../../src/scenario/load.js';
import { type KubeSimulator, startKubeSimulator } from '../../src/simulators/kube/index.js';
import { type PagerDutySimulator, startPagerDutySimulator } from '../../src/simulators/pagerduty/index.js';
import { type SlackSimulator, startSlackSimulator } from '../../src/simulators/slack/index.js';
import { findRootCauseReply, parents } from '../e2e/bot-harness.js';
import { ROOT, SCENARIOS } from '../helpers/paths.js';

const MAIN = join(ROOT, 'dist/src/main.js');
const CH = 'C0INCIDENTS';
const LEASE_SECONDS = 3;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

const isRootCause = (m: { text: string; blocks?: unknown[] | null }) =>
  /ROOT CAUSE/.test(m.text + JSON.stringify(m.blocks ?? []));

describe('leader failover with a shared database', () => {
  let kube: KubeSimulator;
  let slack: SlackSimulator;
  let pd: PagerDutySimulator;
  let dir: string;
  const replicas: Replica[] = [];

  const startReplica = async (name: string): Promise<Replica> => {
    const port = await freePort();
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(SLACK_|PAGERDUTY_|CAUSA_|PORT$|POD_|KUBECONFIG$)/.test(k)),
    );
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...clean,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_APP_TOKEN: slack.appToken,
        SLACK_API_URL: slack.apiUrl,
        KUBECONFIG: join(dir, 'kubeconfig'),
        CAUSA_DB: join(dir, 'shared', 'causa.db'),
        PORT: String(port),
        LOG_LEVEL: 'info',
        CAUSA_LEADER_ELECTION: 'lease',
        POD_NAME: name,
        CAUSA_LEASE_NAMESPACE: 'production',
        CAUSA_LEASE_DURATION_SECONDS: String(LEASE_SECONDS),
        CAUSA_LEASE_RENEW_MS: '500',
        CAUSA_CONFIG: join(dir, 'causa.yaml'),
        PAGERDUTY_WEBHOOK_SECRETS: pd.webhookSecrets[0]!,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const r = { name, port, child, output: () => out };
    replicas.push(r);
    return r;
  };

  const status = async (r: Replica, path: string) =>
    (await fetch(`http://127.0.0.1:${r.port}${path}`).catch(() => null))?.status ?? 0;

  const until = async (what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `timed out: ${what}\n${replicas.map((r) => `--- ${r.name}\n${r.output().slice(-3000)}`).join('\n')}`,
    );
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'causa-failover-'));
    kube = await startKubeSimulator({ scenario: loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml')) });
    kube.writeKubeconfig(join(dir, 'kubeconfig'));
    slack = await startSlackSimulator();
    slack.useSocketDelivery();
    pd = await startPagerDutySimulator();
    writeFileSync(
      join(dir, 'causa.yaml'),
      `routes:\n  - { pagerdutyService: PPAYMENTS, channel: ${CH}, namespace: production }\n`,
    );
  });
  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all([slack.close(), pd.close(), kube.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the standby takes over a killed leader mid-investigation: same thread, old buttons work, nothing posted twice', async () => {
    const a = await startReplica('causa-a');
    await until('replica a is the leader', async () => (await status(a, '/metrics')) === 200);
    const b = await startReplica('causa-b');
    await until('replica b is a live standby', async () => (await status(b, '/healthz')) === 200);
    assert.equal(await status(b, '/readyz'), 200, 'the standby is ready (the Deployment is 2/2)');
    assert.equal(await status(b, '/metrics'), 503, 'the standby runs no bot');
    assert.equal(slack.connectedSockets(), 1, 'only the leader holds a Slack connection');

    // A PagerDuty webhook that the Service sends to the standby reaches the leader, signature intact.
    const inc = pd.addIncident({ title: 'deploy/payments-service is down', service: 'PPAYMENTS' });
    await until('the standby knows the leader', async () => {
      const r = await fetch(`http://127.0.0.1:${b.port}/pagerduty/webhook`, { method: 'POST', body: '{}' });
      return r.status === 401; // answered by the leader (unsigned), not the standby's 503
    });
    const hook = await pd.sendWebhook({
      endpoint: `http://127.0.0.1:${b.port}/pagerduty/webhook`,
      eventType: 'incident.triggered',
      incidentId: inc.id,
    });
    assert.equal(hook.status, 202, hook.body);
    const paged = await slack.waitFor(
      () => parents(slack, CH).find((m) => /PagerDuty #\d+/.test(m.text) && findRootCauseReply(slack, CH, m.ts)),
      30_000,
    );
    assert.ok(paged);

    // A slow cluster (not the Lease) so the leader is killed with the investigation half done.
    kube.setLatency(250, /^\/(api|apis\/apps)\//);
    const ack = await slack.slashCommand({
      command: '/causa',
      text: 'investigate deployment/payments-service -n production',
      channel: CH,
    });
    assert.ok(ack.acked);
    const parent = await slack.waitFor(() => parents(slack, CH).find((m) => m.ts !== paged.ts), 20_000);
    await slack.waitFor(() => slack.thread(CH, parent.ts).length >= 2, 20_000); // some evidence is in
    assert.equal(findRootCauseReply(slack, CH, parent.ts), undefined, 'killed before the conclusion');
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    kube.setLatency(0);

    await until('replica b became the leader', async () => (await status(b, '/metrics')) === 200, 30_000);
    const failoverMs = Date.now() - killedAt;
    // Within one lease period, plus the bot's start (Slack connection, database) on a shared machine.
    assert.ok(failoverMs < LEASE_SECONDS * 1000 + 10_000, `failover took ${failoverMs} ms`);
    assert.match(b.output(), /became leader/);

    // The interrupted investigation is finished by the new leader in the same thread.
    const root = await slack.waitFor(() => findRootCauseReply(slack, CH, parent.ts), 30_000);
    assert.match(JSON.stringify(root.blocks), /probe-timeout-slow-dependency|ip-10-0-1-5/);
    assert.ok(slack.thread(CH, parent.ts).some((m) => /Causa restarted during this investigation/.test(m.text)));

    // A button on that message, and the old parent, are answered by the new leader from the shared state.
    const before = slack.thread(CH, parent.ts).length;
    const click = await slack.clickButton({ channel: CH, messageTs: root.ts, actionId: 'causa.show_pod_events' });
    assert.ok(click.acked);
    await slack.waitFor(() => slack.thread(CH, parent.ts).length > before, 15_000);
    await new Promise((r) => setTimeout(r, 1000));

    assert.equal(parents(slack, CH).length, 2, 'one parent per investigation (the page, the slash command)');
    assert.equal(slack.thread(CH, parent.ts).filter(isRootCause).length, 1, 'one ROOT CAUSE reply');
    const texts = slack
      .thread(CH, parent.ts)
      .filter((m) => m.ts !== parent.ts)
      .map((m) => m.text);
    const duplicates = texts.filter((t, i) => texts.indexOf(t) !== i);
    assert.deepEqual(duplicates, [], 'no reply posted twice (the resumed run skips evidence already in the thread)');
    assert.equal(slack.connectedSockets(), 1, 'one Slack connection after failover');
  });
});
