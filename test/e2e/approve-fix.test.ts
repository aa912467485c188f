/**
 * The approve-fix flow end to end: the real Bolt app (socket mode) against the Slack and Kubernetes simulators,
 * on the seed incident. A recording proxy in front of the Kubernetes simulator keeps every request's method,
 * path, Content-Type and body, so the tests can count PATCHes and read exactly what was sent.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningBot, startBot } from '../../src/bot/start.js';
import { EnvSchema, FileConfigSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import {
  buildKubeconfig,
  DEFAULT_TOKEN,
  type KubeObject,
  type KubeSimulator,
  startKubeSimulator,
} from '../../src/simulators/kube/index.js';
import { type SlackSimulator, startSlackSimulator } from '../../src/simulators/slack/index.js';
import type { StoredMessage, StoredView } from '../../src/simulators/slack/types.js';
import { SCENARIOS } from '../helpers/paths.js';
import { buttonValue, findRootCauseReply, parents } from './bot-harness.js';

const CH = 'C0INCIDENTS';
const DEPLOY = '/apis/apps/v1/namespaces/production/deployments/payments-service';
const ALICE = 'U0ONCALL1';
const BOB = 'U0ONCALL2'; // approver through the user group S0SRETEAM
const CAROL = 'U0VIEWER'; // not an approver

interface Recorded {
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** Runs before a recorded request is forwarded (a test stages a change "at the last moment" with it). */
type BeforeForward = (r: Recorded) => Promise<void>;

/** An HTTP proxy to the Kubernetes simulator that records every request. */
async function recordingProxy(target: string, hooks: { beforeForward?: BeforeForward } = {}) {
  const records: Recorded[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const recorded: Recorded = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        contentType: String(req.headers['content-type'] ?? ''),
        body: body.toString('utf8'),
      };
      records.push(recorded);
      await hooks.beforeForward?.(recorded).catch(() => {});
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

interface BedOptions {
  approvals?: Record<string, unknown>;
  mutate?: (s: Scenario) => void;
  verify?: { timeoutMs?: number; intervalMs?: number; stableMs?: number };
}

interface Bed {
  kube: KubeSimulator;
  slack: SlackSimulator;
  records: Recorded[];
  /** Set to run something before the proxy forwards a request to the simulator. */
  hooks: { beforeForward?: BeforeForward };
  bot: RunningBot;
  /** Added to the bot's clock (expiry tests move time forward). */
  clock: { offsetMs: number };
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function bed(opts: BedOptions = {}): Promise<Bed> {
  const dir = mkdtempSync(join(tmpdir(), 'causa-fix-'));
  const scenario = loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml'));
  opts.mutate?.(scenario);
  const kube = await startKubeSimulator({ scenario });
  const hooks: { beforeForward?: BeforeForward } = {};
  const proxy = await recordingProxy(kube.url, hooks);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, buildKubeconfig(proxy.url, scenario.context, DEFAULT_TOKEN), { mode: 0o600 });
  const slack = await startSlackSimulator();
  const clock = { offsetMs: 0 };
  const env = EnvSchema.parse({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    KUBECONFIG: kubeconfig,
    CAUSA_DB: join(dir, 'causa.db'),
    PORT: '0',
    LOG_LEVEL: 'error',
  });
  const config = FileConfigSchema.parse({
    approvals: { approvers: [ALICE, 'S0SRETEAM'], ...opts.approvals },
  });
  const start = () =>
    startBot({
      env,
      config,
      log: silentLogger,
      minEditIntervalMs: 30,
      now: () => new Date(Date.now() + clock.offsetMs),
      fixes: { verify: { timeoutMs: 1500, intervalMs: 100, stableMs: 300, ...opts.verify } },
    });
  const b: Bed = {
    kube,
    slack,
    records: proxy.records,
    hooks,
    bot: await start(),
    clock,
    async restart() {
      await b.bot.stop();
      b.bot = await start();
    },
    async close() {
      await b.bot.stop();
      await slack.close();
      await proxy.close();
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const text = (m: { text: string; blocks?: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const isDryRun = (r: Recorded) => new URL(r.path, 'http://x').searchParams.get('dryRun') === 'All';
const patches = (b: Bed) => b.records.filter((r) => r.method === 'PATCH');
const applied = (b: Bed) => patches(b).filter((r) => !isDryRun(r));

async function investigate(b: Bed, user = ALICE, channel = CH) {
  const known = new Set(parents(b.slack, channel).map((m) => m.ts));
  const ack = await b.slack.slashCommand({
    command: '/causa',
    text: 'investigate deployment/payments-service -n production',
    channel,
    user,
  });
  assert.ok(ack.acked, `slash command acked (${ack.error ?? ''})`);
  const parent = await b.slack.waitFor(
    () => parents(b.slack, channel).find((m) => !known.has(m.ts) && /Root cause found/.test(m.text)),
    15_000,
  );
  const root = await b.slack.waitFor(() => findRootCauseReply(b.slack, channel, parent.ts), 10_000);
  return { parent, root };
}

async function clickApply(b: Bed, message: StoredMessage, user: string) {
  const r = await b.slack.clickButton({ channel: CH, messageTs: message.ts, actionId: 'causa.apply_fix', user });
  assert.ok(r.acked, `apply_fix acked (${r.error ?? ''})`);
}

/** The user's approval modal once it shows `pattern` (the review fills in after the dry run), ignoring `seen` views. */
function modal(b: Bed, user: string, pattern: RegExp, seen: readonly StoredView[] = []): Promise<StoredView> {
  const old = new Set(seen.map((v) => v.id));
  return b.slack.waitFor(() =>
    b.slack
      .views()
      .filter((v) => v.user === user && v.callbackId === 'causa.approve_fix' && !old.has(v.id))
      .find((v) => pattern.test(JSON.stringify(v.blocks))),
  );
}

function ephemeral(b: Bed, user: string, pattern: RegExp) {
  return b.slack.waitFor(() => b.slack.ephemerals().find((e) => e.user === user && pattern.test(text(e))));
}

function threadMessage(b: Bed, parentTs: string, pattern: RegExp, timeoutMs = 10_000) {
  return b.slack.waitFor(() => b.slack.thread(CH, parentTs).find((m) => pattern.test(text(m))), timeoutMs);
}

async function kube(
  b: Bed,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/merge-patch+json',
) {
  const res = await fetch(`${b.kube.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${DEFAULT_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as KubeObject;
}

const liveProbe = async (b: Bed) => (await kube(b, 'GET', DEPLOY)).spec.template.spec.containers[0].livenessProbe;
const audit = (b: Bed) => b.bot.deps.store.audit.list({ limit: 1000 }).map((e) => e.action);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------

describe('approve fix: one approver', () => {
  let b: Bed;
  let parent: StoredMessage;
  let root: StoredMessage;
  before(async () => {
    b = await bed();
    ({ parent, root } = await investigate(b));
  });
  after(async () => {
    await b.close();
  });

  test('the root cause offers Apply fix with an opaque id; the proposal is bound to the object version', () => {
    const value = buttonValue(root.blocks, 'causa.apply_fix');
    assert.ok(value && value.length <= 64 && !value.startsWith('{'), 'opaque button value');
    const [approval] = b.bot.deps.store.approvals.listPending();
    assert.ok(approval);
    assert.equal(approval.resourceVersion, '330954');
    assert.equal(approval.requestedBy, ALICE);
    assert.deepEqual(audit(b), ['fix.proposed']);
    assert.equal(patches(b).length, 0, 'no PATCH yet');
  });

  test('a non-approver is refused privately, naming who can approve; nothing is patched', async () => {
    const viewsBefore = b.slack.views().length;
    await clickApply(b, root, CAROL);
    const e = await ephemeral(b, CAROL, /Only approvers can apply fixes/);
    assert.match(e.text + JSON.stringify(e.blocks), /<@U0ONCALL1>/);
    assert.match(JSON.stringify(e.blocks), /<!subteam\^S0SRETEAM>/);
    await sleep(200);
    assert.equal(b.slack.views().length, viewsBefore, 'no modal');
    assert.equal(patches(b).length, 0, 'no PATCH at all');
    assert.ok(audit(b).includes('fix.refused'));
  });

  test('an approver gets the modal at once, then the diff and the server dry run', async () => {
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    const blocks = JSON.stringify(view.blocks);
    assert.equal(view.privateMetadata.length, 30, 'private_metadata carries only the approval id');
    assert.ok(view.updates >= 1, 'opened in a loading state, then updated');
    for (const heading of ['Diff', 'Server dry run', 'Approver', 'Pods that will restart'])
      assert.ok(blocks.includes(heading), heading);
    assert.match(blocks, /-\s+timeoutSeconds: 2/);
    assert.match(blocks, /\+\s+timeoutSeconds: 10/);
    assert.match(blocks, /\+\s+initialDelaySeconds: 15/);
    assert.match(blocks, /Accepted by the API server/);
    assert.match(blocks, /prod-eks-use1/);
    assert.match(blocks, /\*Pods that will restart:\* 3/);
    assert.ok(view.submit, 'can be submitted');
    const p = patches(b);
    assert.equal(p.length, 1, 'one PATCH: the dry run');
    assert.ok(isDryRun(p[0]!), p[0]!.path);
    assert.equal(p[0]!.contentType, 'application/strategic-merge-patch+json');
  });

  test('submit (twice at once) → exactly one PATCH with fieldManager=causa and the resourceVersion precondition', async () => {
    const view = await modal(b, ALICE, /Server dry run/);
    await Promise.all([
      b.slack.submitView({ viewId: view.id, user: ALICE }),
      b.slack.submitView({ viewId: view.id, user: ALICE }),
    ]);
    await threadMessage(b, parent.ts, /Fix applied/);
    await sleep(300);
    const writes = applied(b);
    assert.equal(writes.length, 1, 'exactly one non-dry-run PATCH');
    const w = writes[0]!;
    const url = new URL(w.path, 'http://x');
    assert.equal(url.pathname, DEPLOY);
    assert.equal(url.searchParams.get('fieldManager'), 'causa');
    assert.equal(w.contentType, 'application/strategic-merge-patch+json');
    const body = JSON.parse(w.body);
    assert.equal(body.metadata.resourceVersion, '330954');
    assert.equal(body.metadata.uid, '7e7366d8-ddb6-4c14-8a08-03829783dd49');
    assert.deepEqual(body.spec.template.spec.containers, [
      { name: 'payments', livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 } },
    ]);
    const live = await kube(b, 'GET', DEPLOY);
    const c = live.spec.template.spec.containers[0];
    assert.equal(c.livenessProbe.timeoutSeconds, 10);
    assert.equal(c.livenessProbe.initialDelaySeconds, 15);
    assert.match(c.image, /payments-service:2.14.1/, 'strategic merge kept the rest of the container');
    assert.ok(live.metadata?.managedFields?.some((m) => (m as { manager?: string }).manager === 'causa'));
    const e = await ephemeral(b, ALICE, /being applied right now|already applied/);
    assert.ok(e, 'the second submit is told, not applied');
  });

  test('the thread shows who applied it; the buttons are replaced; the verification result follows', async () => {
    const m = await threadMessage(b, parent.ts, /Fix applied/);
    assert.match(text(m), /by <@U0ONCALL1>/);
    assert.match(text(m), /330954/);
    const rootNow = await b.slack.waitFor(() =>
      b.slack.messages(CH).find((x) => x.ts === root.ts && /Applied by <@U0ONCALL1> at/.test(text(x))),
    );
    assert.ok(!JSON.stringify(rootNow.blocks).includes('causa.apply_fix'), 'Apply fix button removed');
    // The simulator has no controllers: the rollout never progresses, so it is not verified.
    const v = await threadMessage(b, parent.ts, /Fix not verified/, 8000);
    assert.match(JSON.stringify(v.blocks), /observedGeneration 31 &lt; 32/);
    assert.ok(buttonValue(v.blocks, 'causa.apply_fix'), 'Roll back button');
    const view = b.slack.views().find((x) => x.user === ALICE && /Fix applied/.test(JSON.stringify(x.title)));
    assert.ok(view, 'the modal shows the result');
  });

  test('audit rows record proposal, review, approval, application and verification', () => {
    const actions = audit(b);
    for (const a of ['fix.proposed', 'fix.refused', 'fix.reviewed', 'fix.approved', 'fix.applied', 'fix.not_verified'])
      assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    assert.equal(actions.filter((a) => a === 'fix.applied').length, 1);
    const row = b.bot.deps.store.audit.list({ limit: 1000 }).find((e) => e.action === 'fix.applied')!;
    assert.equal(row.actor, ALICE);
    const [approval] = b.bot.deps.store.approvals.listForInvestigation(
      b.bot.deps.store.approvals.get(row.target!)!.investigationId,
    );
    assert.equal(approval?.status, 'applied');
  });

  test('submitting the same dialog again later is refused: it was already applied', async () => {
    const view = b.slack.views().find((x) => x.user === ALICE && x.open && x.callbackId === 'causa.approve_fix')!;
    const before = b.slack.ephemerals().length;
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    await b.slack.waitFor(() =>
      b.slack
        .ephemerals()
        .slice(before)
        .find((e) => /already applied by <@U0ONCALL1>/.test(text(e))),
    );
    assert.equal(applied(b).length, 1);
  });
});

describe('approve fix: the object changed', () => {
  let b: Bed;
  after(async () => {
    await b?.close();
  });

  test('changed between review and submit → refused with a Re-run button, no PATCH', async () => {
    b = await bed();
    const { root } = await investigate(b);
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    // Someone else edits the Deployment after the approver looked at the diff.
    await kube(b, 'PATCH', DEPLOY, { metadata: { annotations: { 'example.com/touched': 'yes' } } });
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    const e = await ephemeral(b, ALICE, /changed since the fix was proposed/);
    assert.match(text(e), /330954/);
    assert.ok(buttonValue(e.blocks, 'causa.rerun'), 'offers to re-investigate');
    await b.slack.waitFor(() =>
      b.slack.views().find((v) => v.id === view.id && /Not applied/.test(JSON.stringify(v.title))),
    );
    assert.equal(applied(b).length, 0, 'no PATCH from Causa');
    assert.equal((await liveProbe(b)).timeoutSeconds, 2);
    assert.ok(audit(b).includes('fix.refused'));
  });

  test('changed before the click → the modal says so and offers no submit', async () => {
    const rerun = b.slack.ephemerals().find((e) => buttonValue(e.blocks, 'causa.rerun'))!;
    const known = b.slack.thread(CH, parents(b.slack, CH)[0]!.ts).length;
    await b.slack.clickButton({ channel: CH, messageTs: rerun.ts, actionId: 'causa.rerun', user: ALICE });
    const parent = parents(b.slack, CH)[0]!;
    const root = await b.slack.waitFor(
      () =>
        b.slack
          .thread(CH, parent.ts)
          .slice(known)
          .find((m) => buttonValue(m.blocks, 'causa.apply_fix')),
      15_000,
    );
    await kube(b, 'PATCH', DEPLOY, { metadata: { annotations: { 'example.com/touched': 'again' } } });
    const seen = b.slack.views();
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /The object changed since the fix was proposed/, seen);
    assert.equal(view.submit ?? null, null, 'no submit button');
    assert.equal(applied(b).length, 0);
  });
});

/** What a crash-looping Deployment's controller does all through an incident: a status write (new resourceVersion). */
async function statusChurn(b: Bed, available: number): Promise<string> {
  const d = await kube(b, 'PATCH', `${DEPLOY}/status`, {
    status: { availableReplicas: available, unavailableReplicas: 3 - available },
  });
  return d.metadata?.resourceVersion ?? '';
}

const auditRows = (b: Bed, action: string) =>
  b.bot.deps.store.audit
    .list({ limit: 1000 })
    .filter((e) => e.action === action)
    .map((e) => e.detail as Record<string, unknown>);

describe('approve fix: only the status changed', () => {
  let b: Bed;
  before(async () => {
    b = await bed();
  });
  after(async () => {
    await b.close();
  });

  test('status writes before the click and before the submit → applied, with the live resourceVersion', async () => {
    const { parent, root } = await investigate(b);
    const [approval] = b.bot.deps.store.approvals.listPending();
    assert.equal(approval?.resourceVersion, '330954');
    const reviewed = await statusChurn(b, 1);
    assert.notEqual(reviewed, '330954', 'a status write moves the resourceVersion');
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    const blocks = JSON.stringify(view.blocks);
    assert.match(blocks, /Only the status changed since the fix was proposed/);
    assert.doesNotMatch(blocks, /Cannot be applied from here/);
    assert.ok(view.submit, 'can be submitted');
    assert.match(blocks, /\+\s+timeoutSeconds: 10/, 'the same diff');
    const dry = patches(b).find(isDryRun)!;
    assert.equal(JSON.parse(dry.body).metadata.resourceVersion, reviewed, 'the dry run used the live version');

    const submitted = await statusChurn(b, 0); // the controller again, while the approver reads the diff
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    await threadMessage(b, parent.ts, /Fix applied/);
    const writes = applied(b);
    assert.equal(writes.length, 1);
    const body = JSON.parse(writes[0]!.body);
    assert.equal(body.metadata.resourceVersion, submitted, 'precondition: the resourceVersion read at submit');
    assert.equal(body.metadata.uid, '7e7366d8-ddb6-4c14-8a08-03829783dd49');
    assert.equal((await liveProbe(b)).timeoutSeconds, 10);

    const [review] = auditRows(b, 'fix.reviewed');
    assert.equal(review?.proposedResourceVersion, '330954');
    assert.equal(review?.liveResourceVersion, reviewed);
    assert.equal(review?.statusOnlyChange, true);
    const [done] = auditRows(b, 'fix.applied');
    assert.equal(done?.proposedResourceVersion, '330954');
    assert.equal(done?.resourceVersionBefore, submitted);
    assert.equal(done?.statusOnlyChange, true);
    const [proposed] = auditRows(b, 'fix.proposed');
    assert.match(String(proposed?.specHash), /^sha256:[0-9a-f]{64}$/);
    assert.equal(proposed?.generation, 31);
  });
});

describe('approve fix: the spec changed', () => {
  let b: Bed;
  after(async () => {
    await b?.close();
  });

  test('a spec change (with status churn) between review and submit → stale, naming the spec; no PATCH', async () => {
    b = await bed();
    const { root } = await investigate(b);
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    await statusChurn(b, 1);
    await kube(b, 'PATCH', DEPLOY, { spec: { minReadySeconds: 5 } });
    await statusChurn(b, 0);
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    const e = await ephemeral(b, ALICE, /spec of .* changed since the fix was proposed/);
    assert.match(text(e), /330954/);
    assert.ok(buttonValue(e.blocks, 'causa.rerun'), 'offers to re-investigate');
    assert.equal(applied(b).length, 0, 'no PATCH from Causa');
    assert.equal((await liveProbe(b)).timeoutSeconds, 2);
    const [refused] = auditRows(b, 'fix.refused');
    assert.equal(refused?.reason, 'stale');
    assert.equal(refused?.change, 'spec');
    assert.equal(refused?.proposed, '330954');
  });

  test('the spec changes between the final read and the PATCH → 409, not applied, never retried', async () => {
    const rerun = b.slack.ephemerals().find((e) => buttonValue(e.blocks, 'causa.rerun'))!;
    const parent = parents(b.slack, CH)[0]!;
    const known = b.slack.thread(CH, parent.ts).length;
    await b.slack.clickButton({ channel: CH, messageTs: rerun.ts, actionId: 'causa.rerun', user: ALICE });
    const root = await b.slack.waitFor(
      () =>
        b.slack
          .thread(CH, parent.ts)
          .slice(known)
          .find((m) => buttonValue(m.blocks, 'causa.apply_fix')),
      15_000,
    );
    const seen = b.slack.views();
    await statusChurn(b, 1);
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Only the status changed since the fix was proposed/, seen);
    assert.ok(view.submit);
    // Someone edits the spec after Causa's last read, just before its PATCH reaches the API server.
    b.hooks.beforeForward = async (r) => {
      if (r.method !== 'PATCH' || isDryRun(r)) return;
      delete b.hooks.beforeForward;
      await kube(b, 'PATCH', DEPLOY, { spec: { minReadySeconds: 7 } });
    };
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    await threadMessage(b, parent.ts, /Fix not applied.*409 Conflict/);
    assert.equal(applied(b).length, 1, 'one PATCH, refused by its precondition; not retried');
    assert.equal((await liveProbe(b)).timeoutSeconds, 2);
    assert.equal((await kube(b, 'GET', DEPLOY)).spec.minReadySeconds, 7);
  });
});

describe('approve fix: expiry', () => {
  let b: Bed;
  before(async () => {
    b = await bed({ approvals: { expiresMinutes: 15 } });
  });
  after(async () => {
    await b.close();
  });

  test('a click after expiry is refused; no modal, no PATCH', async () => {
    const { root } = await investigate(b);
    b.clock.offsetMs = 16 * 60_000;
    const views = b.slack.views().length;
    await clickApply(b, root, ALICE);
    await ephemeral(b, ALICE, /expired/);
    await sleep(200);
    assert.equal(b.slack.views().length, views);
    assert.equal(patches(b).length, 0);
    assert.ok(audit(b).includes('fix.expired'));
  });

  test('a submit after expiry is refused', async () => {
    const { root } = await investigate(b); // proposed at the moved clock: valid for 15 minutes from there
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    b.clock.offsetMs += 16 * 60_000;
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    await b.slack.waitFor(() =>
      b.slack.ephemerals().filter((e) => e.user === ALICE && /expired/.test(text(e))).length >= 2 ? true : undefined,
    );
    assert.equal(applied(b).length, 0);
  });

  test('the expiry job closes proposals past their time and replaces the Apply button', async () => {
    const { root } = await investigate(b);
    const pending = b.bot.deps.store.approvals.listPending();
    assert.equal(pending.length, 1);
    b.bot.deps.store.db
      .prepare('UPDATE pending_approvals SET expires_at = ? WHERE id = ?')
      .run(new Date(Date.now() - 1000).toISOString(), pending[0]!.id);
    const { expireApprovals } = await import('../../src/jobs/expire-approvals.js');
    assert.deepEqual(await expireApprovals(b.bot.deps), [pending[0]!.id]);
    await b.slack.waitFor(() =>
      b.slack.messages(CH).find((m) => m.ts === root.ts && /Fix proposal expired/.test(text(m))),
    );
    assert.equal(b.bot.deps.store.approvals.get(pending[0]!.id)?.status, 'expired');
  });
});

describe('approve fix: two-person approval', () => {
  let b: Bed;
  before(async () => {
    b = await bed({ approvals: { required: 2 } });
  });
  after(async () => {
    await b.close();
  });

  test('the requester cannot be one of the two approvers', async () => {
    const { root } = await investigate(b, ALICE);
    await clickApply(b, root, ALICE);
    await ephemeral(b, ALICE, /You asked for this investigation/);
    assert.equal(patches(b).length, 0);
  });

  test('first approval is shown in the thread; a restart; the second approval applies exactly once', async () => {
    const { parent, root } = await investigate(b, CAROL);
    await clickApply(b, root, ALICE);
    const first = await modal(b, ALICE, /approval 1 of 2/);
    await b.slack.submitView({ viewId: first.id, user: ALICE });
    await threadMessage(b, parent.ts, /approved the fix .* \(1 of 2\); waiting for another approver/);
    assert.equal(applied(b).length, 0, 'nothing applied after one approval');

    await clickApply(b, root, ALICE);
    await ephemeral(b, ALICE, /You already approved this fix \(1 of 2\)/);

    await b.restart(); // the vote is in SQLite
    await clickApply(b, root, BOB);
    const second = await modal(b, BOB, /Already approved by <@U0ONCALL1>/);
    await b.slack.submitView({ viewId: second.id, user: BOB });
    const done = await threadMessage(b, parent.ts, /Fix applied/);
    assert.match(text(done), /Approved by <@U0ONCALL1>, <@U0ONCALL2>/);
    await sleep(200);
    assert.equal(applied(b).length, 1, 'exactly one PATCH');
    assert.equal((await liveProbe(b)).timeoutSeconds, 10);
    const actions = audit(b);
    assert.ok(actions.includes('fix.approval_recorded') && actions.includes('fix.applied'));

    // Restarted while the rollout was being watched: the new process watches it again and reports once.
    await b.restart();
    await threadMessage(b, parent.ts, /restarted while watching the rollout/);
    await threadMessage(b, parent.ts, /Fix not verified/, 8000);
    await sleep(300);
    const verdicts = b.slack.thread(CH, parent.ts).filter((m) => /Fix (not )?verified/.test(text(m)));
    assert.equal(verdicts.length, 1, 'one verdict');
    assert.ok(audit(b).includes('fix.verification_resumed'));
    await b.restart(); // reported: not resumed again
    await sleep(500);
    assert.equal(b.slack.thread(CH, parent.ts).filter((m) => /restarted while watching/.test(text(m))).length, 1);
  });
});

describe('approve fix: GitOps-managed target', () => {
  let b: Bed;
  before(async () => {
    b = await bed({
      mutate: (s) => {
        const d = s.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'payments-service')!;
        const meta = d.metadata as { labels?: Record<string, string> };
        meta.labels = { ...meta.labels, 'argocd.argoproj.io/instance': 'payments' };
      },
    });
  });
  after(async () => {
    await b.close();
  });

  test('no PATCH; the patch file, the kubectl command and the Git change are offered, with the reason', async () => {
    const { parent, root } = await investigate(b);
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Managed by Argo CD/);
    assert.equal(view.submit ?? null, null, 'no submit button');
    assert.match(JSON.stringify(view.blocks), /Diff/);
    const m = await threadMessage(b, parent.ts, /Fix not applied by Causa/);
    assert.match(text(m), /Argo CD application payments/);
    assert.match(
      text(m),
      /kubectl --context prod-eks-use1 -n production patch deployment\/payments-service --type=strategic/,
    );
    const file = await b.slack.waitFor(() => b.slack.files().find((f) => f.filename.endsWith('.patch.yaml')));
    assert.equal(file.filename, 'payments-service.deployment.patch.yaml');
    assert.match(file.content, /timeoutSeconds: 10/);
    assert.match(file.content, /kubectl .* patch deployment\/payments-service/);
    assert.equal(patches(b).length, 0, 'not even a dry run');
    assert.ok(audit(b).includes('fix.gitops_handoff'));

    const stamped = await b.slack.waitFor(() =>
      b.slack.messages(CH).find((x) => x.ts === root.ts && /Managed by Argo CD/.test(text(x))),
    );
    assert.ok(!JSON.stringify(stamped.blocks).includes('causa.apply_fix'), 'the Apply button is replaced');
    assert.equal(b.bot.deps.store.approvals.listPending().length, 0, 'the proposal is closed: offered once');
  });
});

describe('approve fix: forbidden, then deleted', () => {
  let b: Bed;
  before(async () => {
    b = await bed({
      mutate: (s) => {
        s.forbidden.push({ verb: 'patch', resource: 'deployments', namespace: 'production' });
      },
    });
  });
  after(async () => {
    await b.close();
  });

  test('a forbidden patch names the missing RBAC permission and cannot be submitted', async () => {
    const { root } = await investigate(b);
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /Forbidden/);
    assert.match(JSON.stringify(view.blocks), /patch deployments.apps in namespace production/);
    assert.equal(view.submit ?? null, null);
    assert.equal(applied(b).length, 0);
  });

  test('a deleted target gets a clear message and nothing is patched', async () => {
    const root = findRootCauseReply(b.slack, CH, parents(b.slack, CH)[0]!.ts)!;
    await kube(b, 'DELETE', DEPLOY);
    const seen = b.slack.views();
    await clickApply(b, root, ALICE);
    const view = await modal(b, ALICE, /no longer exists/, seen);
    assert.equal(view.submit ?? null, null);
    assert.equal(applied(b).length, 0);
  });
});

describe('approve fix: verified, then rolled back', () => {
  let b: Bed;
  before(async () => {
    b = await bed({ verify: { timeoutMs: 6000, intervalMs: 100, stableMs: 300 } });
  });
  after(async () => {
    await b.close();
  });

  /** Plays the Deployment controller and kubelet: the new generation rolls out and the pods become ready. */
  async function rollOut() {
    const d = await kube(b, 'GET', DEPLOY);
    const generation = d.metadata?.generation ?? 0;
    const pods = await kube(b, 'GET', '/api/v1/namespaces/production/pods?labelSelector=app%3Dpayments-service');
    for (const pod of pods.items as KubeObject[]) {
      const statuses = (pod.status?.containerStatuses ?? []).map((c: KubeObject) => ({
        ...c,
        ready: true,
        started: true,
        state: { running: { startedAt: new Date().toISOString() } },
      }));
      await kube(b, 'PATCH', `/api/v1/namespaces/production/pods/${pod.metadata?.name}/status`, {
        status: { phase: 'Running', containerStatuses: statuses },
      });
    }
    await kube(b, 'PATCH', `${DEPLOY}/status`, {
      status: {
        observedGeneration: generation,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: null,
      },
    });
  }

  test('the rollout finishes and stays healthy → "fix verified"', async () => {
    const { parent, root } = await investigate(b);
    await clickApply(b, root, BOB);
    const view = await modal(b, BOB, /Server dry run/);
    await b.slack.submitView({ viewId: view.id, user: BOB });
    await threadMessage(b, parent.ts, /Fix applied/);
    await rollOut();
    const v = await threadMessage(b, parent.ts, /Fix verified/, 8000);
    assert.match(text(v), /no container restarted/);
    assert.ok(audit(b).includes('fix.verified'));
  });

  test('Roll back goes through the same approval flow and restores the old values', async () => {
    const parent = parents(b.slack, CH)[0]!;
    const v = await threadMessage(b, parent.ts, /Fix verified/);
    await clickApply(b, v, ALICE);
    const view = await modal(b, ALICE, /Server dry run/);
    const blocks = JSON.stringify(view.blocks);
    assert.match(blocks, /-\s+timeoutSeconds: 10/);
    assert.match(blocks, /\+\s+timeoutSeconds: 2/);
    await b.slack.submitView({ viewId: view.id, user: ALICE });
    await threadMessage(b, parent.ts, /Roll back applied/);
    const writes = applied(b);
    assert.equal(writes.length, 2, 'the fix and its roll back');
    assert.equal(writes[1]!.contentType, 'application/json-patch+json');
    const probe = await liveProbe(b);
    assert.equal(probe.timeoutSeconds, 2);
    assert.equal(probe.initialDelaySeconds, undefined);
  });
});

describe('approve fix: restart between approving and recording the PATCH', () => {
  let b: Bed;
  before(async () => {
    b = await bed();
  });
  after(async () => {
    await b.close();
  });

  /** The state a crash leaves: the approval moved to `approved`, the PATCH's result never recorded. */
  function approveWithoutApplying() {
    const [p] = b.bot.deps.store.approvals.listPending();
    assert.ok(p);
    assert.equal(b.bot.deps.store.approvals.addApproval(p.id, ALICE).result, 'approved');
    return p.id;
  }

  test('the PATCH had not landed: it is reported as not applied and never retried', async () => {
    const { parent } = await investigate(b);
    const id = approveWithoutApplying();
    await b.restart();
    await threadMessage(b, parent.ts, /restarted while applying .* it was not applied/);
    assert.equal(b.bot.deps.store.approvals.get(id)?.status, 'failed');
    assert.equal(patches(b).length, 0, 'no PATCH');
  });

  test('the PATCH had landed: it is reported as applied (once)', async () => {
    const { parent } = await investigate(b);
    const id = approveWithoutApplying();
    const fix = b.bot.deps.store.approvals.get(id)!.fix;
    await kube(b, 'PATCH', DEPLOY, fix.patch, 'application/strategic-merge-patch+json');
    await b.restart();
    await threadMessage(b, parent.ts, /restarted while applying .* so it was applied \(once\)/);
    assert.equal(b.bot.deps.store.approvals.get(id)?.status, 'applied');
    assert.equal(applied(b).length, 0, 'Causa sent no PATCH of its own');
  });
});
