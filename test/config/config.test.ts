import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseFileConfig } from '../../src/config/load.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };

test('socket mode when SLACK_APP_TOKEN is set; defaults applied', () => {
  const c = loadConfig({ ...base, CAUSA_CONFIG: undefined });
  assert.equal(c.mode, 'socket');
  assert.equal(c.env.PORT, 3000);
  assert.equal(c.env.SLACK_API_URL, 'https://slack.com/api/');
  assert.equal(c.file.approvals.required, 1);
});

test('HTTP mode needs a signing secret', () => {
  assert.throws(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }), /SLACK_SIGNING_SECRET: required/);
  assert.equal(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).mode, 'http');
});

test('bad env values name the variable, never the secret', () => {
  assert.throws(
    () => loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxp-user-token-secret' }),
    (e: Error) => e instanceof ConfigError && /^SLACK_BOT_TOKEN: /.test(e.message) && !e.message.includes('secret'),
  );
  assert.throws(() => loadConfig({ ...base, PORT: 'eighty' }), /^ConfigError: PORT: /);
  assert.throws(() => loadConfig({ ...base, PAGERDUTY_FROM_EMAIL: 'nope' }), /PAGERDUTY_FROM_EMAIL/);
});

test('config file: unknown keys and bad values name the path', () => {
  assert.throws(
    () => parseFileConfig('slack:\n  defaultChanel: C1\n', 'causa.yaml'),
    /causa\.yaml slack: unknown key defaultChanel/,
  );
  assert.throws(
    () => parseFileConfig('approvals:\n  approvers: [alice]\n', 'causa.yaml'),
    /causa\.yaml approvals\.approvers\[0\]/,
  );
  assert.throws(
    () =>
      parseFileConfig(
        'clusters: [{name: prod, context: eks}]\nroutes:\n  - {pagerdutyService: P1, channel: C1, cluster: staging}\n',
        'c.yaml',
      ),
    /routes\[0\]\.cluster: "staging" is not one of clusters\[\]\.name \(prod\)/,
  );
});

test('the documented example config is valid', () => {
  const cfg = parseFileConfig(
    `slack:
  defaultChannel: C0INCIDENTS
clusters:
  - name: prod
    context: prod-eks
routes:
  - pagerdutyService: PAYMENTS01
    channel: C0PAYMENTS
    cluster: prod
    namespace: production
approvals:
  approvers: [U0ONCALL1, S0SRETEAM]
  required: 1
  expiresMinutes: 15
  gitops: auto
`,
    'example.yaml',
  );
  assert.equal(cfg.routes[0]?.namespace, 'production');
  assert.deepEqual(cfg.approvals.approvers, ['U0ONCALL1', 'S0SRETEAM']);
});

test('missing CAUSA_CONFIG file is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'causa-cfg-'));
  assert.throws(() => loadConfig({ ...base, CAUSA_CONFIG: join(dir, 'nope.yaml') }), /CAUSA_CONFIG: file not found/);
  writeFileSync(join(dir, 'ok.yaml'), 'slack: {defaultChannel: C1}\n');
  assert.equal(loadConfig({ ...base, CAUSA_CONFIG: join(dir, 'ok.yaml') }).file.slack.defaultChannel, 'C1');
});
