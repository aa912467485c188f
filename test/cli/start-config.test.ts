/** `npm start` with bad configuration: one clear line naming the variable, exit 78 (EX_CONFIG). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/paths.js';

function start(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SLACK_|PAGERDUTY_|CAUSA_|PORT$)/.test(k)),
  );
  return spawnSync(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('missing bot token: exit 78 naming SLACK_BOT_TOKEN', () => {
  const r = start({});
  assert.equal(r.status, 78);
  assert.match(r.stderr, /SLACK_BOT_TOKEN/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

test('bad value: the variable is named, the secret is not echoed', () => {
  const r = start({ SLACK_BOT_TOKEN: 'xoxp-super-secret-value', SLACK_APP_TOKEN: 'xapp-1' });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /SLACK_BOT_TOKEN/);
  assert.ok(!r.stderr.includes('super-secret'));
});

test('config file with an unknown key: exit 78 naming the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'causa-start-'));
  const file = join(dir, 'causa.yaml');
  writeFileSync(file, 'approvals:\n  aprovers: [U1]\n');
  const r = start({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', CAUSA_CONFIG: file });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /approvals: unknown key aprovers/);
});
