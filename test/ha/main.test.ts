/** `node dist/src/main.js` with CAUSA_LEADER_ELECTION: bad values exit 78; a standby replica is alive and ready as a standby. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLeaderElector } from '../../src/ha/leader.js';
import { silentLogger } from '../../src/log.js';
import { ROOT } from '../helpers/paths.js';
import { startLeaseSimulator } from './sim.js';

const MAIN = join(ROOT, 'dist/src/main.js');

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SLACK_|PAGERDUTY_|CAUSA_|PORT$|POD_|KUBECONFIG$)/.test(k)),
  );
  return { ...clean, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', ...env };
}

test('CAUSA_LEADER_ELECTION=bogus: exit 78 with one line', () => {
  const r = spawnSync(process.execPath, [MAIN], {
    env: cleanEnv({ CAUSA_LEADER_ELECTION: 'bogus' }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /CAUSA_LEADER_ELECTION/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});

test('CAUSA_LEASE_RENEW_MS longer than half the lease: exit 78', () => {
  const r = spawnSync(process.execPath, [MAIN], {
    env: cleanEnv({ CAUSA_LEADER_ELECTION: 'lease', CAUSA_LEASE_DURATION_SECONDS: '2', CAUSA_LEASE_RENEW_MS: '1500' }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 78);
  assert.match(r.stderr, /CAUSA_LEASE_RENEW_MS/);
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a standby replica is alive and ready as a standby, never contacts Slack, and starts the bot once it wins the Lease', async () => {
  const { sim, kubeconfig } = await startLeaseSimulator();
  // Another replica holds the Lease.
  const holder = createLeaderElector({
    kubeconfig,
    namespace: 'causa',
    name: 'causa-leader',
    identity: 'causa-0',
    leaseDurationSeconds: 4,
    renewEveryMs: 500,
    log: silentLogger,
  });
  const port = await freePort();
  await holder.start();
  const child = spawn(process.execPath, [MAIN], {
    env: cleanEnv({
      CAUSA_LEADER_ELECTION: 'lease',
      POD_NAME: 'causa-1',
      POD_NAMESPACE: 'causa',
      KUBECONFIG: kubeconfig,
      PORT: String(port),
      // Unreachable: a standby must not call Slack at all.
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      CAUSA_LEASE_DURATION_SECONDS: '4',
      CAUSA_LEASE_RENEW_MS: '500',
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  try {
    assert.ok(holder.isLeader());
    let health: Response | null = null;
    for (let i = 0; i < 100 && !health; i++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      if (!health) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(health?.status, 200, stderr);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200, 'ready as a standby (it forwards deliveries to the leader)');
    assert.match(await ready.text(), /"role":"standby"/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 503, 'the bot is not running');
    await new Promise((r) => setTimeout(r, 1200)); // a few attempts against the held lease
    assert.match(stderr, /waiting for leadership/);
    assert.doesNotMatch(stderr, /became leader|causa started/);
    // The holder releases the Lease: this replica takes over, closes the standby listener and starts the
    // bot, which here fails at once because Slack is unreachable (exit 1): proof it went past the gate.
    const exited = once(child, 'exit');
    await holder.stop();
    const [code] = await exited;
    assert.match(stderr, /became leader/);
    assert.match(stderr, /cannot start the Slack app/);
    assert.equal(code, 1, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await holder.stop();
    await sim.close();
  }
});
