/** The PagerDuty simulator: REST v2 surface (plain HTTP) and signed v3 webhook delivery. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseWebhook } from '../../../src/pagerduty/schemas.js';
import { verifySignature } from '../../../src/pagerduty/verify-signature.js';
import { type PagerDutySimulator, startPagerDutySimulator } from '../../../src/simulators/pagerduty/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk untyped JSON responses
type Json = Record<string, any>;

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

async function startReceiver(status = 202): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end('accepted');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/pagerduty/webhook`, received, server };
}

describe('PagerDuty simulator REST API', () => {
  let sim: PagerDutySimulator;
  const auth = () => ({
    authorization: `Token token=${sim.token}`,
    accept: 'application/vnd.pagerduty+json;version=2',
  });
  const get = async (path: string, headers: Record<string, string> = auth()) => {
    const res = await fetch(`${sim.url}${path}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };
  const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { ...auth(), 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  before(async () => {
    sim = await startPagerDutySimulator({
      services: [
        { id: 'PAYMENTS01', name: 'Payments' },
        { id: 'SEARCH01', name: 'Search' },
      ],
    });
  });
  after(() => sim.close());

  it('requires the API token (Token token=… or Bearer)', async () => {
    assert.equal((await get('/incidents', {})).status, 401);
    const wrong = await get('/incidents', { authorization: 'Token token=nope' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, { error: { message: 'Authentication failed', code: 2006 } });
    assert.equal((await get('/incidents', { authorization: `Bearer ${sim.token}` })).status, 200);
    const last = sim.requests.at(-1)!;
    assert.equal(last.authorized, true);
    assert.equal(last.headers.authorization, '<redacted>');
  });

  it('serves REST incidents with incident_number/assignments and 404s unknown ids', async () => {
    const inc = sim.addIncident({ title: 'Disk full', service: 'SEARCH01', urgency: 'low', assignee: 'Ada' });
    const { status, body } = await get(`/incidents/${inc.id}`);
    assert.equal(status, 200);
    assert.equal(body.incident.incident_number, inc.incident_number);
    assert.equal(body.incident.summary, `[#${inc.incident_number}] Disk full`);
    assert.equal(body.incident.assignments[0].assignee.summary, 'Ada');
    assert.equal(body.incident.number, undefined);
    assert.equal(body.incident.assignees, undefined);
    assert.equal(body.incident.service.summary, 'Search');
    assert.equal(body.incident.urgency, 'low');
    assert.deepEqual(body.incident.alert_counts, { all: 1, triggered: 1, resolved: 0 });
    const missing = await get('/incidents/PNOPE');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 2100);
  });

  it('filters and paginates GET /incidents', async () => {
    const s = await startPagerDutySimulator({ services: [{ id: 'A' }, { id: 'B' }] });
    try {
      const h = { authorization: `Token token=${s.token}` };
      const q = async (query: string) => {
        const res = await fetch(`${s.url}/incidents?${query}`, { headers: h });
        return { status: res.status, body: (await res.json()) as Json };
      };
      const old = s.addIncident({ title: 'old', service: 'A', createdAt: '2020-01-01T00:00:00Z' });
      const ids = Array.from({ length: 6 }, (_, i) => s.addIncident({ title: `n${i}`, service: i % 2 ? 'B' : 'A' }).id);
      s.acknowledge(ids[0]!, 'Ada');
      s.resolve(ids[2]!);
      const ids2 = (r: { body: Json }) => r.body.incidents.map((i: Json) => i.id);

      const all = await q('');
      assert.deepEqual(ids2(all), ids, 'default window: the last month');
      assert.deepEqual([all.body.limit, all.body.offset, all.body.more, all.body.total], [25, 0, false, null]);
      assert.deepEqual(ids2(await q('date_range=all')), [old.id, ...ids]);
      assert.deepEqual(ids2(await q('since=2019-12-01T00:00:00Z&until=2020-02-01T00:00:00Z')), [old.id]);
      assert.deepEqual(ids2(await q('statuses%5B%5D=triggered&statuses%5B%5D=acknowledged&service_ids%5B%5D=A')), [
        ids[0],
        ids[4],
      ]);
      assert.deepEqual(ids2(await q('statuses[]=resolved')), [ids[2]]);
      const p1 = await q('limit=4&offset=0&total=true');
      assert.deepEqual([ids2(p1).length, p1.body.more, p1.body.total], [4, true, 6]);
      const p2 = await q('limit=4&offset=4');
      assert.deepEqual([ids2(p2), p2.body.more], [[ids[4], ids[5]], false]);
      assert.deepEqual(ids2(await q('sort_by=created_at:desc&limit=1')), [ids[5]]);
      assert.equal((await q('limit=500')).body.limit, 100);
      assert.equal((await q('statuses[]=open')).status, 400);
      assert.equal((await q('since=yesterday')).status, 400);
      const tooFar = await q('offset=9950&limit=100');
      assert.equal(tooFar.status, 400);
      assert.equal(tooFar.body.error.code, 2001);
    } finally {
      await s.close();
    }
  });

  it('builds alert bodies like PagerDuty does for Events v2 and Alertmanager', async () => {
    const text =
      'Labels:\n - alertname = KubePodCrashLooping\n - namespace = payments\n - pod = api-1\nAnnotations:\nSource: x\n';
    const labels = { namespace: 'payments', deployment: 'api' };
    const inc = sim.addIncident({
      title: 'alerts',
      alerts: [
        { details: labels },
        { cef_details: { details: labels } },
        { firing: text },
        { firing: [{ status: 'firing', labels }] },
        { details: labels, status: 'resolved' },
      ],
    });
    const { body } = await get(`/incidents/${inc.id}/alerts`);
    const [plain, cefOnly, amText, amArray] = body.alerts as Json[];
    assert.deepEqual(plain!.body.details, labels);
    assert.deepEqual(plain!.body.cef_details.details, labels);
    assert.equal(plain!.incident.id, inc.id);
    assert.equal(plain!.alert_key, inc.incident_key);
    assert.equal('details' in cefOnly!.body, false);
    assert.deepEqual(cefOnly!.body.cef_details.details, labels);
    assert.deepEqual(amText!.body.details, { firing: text, num_firing: '1', num_resolved: '0', resolved: '' });
    assert.equal(amText!.body.cef_details.client, 'Alertmanager');
    assert.deepEqual(amArray!.body.details, {
      firing: [{ status: 'firing', labels }],
      num_firing: 1,
      num_resolved: 0,
      resolved: null,
    });
    const triggered = await get(`/incidents/${inc.id}/alerts?statuses[]=triggered&limit=2&offset=2`);
    assert.deepEqual([triggered.body.alerts.length, triggered.body.more], [2, false]);
    assert.equal((await get(`/incidents/${inc.id}`)).body.incident.alert_counts.resolved, 1);
    assert.equal((await get('/incidents/PNOPE/alerts')).status, 404);
  });

  it('stores notes only with a From header and valid content', async () => {
    const inc = sim.addIncident({ title: 'notes' });
    const noFrom = await send('POST', `/incidents/${inc.id}/notes`, { note: { content: 'x' } });
    assert.equal(noFrom.status, 400);
    assert.equal(noFrom.body.error.code, 2001);
    assert.match(noFrom.body.error.errors[0], /From/);
    assert.equal(
      (await send('POST', `/incidents/${inc.id}/notes`, { note: {} }, { from: 'a@example.com' })).status,
      400,
    );
    assert.equal((await send('POST', `/incidents/${inc.id}/notes`, '{oops', { from: 'a@example.com' })).status, 400);
    assert.equal(
      (await send('POST', `/incidents/${inc.id}/notes`, { note: { content: 'x' } }, { from: 'bob' })).body.error.code,
      1008,
    );
    const ok = await send(
      'POST',
      `/incidents/${inc.id}/notes`,
      { note: { content: 'Root cause' } },
      { from: 'bot@example.com' },
    );
    assert.equal(ok.status, 201);
    assert.equal(ok.body.note.content, 'Root cause');
    assert.equal(ok.body.note.channel.summary, 'The PagerDuty website or APIs');
    assert.deepEqual(
      sim.notes(inc.id).map((n) => n.content),
      ['Root cause'],
    );
    assert.equal((await get(`/incidents/${inc.id}/notes`)).body.notes.length, 1);
  });

  it('updates status with PUT /incidents/{id} (From required)', async () => {
    const inc = sim.addIncident({ title: 'put' });
    const body = { incident: { type: 'incident_reference', status: 'acknowledged' } };
    assert.equal((await send('PUT', `/incidents/${inc.id}`, body)).status, 400);
    const acked = await send('PUT', `/incidents/${inc.id}`, body, { from: 'put.user@example.com' });
    assert.equal(acked.body.incident.status, 'acknowledged');
    assert.equal(acked.body.incident.acknowledgements[0].acknowledger.summary, 'put.user');
    const resolve = { incident: { type: 'incident_reference', status: 'resolved' } };
    assert.equal((await send('PUT', `/incidents/${inc.id}`, resolve, { from: 'ada@example.com' })).status, 200);
    assert.equal(
      (await send('PUT', `/incidents/${inc.id}`, resolve, { from: 'ada@example.com' })).body.error.code,
      1001,
    );
  });

  it('injects 429s with Retry-After and ratelimit headers', async () => {
    sim.rateLimitNext(2, 3);
    const first = await get('/incidents');
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '3');
    assert.equal(first.headers.get('ratelimit-reset'), '3');
    assert.equal(first.headers.get('ratelimit-remaining'), '0');
    assert.deepEqual(first.body, { error: { message: 'Rate Limit Exceeded', code: 2020 } });
    assert.equal((await get('/incidents')).status, 429);
    assert.equal((await get('/incidents')).status, 200);
  });

  it('drives incidents like PagerDuty users do', () => {
    const inc = sim.addIncident({ title: 'drive' });
    assert.equal(sim.acknowledge(inc.id, 'Ada').status, 'acknowledged');
    assert.equal(sim.reassign(inc.id, 'Grace').assignments[0]?.assignee.summary, 'Grace');
    assert.equal(sim.incident(inc.id)?.status, 'triggered', 'reassigning re-triggers an acknowledged incident');
    const resolved = sim.resolve(inc.id, 'Ada');
    assert.equal(resolved.status, 'resolved');
    assert.deepEqual(resolved.alert_counts, { all: 1, triggered: 0, resolved: 1 });
    assert.equal(sim.annotate(inc.id, 'post-mortem soon', 'Ada').user.summary, 'Ada');
    assert.ok(sim.incidents().some((i) => i.id === inc.id));
    assert.throws(() => sim.acknowledge('PNOPE'), /no incident/);
  });
});

describe('PagerDuty simulator webhooks', () => {
  let sim: PagerDutySimulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    sim = await startPagerDutySimulator({ webhookSecrets: ['old-secret', 'new-secret'] });
    receiver = await startReceiver();
  });
  after(async () => {
    await sim.close();
    receiver.server.closeAllConnections();
    await new Promise((r) => receiver.server.close(r));
  });

  it('delivers a signed incident.triggered with the webhook incident shape', async () => {
    const inc = sim.addIncident({ title: 'CrashLoopBackOff deploy/payments-service', service: 'PAYMENTS01' });
    const delivery = await sim.sendWebhook({
      endpoint: receiver.url,
      eventType: 'incident.triggered',
      incidentId: inc.id,
    });
    assert.equal(delivery.status, 202);
    assert.equal(delivery.body, 'accepted');
    const got = receiver.received.at(-1)!;
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'PagerDuty-Webhook/V3.0');
    assert.equal(got.headers['x-webhook-id'], delivery.webhookId);
    assert.equal(got.headers['x-webhook-subscription'], 'PSIMSUB1');
    const signature = String(got.headers['x-pagerduty-signature']);
    assert.equal(signature.split(',').length, 2, 'one v1 value per secret');
    assert.ok(verifySignature(got.raw, signature, ['old-secret']));
    assert.ok(verifySignature(got.raw, signature, ['new-secret']));
    assert.ok(!verifySignature(got.raw, signature, ['other']));

    const parsed = parseWebhook(JSON.parse(got.raw.toString('utf8')));
    assert.ok(parsed.ok);
    const ev = parsed.event;
    assert.equal(ev.kind, 'incident');
    assert.equal(ev.id, delivery.eventId);
    if (ev.kind !== 'incident') return;
    assert.equal(ev.event_type, 'incident.triggered');
    assert.equal(ev.resource_type, 'incident');
    assert.equal(ev.data.number, inc.incident_number);
    assert.equal(ev.data.assignees[0]?.summary, 'On-call Engineer');
    assert.equal((ev.data as Json).incident_number, undefined);
    assert.equal((ev.data as Json).assignments, undefined);
    assert.equal(ev.agent?.type, 'service_reference');
  });

  it('signs with one chosen secret, forges, or omits the signature on request', async () => {
    const inc = sim.addIncident({ title: 'sig' });
    const base = { endpoint: receiver.url, eventType: 'incident.triggered', incidentId: inc.id };
    await sim.sendWebhook({ ...base, secret: 'new-secret' });
    let got = receiver.received.at(-1)!;
    assert.equal(String(got.headers['x-pagerduty-signature']).split(',').length, 1);
    assert.ok(verifySignature(got.raw, String(got.headers['x-pagerduty-signature']), ['new-secret']));
    await sim.sendWebhook({ ...base, forgedSignature: true });
    got = receiver.received.at(-1)!;
    assert.ok(!verifySignature(got.raw, String(got.headers['x-pagerduty-signature']), ['old-secret', 'new-secret']));
    await sim.sendWebhook({ ...base, forgedSignature: 'v1=deadbeef' });
    assert.equal(receiver.received.at(-1)!.headers['x-pagerduty-signature'], 'v1=deadbeef');
    await sim.sendWebhook({ ...base, omitSignature: true });
    assert.equal(receiver.received.at(-1)!.headers['x-pagerduty-signature'], undefined);
  });

  it('gives unique event ids, or reuses one (and its X-Webhook-Id) for duplicate deliveries', async () => {
    const inc = sim.addIncident({ title: 'dup' });
    const base = { endpoint: receiver.url, eventType: 'incident.triggered', incidentId: inc.id };
    const a = await sim.sendWebhook(base);
    const b = await sim.sendWebhook(base);
    assert.notEqual(a.eventId, b.eventId);
    assert.notEqual(a.webhookId, b.webhookId);
    const c = await sim.sendWebhook({ ...base, eventId: 'evt-1' });
    const d = await sim.sendWebhook({ ...base, eventId: 'evt-1' });
    assert.equal(c.eventId, 'evt-1');
    assert.equal(d.eventId, 'evt-1');
    assert.equal(c.webhookId, d.webhookId);
  });

  it('sends a raw body verbatim, signed', async () => {
    const raw = '{"event": {"id": "x",  "note": "Café ☕"}}';
    await sim.sendWebhook({ endpoint: receiver.url, eventType: 'incident.triggered', rawBody: raw });
    const got = receiver.received.at(-1)!;
    assert.equal(got.raw.toString('utf8'), raw);
    assert.ok(verifySignature(got.raw, String(got.headers['x-pagerduty-signature']), ['new-secret']));
  });

  it('follows the incident: acknowledged/reassigned/resolved/annotated and other event shapes', async () => {
    const inc = sim.addIncident({ title: 'life' });
    const shape = (eventType: string) => {
      const p = parseWebhook(sim.webhookPayload({ eventType, incidentId: inc.id }));
      assert.ok(p.ok, eventType);
      return p.event;
    };
    sim.acknowledge(inc.id, 'Ada');
    const acked = shape('incident.acknowledged');
    assert.equal(acked.kind === 'incident' && acked.data.status, 'acknowledged');
    assert.equal(acked.agent?.summary, 'Ada');
    sim.reassign(inc.id, 'Grace');
    const re = shape('incident.reassigned');
    assert.equal(re.kind === 'incident' && re.data.assignees[0]?.summary, 'Grace');
    assert.throws(() => sim.webhookPayload({ eventType: 'incident.annotated', incidentId: inc.id }), /no note/);
    sim.annotate(inc.id, 'Looking at the probes', 'Grace');
    const note = shape('incident.annotated');
    assert.equal(note.kind, 'annotated');
    assert.equal(note.kind === 'annotated' && note.data.content, 'Looking at the probes');
    assert.equal(note.kind === 'annotated' && note.data.incident.id, inc.id);
    assert.equal(shape('incident.responder.added').kind, 'responder');
    assert.equal(shape('incident.status_update_published').kind, 'status_update');
    assert.equal(shape('incident.task.created').kind, 'other');
    sim.resolve(inc.id, 'Ada');
    const resolved = shape('incident.resolved');
    assert.equal(resolved.kind === 'incident' && resolved.data.status, 'resolved');
    const ping = parseWebhook(sim.webhookPayload({ eventType: 'pagey.ping' }));
    assert.ok(ping.ok && ping.event.kind === 'other' && ping.event.resource_type === 'pagey');
    assert.equal(
      sim.webhookPayload({ eventType: 'incident.triggered', incidentId: inc.id, agent: null }).event.agent,
      null,
    );
    assert.throws(() => sim.webhookPayload({ eventType: 'incident.triggered' }), /incidentId/);
  });

  it('reports the receiver status, and status 0 when nobody answers', async () => {
    const rejecting = await startReceiver(401);
    try {
      const inc = sim.addIncident({ title: 'status' });
      const d = await sim.sendWebhook({ endpoint: rejecting.url, eventType: 'incident.triggered', incidentId: inc.id });
      assert.equal(d.status, 401);
    } finally {
      await new Promise((r) => rejecting.server.close(r));
    }
    const dead = await sim.sendWebhook({ endpoint: 'http://127.0.0.1:1/x', eventType: 'pagey.ping' });
    assert.equal(dead.status, 0);
    assert.match(dead.error ?? '', /ECONNREFUSED/);
    assert.ok(sim.deliveries.length >= 2);
  });
});
