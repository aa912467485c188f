/**
 * The playground in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the seed
 * incident investigated from the composer, a button answered in the thread, an ephemeral usage error, a modal with
 * inputs, Block Kit rendering and escaping, and no page errors. Skipped, loudly, when Chromium is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Playground, startPlayground } from '../../src/playground/index.js';
import { type SlackSimulator, startSlackSimulator } from '../../src/simulators/slack/index.js';
import { type Harness, harness } from '../e2e/bot-harness.js';
import { ROOT } from '../helpers/paths.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The README screenshot is rewritten only on request (UPDATE_SCREENSHOT=1); otherwise it goes to a temp file.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? join(ROOT, 'test/playground/__screenshots__/seed-thread.png')
  : join(tmpdir(), `causa-seed-thread-${process.pid}.png`);
const SEED = {
  name: 'seed-payments-redis-spot',
  description: 'Spot node ip-10-0-1-5 restarted; payments-service liveness probe times out on a cold Redis.',
  target: 'deploy/payments-service',
  namespace: 'production',
};

async function slackApi(slack: SlackSimulator, method: string, args: Record<string, unknown>) {
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${slack.botToken}` },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.ok, true, `${method}: ${JSON.stringify(body)}`);
  return body;
}

const plain = (text: string) => ({ type: 'plain_text', text });

test('playground in headless Chromium: seed incident, buttons, ephemerals, modals', { timeout: 90_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    const msg = `chromium not installed: browser test NOT run — install Debian package chromium (looked for ${CHROMIUM})`;
    process.stderr.write(`\n!!!!!!!!!! ${msg} !!!!!!!!!!\n\n`);
    t.skip(msg);
    return;
  }

  const h: Harness = await harness('seed-payments-redis-spot');
  let playground: Playground | null = null;
  let context: BrowserContext | null = null;
  const profile = mkdtempSync(join(tmpdir(), 'causa-chromium-'));
  const paged: string[] = [];
  const switched: string[] = [];
  try {
    await h.start('socket');
    playground = await startPlayground({
      slack: h.slack,
      title: 'Causa playground',
      scenarios: [SEED, { ...SEED, name: 'other-scenario', description: 'another one' }],
      onPage: async (name) => {
        paged.push(name);
      },
      onScenario: async (name) => {
        switched.push(name);
      },
    });
    // A fresh profile each run (launchPersistentContext owns --user-data-dir).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1500, height: 1000 },
      acceptDownloads: true,
    });
    const page: Page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.setDefaultTimeout(15_000);

    await page.goto(playground.url);
    await page.locator('#channel-list button', { hasText: 'incidents' }).waitFor();
    assert.equal(await page.title(), 'Causa playground');
    assert.deepEqual(await page.locator('#channel-list button').allTextContents(), ['# incidents', '# payments']);
    assert.equal(await page.locator('#user-select').inputValue(), 'U0ONCALL1', 'acts as alice by default');
    assert.match(
      (await page.locator('#composer-hint').textContent()) ?? '',
      /investigate deploy\/payments-service -n production/,
    );
    await page.locator('#connection.on').waitFor();

    await t.test('composer → parent → thread with the root cause', async () => {
      await page.locator('#composer-input').fill('investigate deploy/payments-service -n production');
      await page.locator('#composer-input').press('Enter');
      const thread = page.locator('#thread-messages');
      const root = thread.locator('.msg', { hasText: /ROOT CAUSE/ });
      await root.waitFor({ timeout: 25_000 });
      assert.match((await root.textContent()) ?? '', /ip-10-0-1-5/);
      // Block Kit rendered, not dumped: bold labels, inline code, a code block, context, buttons.
      assert.equal(await root.locator('b', { hasText: 'ROOT CAUSE:' }).count(), 1);
      assert.ok((await root.locator('code').count()) > 0, 'inline code');
      assert.ok((await root.locator('.context').count()) > 0, 'context block');
      assert.ok((await root.locator('hr.divider').count()) > 0, 'divider');
      assert.ok(!((await root.textContent()) ?? '').includes('*ROOT CAUSE:*'), 'no raw mrkdwn');
      // The parent in the channel: header, edited in place, "N replies".
      const parent = page.locator('#messages .msg:not(.ephemeral)', { hasText: 'payments-service' });
      await parent.locator('.block-header', { hasText: 'payments-service' }).waitFor();
      await parent.locator('.edited').waitFor();
      await parent.getByText('Root cause found').waitFor();
      assert.match((await parent.locator('.replies-count').textContent()) ?? '', /^\d+ replies$/);
    });

    await t.test('a button click adds a thread reply', async () => {
      const thread = page.locator('#thread-messages');
      const before = await thread.locator('.msg').count();
      const root = thread.locator('.msg', { hasText: /ROOT CAUSE/ });
      await root.getByRole('button', { name: /node events/i }).click();
      await thread.locator('.msg', { hasText: 'NodeReady' }).waitFor();
      assert.ok((await thread.locator('.msg').count()) > before, 'a new reply');
      // The README screenshot: the seed thread with its root cause in view.
      await root.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    });

    await t.test('a usage error answers with an ephemeral', async () => {
      await page.locator('#composer-input').fill('investigate widget/x');
      await page.locator('#composer-send').click();
      const eph = page.locator('#messages .msg.ephemeral', { hasText: 'widget' });
      await eph.waitFor();
      assert.match((await eph.textContent()) ?? '', /Only visible to you/);
      assert.match((await eph.textContent()) ?? '', /unknown kind/);
      // Another user does not see it.
      await page.locator('#user-select').selectOption('U0VIEWER');
      await page.locator('#messages .msg.ephemeral').first().waitFor({ state: 'detached' });
      await page.locator('#user-select').selectOption('U0ONCALL1');
      await eph.waitFor();
    });

    await t.test('Block Kit rendering: mrkdwn, fields, mentions, links, files, confirm, escaping', async () => {
      const posted = await slackApi(h.slack, 'chat.postMessage', {
        channel: 'C0PAYMENTS',
        text: 'fallback',
        blocks: [
          { type: 'header', text: plain('<script>window.__xss = 1</script> header') },
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text:
                '*bold* _italic_ ~gone~ `x &lt;y&gt;` for <@U0ONCALL2> and <!subteam^S0SRETEAM> ' +
                '<https://example.com/runbook|the runbook>\n• first &amp; &lt;b&gt;second&lt;/b&gt;\n```\n&lt;img src=x onerror="window.__xss=2"&gt;\n```',
            },
            fields: [
              { type: 'mrkdwn', text: '*Namespace*\nproduction' },
              { type: 'mrkdwn', text: '*Replicas*\n3' },
            ],
          },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'context &lt;b&gt;' }] },
          { type: 'image', image_url: 'https://example.com/x.png', alt_text: 'ignored' },
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: 'test.dangerous',
                text: plain('Delete pod'),
                style: 'danger',
                value: 'pod-1',
                confirm: {
                  title: plain('Really?'),
                  text: { type: 'mrkdwn', text: 'Delete *payments-service-1*?' },
                  confirm: plain('Delete'),
                  deny: plain('Keep'),
                },
              },
            ],
          },
        ],
      });
      await page.locator('#channel-list button', { hasText: 'payments' }).click();
      const msg = page.locator('#messages .msg', { hasText: 'the runbook' });
      await msg.waitFor();
      assert.equal(await msg.locator('b', { hasText: 'bold' }).first().textContent(), 'bold');
      assert.equal(await msg.locator('i', { hasText: 'italic' }).textContent(), 'italic');
      assert.equal(await msg.locator('s').textContent(), 'gone');
      assert.equal(await msg.locator('code').first().textContent(), 'x <y>');
      assert.deepEqual(await msg.locator('.mention').allTextContents(), ['@bob', '@sre']);
      assert.equal(
        await msg.locator('a', { hasText: 'the runbook' }).getAttribute('href'),
        'https://example.com/runbook',
      );
      assert.equal(await msg.locator('.bullet').textContent(), '• first & <b>second</b>');
      assert.equal(await msg.locator('pre').textContent(), '<img src=x onerror="window.__xss=2">');
      assert.equal(await msg.locator('.fields > *').count(), 2);
      assert.match((await msg.locator('.block-header').textContent()) ?? '', /^<script>/);
      assert.equal(await msg.locator('img, script').count(), 0, 'nothing from the text became markup');
      assert.equal(await page.evaluate('typeof window.__xss'), 'undefined');
      assert.equal(await msg.locator('.btn.danger').count(), 1);

      // A confirm dialog comes first; "Keep" sends nothing, "Delete" sends the click.
      const clicks: unknown[] = [];
      await page.route('**/api/click', async (route) => {
        clicks.push(route.request().postDataJSON());
        await route.fulfill({ contentType: 'application/json', body: '{"ok":true}' });
      });
      await msg.getByRole('button', { name: 'Delete pod' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.getByText('Really?').waitFor();
      assert.equal(await dialog.locator('b').textContent(), 'payments-service-1');
      await dialog.getByRole('button', { name: 'Keep' }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal(clicks.length, 0);
      await msg.getByRole('button', { name: 'Delete pod' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
      await page.locator('#confirm-layer .overlay').waitFor({ state: 'detached' });
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(clicks, [
        { user: 'U0ONCALL1', channel: 'C0PAYMENTS', messageTs: posted.ts, actionId: 'test.dangerous', value: 'pod-1' },
      ]);
      await page.unroute('**/api/click');

      // Edits show "(edited)"; file uploads show as downloadable attachments.
      await slackApi(h.slack, 'chat.update', {
        channel: 'C0PAYMENTS',
        ts: posted.ts,
        text: 'edited',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'edited *now*' } }],
      });
      await page.locator('#messages .msg', { hasText: 'edited now' }).locator('.edited').waitFor();
      const content = 'full answer\nline 2 <not html>\n';
      const up = await slackApi(h.slack, 'files.getUploadURLExternal', {
        filename: 'causa-answer.txt',
        length: Buffer.byteLength(content),
      });
      await fetch(String(up.upload_url), { method: 'POST', body: content });
      await slackApi(h.slack, 'files.completeUploadExternal', {
        files: [{ id: up.file_id, title: 'Full answer' }],
        channel_id: 'C0PAYMENTS',
      });
      const file = page.locator('#messages a.file', { hasText: 'Full answer' });
      await file.waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), file.click()]);
      assert.equal(download.suggestedFilename(), 'causa-answer.txt');
      const res = await fetch(`${playground!.url}api/files/${String(up.file_id)}`);
      assert.equal(await res.text(), content);
      assert.match(res.headers.get('content-disposition') ?? '', /attachment/);
    });

    await t.test('modals: inputs, required fields, submit payload, close', async () => {
      // A trigger_id minted for alice by a real interaction, then views.open as the bot would.
      const ack = await h.slack.slashCommand({
        command: '/causa',
        text: 'help',
        user: 'U0ONCALL1',
        channel: 'C0PAYMENTS',
      });
      const opened = await slackApi(h.slack, 'views.open', {
        trigger_id: ack.payload.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'test.modal',
          title: plain('Approve fix'),
          submit: plain('Apply'),
          close: plain('Cancel'),
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: 'Patch *deployment/payments-service*' } },
            {
              type: 'input',
              block_id: 'reason',
              label: plain('Reason'),
              element: { type: 'plain_text_input', action_id: 'text', multiline: true },
            },
            {
              type: 'input',
              block_id: 'mode',
              label: plain('Mode'),
              element: {
                type: 'static_select',
                action_id: 'pick',
                options: [
                  { text: plain('Dry run'), value: 'dry' },
                  { text: plain('Apply now'), value: 'apply' },
                ],
              },
            },
            { type: 'context', elements: [{ type: 'mrkdwn', text: 'Only on-call may approve.' }] },
          ],
        },
      });
      const viewId = String((opened.view as Record<string, unknown>).id);
      const modal = page.getByRole('dialog');
      await modal.getByText('Approve fix').waitFor();
      assert.equal(await modal.locator('b').textContent(), 'deployment/payments-service');
      assert.equal(await modal.locator('.context').textContent(), 'Only on-call may approve.');
      await modal.getByRole('button', { name: 'Apply' }).click();
      assert.equal(await modal.locator('.input-error').count(), 2, 'required fields flagged');

      const submits: unknown[] = [];
      await page.route('**/api/view-submit', async (route) => {
        submits.push(route.request().postDataJSON());
        await route.fulfill({ contentType: 'application/json', body: '{"ok":true}' });
      });
      await modal.getByLabel('Reason').fill('redis is slow to load');
      await modal.getByLabel('Mode').selectOption('apply');
      await modal.getByRole('button', { name: 'Apply' }).click();
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(submits, [
        { user: 'U0ONCALL1', viewId, values: { reason: { text: 'redis is slow to load' }, mode: { pick: 'apply' } } },
      ]);
      await page.unroute('**/api/view-submit');

      await modal.getByRole('button', { name: 'Cancel' }).click();
      await modal.waitFor({ state: 'detached' });
      assert.equal(h.slack.views().find((v) => v.id === viewId)?.open, false, 'closed in the simulator');
    });

    await t.test('scenario menu and Page me call the demo hooks', async () => {
      await page.locator('#scenario-select').selectOption('other-scenario');
      await page.locator('.toast', { hasText: 'Scenario: other-scenario' }).waitFor();
      assert.deepEqual(switched, ['other-scenario']);
      await page.locator('#page-me').click();
      await page.getByText('PagerDuty incident sent for other-scenario').waitFor();
      assert.deepEqual(paged, ['other-scenario']);
    });

    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await context?.close();
    await playground?.close();
    await h.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('playground API answers without a browser', async () => {
  const slack = await startSlackSimulator();
  const pg = await startPlayground({ slack });
  try {
    const page = await fetch(pg.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const state = (await (await fetch(`${pg.url}api/state`)).json()) as Record<string, unknown>;
    assert.equal(state.user, 'U0ONCALL1');
    assert.deepEqual(
      (state.channels as { name: string }[]).map((c) => c.name),
      ['incidents', 'payments'],
    );
    assert.equal(state.canPage, false);
    // JSON only (no cross-site form posts), and a foreign Host is refused (DNS rebinding).
    const form = await fetch(`${pg.url}api/command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'text=help&channel=C0INCIDENTS',
    });
    assert.equal(form.status, 415);
    const paging = await fetch(`${pg.url}api/page`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"scenario":"x"}',
    });
    assert.equal(paging.status, 501);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${pg.url}api/state`, { headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 421);
    // The event stream sends a first tick right away.
    const ac = new AbortController();
    const events = await fetch(`${pg.url}api/events`, { signal: ac.signal });
    assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = events.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /event: change\ndata: \{"version":"[0-9a-f]+"\}/);
    ac.abort();
  } finally {
    await pg.close();
    await slack.close();
  }
});
