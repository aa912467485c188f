/** The PagerDuty client over the REAL `@pagerduty/pdjs`, against the PagerDuty simulator. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  createPagerDutyClient,
  isPagerDutyApiError,
  type PagerDutyApiError,
  retryAfterMs,
} from '../../src/pagerduty/client.js';
import { resolveTarget } from '../../src/pagerduty/target.js';
import { type PagerDutySimulator, startPagerDutySimulator } from '../../src/simulators/pagerduty/index.js';

async function rejects(p: Promise<unknown>): Promise<PagerDutyApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isPagerDutyApiError(err), `expected a PagerDutyApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('PagerDuty client (real pdjs) against the simulator', () => {
  let sim: PagerDutySimulator;

  before(async () => {
    sim = await startPagerDutySimulator({
      token: 'u+secret-token-123',
      services: [
        { id: 'PAYMENTS01', name: 'Payments' },
        { id: 'SEARCH01', name: 'Search' },
      ],
    });
  });
  after(() => sim.close());

  const client = (extra: Partial<Parameters<typeof createPagerDutyClient>[0]> = {}) =>
    createPagerDutyClient({ token: sim.token, apiUrl: sim.url, fromEmail: 'causa@example.com', ...extra });

  it('gets an incident over plain http (REST shape: incident_number, assignments)', async () => {
    const created = sim.addIncident({ title: 'CrashLoopBackOff deploy/payments-service', service: 'PAYMENTS01' });
    const got = await client({ apiUrl: `${sim.url}/` }).getIncident(created.id);
    assert.equal(got.id, created.id);
    assert.equal(got.incident_number, created.incident_number);
    assert.equal(got.title, 'CrashLoopBackOff deploy/payments-service');
    assert.equal(got.status, 'triggered');
    assert.equal(got.service.id, 'PAYMENTS01');
    assert.equal(got.assignments[0]?.assignee.summary, 'On-call Engineer');
    assert.equal((got as Record<string, unknown>).number, undefined);
    const req = sim.requests.at(-1);
    assert.equal(req?.path, `/incidents/${created.id}`);
    assert.equal(req?.authorized, true);
    assert.equal(req?.headers.accept, 'application/vnd.pagerduty+json;version=2');
  });

  it('lists incident alerts across 3 pages with offset/limit/more', async () => {
    const inc = sim.addIncident({
      title: 'many alerts',
      alerts: Array.from({ length: 7 }, (_, i) => ({ details: { namespace: 'shop', pod: `web-${i}` } })),
    });
    const before = sim.requests.length;
    const alerts = await client().listIncidentAlerts(inc.id, { pageSize: 3 });
    assert.deepEqual(
      alerts.map((a) => (a.body?.details as { pod?: string } | undefined)?.pod),
      ['web-0', 'web-1', 'web-2', 'web-3', 'web-4', 'web-5', 'web-6'],
    );
    const pages = sim.requests.slice(before);
    assert.equal(pages.length, 3);
    assert.deepEqual(
      pages.map((r) => [r.query.offset?.[0], r.query.limit?.[0], r.status]),
      [
        ['0', '3', 200],
        ['3', '3', 200],
        ['6', '3', 200],
      ],
    );
    assert.equal((await client().listIncidentAlerts(inc.id, { pageSize: 3, max: 4 })).length, 4);
  });

  it('feeds resolveTarget with the alerts it reads (Alertmanager text and array forms)', async () => {
    const text =
      'Labels:\n - alertname = KubePodCrashLooping\n - namespace = payments\n - pod = api-7d9f-abcde\nAnnotations:\n - summary = x\nSource: http://prom\n';
    const a = sim.addIncident({ title: '[FIRING:1] KubePodCrashLooping', alerts: [{ firing: text }] });
    const tA = resolveTarget(await client().listIncidentAlerts(a.id), a.title, { namespace: 'production' });
    assert.deepEqual(tA, { kind: 'Pod', name: 'api-7d9f-abcde', namespace: 'payments', source: 'alertmanager' });
    const b = sim.addIncident({
      title: '[FIRING:1] KubeDeploymentReplicasMismatch',
      alerts: [
        { firing: [{ status: 'firing', labels: { namespace: 'payments', deployment: 'api' }, annotations: {} }] },
      ],
    });
    const tB = resolveTarget(await client().listIncidentAlerts(b.id), b.title, { cluster: 'prod' });
    assert.deepEqual(tB, {
      kind: 'Deployment',
      name: 'api',
      namespace: 'payments',
      context: 'prod',
      source: 'alertmanager',
    });
  });

  it('lists incidents for a poller: statuses, service ids, since, all pages', async () => {
    const fresh = await startPagerDutySimulator({
      token: sim.token,
      services: [{ id: 'PAYMENTS01' }, { id: 'SEARCH01' }],
    });
    try {
      const c = createPagerDutyClient({ token: fresh.token, apiUrl: fresh.url });
      const old = fresh.addIncident({ title: 'old', createdAt: new Date(Date.now() - 3 * 3600_000) });
      const ids = Array.from({ length: 5 }, (_, i) => fresh.addIncident({ title: `p${i}`, service: 'PAYMENTS01' }).id);
      fresh.addIncident({ title: 'search', service: 'SEARCH01' });
      fresh.acknowledge(ids[1]!, 'Ada');
      fresh.resolve(ids[2]!);
      const got = await c.listIncidents({
        statuses: ['triggered', 'acknowledged'],
        serviceIds: ['PAYMENTS01'],
        since: new Date(Date.now() - 3600_000),
        pageSize: 2,
      });
      assert.deepEqual(
        got.map((i) => i.id),
        [ids[0], ids[1], ids[3], ids[4]],
      );
      assert.equal(got[1]?.status, 'acknowledged');
      const q = fresh.requests[0]!.query;
      assert.deepEqual(q['statuses[]'], ['triggered', 'acknowledged']);
      assert.deepEqual(q['service_ids[]'], ['PAYMENTS01']);
      assert.ok(q.since?.[0]?.endsWith('Z'));
      assert.ok((await c.listIncidents({ since: new Date(Date.now() - 6 * 3600_000) })).some((i) => i.id === old.id));
    } finally {
      await fresh.close();
    }
  });

  it('creates a note with the From header', async () => {
    const inc = sim.addIncident({ title: 'note me' });
    const note = await client().createNote(inc.id, 'Root cause: liveness probe timeout (high confidence)');
    assert.equal(note.content, 'Root cause: liveness probe timeout (high confidence)');
    assert.ok(note.id);
    assert.equal(sim.requests.at(-1)?.headers.from, 'causa@example.com');
    assert.equal(sim.requests.at(-1)?.status, 201);
    assert.deepEqual(
      sim.notes(inc.id).map((n) => n.content),
      ['Root cause: liveness probe timeout (high confidence)'],
    );
    await client({ fromEmail: undefined }).createNote(inc.id, 'second', { from: 'other@example.com' });
    assert.equal(sim.notes(inc.id).at(-1)?.user.summary, 'other');
  });

  it('fails a note without From with a typed 400 (account-level keys need it)', async () => {
    const inc = sim.addIncident({ title: 'no from' });
    const err = await rejects(client({ fromEmail: undefined }).createNote(inc.id, 'x'));
    assert.equal(err.kind, 'bad-request');
    assert.equal(err.status, 400);
    assert.equal(err.code, 2001);
    assert.equal(err.method, 'POST');
    assert.equal(err.path, `/incidents/${inc.id}/notes`);
    assert.match(err.message, /From/);
    assert.equal(sim.notes(inc.id).length, 0);
  });

  it('turns 401 and 404 into typed errors without leaking the token', async () => {
    const inc = sim.addIncident({ title: 'auth' });
    const err = await rejects(client({ token: 'wrong-token' }).getIncident(inc.id));
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.status, 401);
    assert.equal(err.code, 2006);
    const notFound = await rejects(client().getIncident('PNOPE99'));
    assert.equal(notFound.kind, 'not-found');
    assert.equal(notFound.status, 404);
    for (const e of [err, notFound]) {
      const seen = `${e.message} ${e.stack} ${inspect(e, { depth: 5 })} ${JSON.stringify(e)}`;
      assert.ok(!seen.includes(sim.token) && !seen.includes('wrong-token'), 'token in error');
    }
    const c = client();
    assert.ok(!inspect(c, { depth: 5 }).includes(sim.token), 'token visible on the client object');
  });

  it('absorbs a single 429 quickly (pdjs retries itself, with our short delay instead of 20 s)', async () => {
    const inc = sim.addIncident({ title: 'rate' });
    sim.rateLimitNext(1, 30);
    const started = performance.now();
    assert.equal((await client({ internalRetryDelayMs: 20 }).getIncident(inc.id)).id, inc.id);
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(
      sim.requests.slice(-2).map((r) => r.status),
      [429, 200],
    );
  });

  it('honours Retry-After on the 429 pdjs hands back, then succeeds', async () => {
    const inc = sim.addIncident({ title: 'rate' });
    const before = sim.requests.length;
    sim.rateLimitNext(4, 0.4); // pdjs's first try + its 3 retries
    const started = performance.now();
    const got = await client({ internalRetryDelayMs: 10 }).getIncident(inc.id);
    const elapsed = performance.now() - started;
    assert.equal(got.id, inc.id);
    assert.deepEqual(
      sim.requests.slice(before).map((r) => r.status),
      [429, 429, 429, 429, 200],
    );
    assert.ok(elapsed >= 390, `waited only ${elapsed} ms`);
    assert.ok(elapsed < 3000, `waited ${elapsed} ms`);
  });

  it('fails fast with rate-limited when Retry-After exceeds the bound, or retries run out', async () => {
    const inc = sim.addIncident({ title: 'rate' });
    sim.rateLimitNext(4, 120);
    let started = performance.now();
    const err = await rejects(client({ internalRetryDelayMs: 1, maxRateLimitWaitMs: 5000 }).getIncident(inc.id));
    assert.equal(err.kind, 'rate-limited');
    assert.equal(err.status, 429);
    assert.equal(err.code, 2020);
    assert.equal(err.retryAfterMs, 120_000);
    assert.ok(performance.now() - started < 1000);

    sim.rateLimitNext(8, 0.05);
    started = performance.now();
    const again = await rejects(client({ internalRetryDelayMs: 1, rateLimitRetries: 1 }).getIncident(inc.id));
    assert.equal(again.kind, 'rate-limited');
    assert.ok(performance.now() - started < 2000);
  });

  it('parses Retry-After as seconds or a date, else ratelimit-reset', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    assert.equal(retryAfterMs(h({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterMs(h({ 'retry-after': '0.25' })), 250);
    assert.equal(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000);
    assert.equal(retryAfterMs(h({ 'ratelimit-reset': '7' })), 7000);
    assert.equal(retryAfterMs(h({})), null);
  });

  it('reports unreachable servers and deadlines as typed errors', async () => {
    const port = await freePort();
    const dead = await rejects(client({ apiUrl: `http://127.0.0.1:${port}` }).getIncident('P1'));
    assert.equal(dead.kind, 'unreachable');
    assert.equal(dead.status, null);

    const silent = createHttpServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    const silentPort = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = performance.now();
      const err = await rejects(client({ apiUrl: `http://127.0.0.1:${silentPort}`, timeoutMs: 200 }).getIncident('P1'));
      assert.equal(err.kind, 'timeout');
      assert.ok(performance.now() - started < 2000);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('turns a non-JSON error body (a proxy page) into a typed error', async () => {
    const proxy = createHttpServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const address = proxy.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const err = await rejects(client({ apiUrl: `http://127.0.0.1:${port}` }).getIncident('P1'));
      assert.equal(err.kind, 'server');
      assert.equal(err.status, 502);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('leaves no timers behind after failures and 429s (pdjs would leave its 30 s requestTimer)', async () => {
    const inc = sim.addIncident({ title: 'timers' });
    const port = await freePort();
    const baseline = timeouts();
    await rejects(client({ apiUrl: `http://127.0.0.1:${port}` }).getIncident('P1'));
    sim.rateLimitNext(4, 120);
    await rejects(client({ internalRetryDelayMs: 1 }).getIncident(inc.id));
    sim.rateLimitNext(4, 0.01);
    await client({ internalRetryDelayMs: 1 }).getIncident(inc.id);
    await rejects(client().getIncident('PNOPE'));
    assert.equal(timeouts(), baseline, `timers left: ${process.getActiveResourcesInfo().join(', ')}`);
  });

  it('lets a process exit promptly after failed and rate-limited calls (measured in a child process)', async () => {
    const inc = sim.addIncident({ title: 'exit' });
    const deadPort = await freePort();
    sim.rateLimitNext(4, 120); // the child's first call: 429 with a Retry-After beyond its bound
    const clientUrl = new URL('../../src/pagerduty/client.js', import.meta.url).href;
    const code = `
      import { createPagerDutyClient } from ${JSON.stringify(clientUrl)};
      const { PD_URL, PD_TOKEN, DEAD_URL, INCIDENT } = process.env;
      const c = createPagerDutyClient({ token: PD_TOKEN, apiUrl: PD_URL, internalRetryDelayMs: 5, maxRateLimitWaitMs: 1000 });
      const out = [];
      const kind = (p) => p.then(() => 'ok', (e) => e.kind);
      out.push(await kind(c.getIncident(INCIDENT)));
      out.push(await kind(createPagerDutyClient({ token: PD_TOKEN, apiUrl: DEAD_URL }).getIncident('P1')));
      out.push(await kind(c.getIncident('PNOPE')));
      out.push(await kind(c.getIncident(INCIDENT)));
      process.stdout.write(JSON.stringify(out));
      // no process.exit(): the event loop must drain by itself
    `;
    const started = performance.now();
    const result = await new Promise<{ stdout: string; stderr: string; code: number | null; killed: boolean }>(
      (resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
          env: {
            ...process.env,
            PD_URL: sim.url,
            PD_TOKEN: sim.token,
            DEAD_URL: `http://127.0.0.1:${deadPort}`,
            INCIDENT: inc.id,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('exit', (exitCode, signal) => {
          clearTimeout(guard);
          resolve({ stdout, stderr, code: exitCode, killed: signal !== null });
        });
      },
    );
    const elapsed = performance.now() - started;
    assert.equal(result.killed, false, 'child hung');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['rate-limited', 'unreachable', 'not-found', 'ok']);
    assert.ok(elapsed < 5000, `child took ${Math.round(elapsed)} ms to exit (pdjs defaults would keep it ≥ 30 s)`);
  });

  it('rejects a bad configuration at creation without echoing secrets', () => {
    assert.throws(() => createPagerDutyClient({ token: '' }), /token is empty/);
    assert.throws(() => createPagerDutyClient({ token: 't', apiUrl: 'ftp://x' }), /PAGERDUTY_API_URL/);
    assert.throws(
      () => createPagerDutyClient({ token: 't', apiUrl: 'not a url with s3cret' }),
      (e: Error) => /PAGERDUTY_API_URL/.test(e.message) && !e.message.includes('s3cret'),
    );
  });
});
