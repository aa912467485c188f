/** The standby listener: alive and ready, and it forwards Slack/PagerDuty deliveries to the leader untouched. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type StandbyServer, startStandbyServer } from '../../src/ha/standby.js';

describe('standby listener', () => {
  let leaderUrl: string | null = null;
  let standby: StandbyServer;
  const seen: { path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const leader = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202, { 'content-type': 'application/json', 'x-from': 'leader' });
      res.end('{"accepted":true}');
    });
  });
  const base = () => `http://127.0.0.1:${standby.port}`;

  before(async () => {
    await new Promise<void>((r) => leader.listen(0, '127.0.0.1', r));
    standby = await startStandbyServer({ port: 0, identity: 'causa-b', leaderUrl: () => leaderUrl });
  });
  after(async () => {
    await standby.close();
    await new Promise<void>((r) => leader.close(() => r()));
  });

  it('is alive and ready (the Deployment counts it available), but serves nothing else itself', async () => {
    const h = await fetch(`${base()}/healthz`);
    assert.equal(h.status, 200);
    const r = await fetch(`${base()}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok', role: 'standby', identity: 'causa-b' });
    assert.equal((await fetch(`${base()}/metrics`)).status, 503);
  });

  it('with no leader, deliveries get 503 and Retry-After (PagerDuty and Slack retry)', async () => {
    leaderUrl = null;
    const r = await fetch(`${base()}/pagerduty/webhook`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '5');
  });

  it('forwards a webhook to the leader byte for byte, signature header included, and relays the answer', async () => {
    leaderUrl = `http://127.0.0.1:${(leader.address() as AddressInfo).port}`;
    const raw = '{"event":{"id":"01ABC","event_type":"incident.triggered"}}  \n';
    const r = await fetch(`${base()}/pagerduty/webhook?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': 'v1=deadbeef' },
      body: raw,
    });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-from'), 'leader');
    assert.equal(await r.text(), '{"accepted":true}');
    const got = seen.at(-1)!;
    assert.equal(got.path, '/pagerduty/webhook?x=1');
    assert.equal(got.body.toString(), raw);
    assert.equal(got.headers['x-pagerduty-signature'], 'v1=deadbeef');
    assert.equal(got.headers['x-forwarded-by'], 'causa-b');
  });

  it('a leader that does not answer → 503, never a hang', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    leaderUrl = `http://127.0.0.1:${port}`;
    const r = await fetch(`${base()}/slack/events`, { method: 'POST', body: 'payload=x' });
    assert.equal(r.status, 503);
  });
});
