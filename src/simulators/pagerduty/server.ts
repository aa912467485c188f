/**
 * The PagerDuty simulator: a REST v2 server on 127.0.0.1 that the real `@pagerduty/pdjs` talks to (give it the
 * simulator's `url` as `PAGERDUTY_API_URL`), plus drivers that act like PagerDuty and its users: create incidents
 * with Alertmanager-shaped alerts, acknowledge, resolve, reassign, annotate, inject 429s, and deliver signed v3
 * webhooks to the bot.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../http/read-body.js';
import { handleRest, pdError, type RestResponse } from './rest.js';
import { PagerDutyState } from './state.js';
import {
  DEFAULTS,
  type PagerDutySimulator,
  type PagerDutySimulatorOptions,
  type RequestRecord,
  type SendWebhookInput,
  type WebhookDelivery,
} from './types.js';
import { buildPayload, post, sign } from './webhooks.js';

function send(res: ServerResponse, out: RestResponse): void {
  const text = JSON.stringify(out.body);
  res.writeHead(out.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...out.headers,
  });
  res.end(text);
}

export async function startPagerDutySimulator(options: PagerDutySimulatorOptions = {}): Promise<PagerDutySimulator> {
  const token = options.token ?? DEFAULTS.token;
  const webhookSecrets = [...(options.webhookSecrets ?? DEFAULTS.webhookSecrets)];
  const state = new PagerDutyState(
    options.services ?? DEFAULTS.services.map((s) => ({ ...s })),
    options.now ?? (() => new Date()),
  );
  const requests: RequestRecord[] = [];
  const deliveries: WebhookDelivery[] = [];
  const webhookIds = new Map<string, string>();
  const rateLimit = { remaining: 0, retryAfterSeconds: 1 };

  const authorized = (header: string | undefined) => header === `Token token=${token}` || header === `Bearer ${token}`;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    const ok = authorized(headers.authorization);
    if (headers.authorization !== undefined) headers.authorization = '<redacted>';
    const raw = await readBody(req);
    let body: unknown;
    let badJson = false;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        badJson = true;
        body = raw.toString('utf8');
      }
    }
    const query: Record<string, string[]> = {};
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
    const method = req.method ?? 'GET';

    let out: RestResponse;
    if (raw === null) {
      out = pdError(413, 'Request Entity Too Large', 2001);
    } else if (rateLimit.remaining > 0) {
      rateLimit.remaining--;
      const s = rateLimit.retryAfterSeconds;
      out = {
        ...pdError(429, 'Rate Limit Exceeded', 2020),
        headers: {
          'retry-after': String(s),
          'ratelimit-limit': '960',
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.max(0, Math.ceil(s))),
        },
      };
    } else if (!ok) {
      out = pdError(401, 'Authentication failed', 2006);
    } else {
      try {
        out = handleRest(state, { method, path: url.pathname, query: url.searchParams, headers, body, badJson });
      } catch (err) {
        out = pdError(500, `Internal Server Error: ${(err as Error).message}`, 2000);
      }
    }
    requests.push({
      method,
      path: url.pathname,
      query,
      headers,
      authorized: ok,
      body,
      status: out.status,
      at: new Date().toISOString(),
    });
    send(res, out);
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, pdError(500, `Internal Server Error: ${(err as Error).message}`, 2000));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  state.baseUrl = url;

  const sim: PagerDutySimulator = {
    url,
    token,
    webhookSecrets,
    requests,
    deliveries,

    incidents: () => state.all().map((r) => state.restIncident(r)),
    incident: (id) => {
      const rec = state.get(id);
      return rec ? state.restIncident(rec) : undefined;
    },
    alerts: (id) => {
      const rec = state.require(id);
      return rec.alerts.map((a) => state.restAlert(rec, a));
    },
    notes: (id) => state.require(id).notes.map((n) => state.restNote(n)),

    addIncident: (input) => state.restIncident(state.addIncident(input)),
    acknowledge: (id, user) => state.restIncident(state.acknowledge(id, user ? state.user(user) : state.onCall)),
    resolve: (id, user) => state.restIncident(state.resolve(id, user ? state.user(user) : null)),
    reassign: (id, user) => state.restIncident(state.reassign(id, state.user(user), null)),
    annotate: (id, content, user) => state.restNote(state.addNote(id, content, user ? state.user(user) : state.onCall)),

    rateLimitNext(n, retryAfterSeconds = 1) {
      rateLimit.remaining = Math.max(0, Math.floor(n));
      rateLimit.retryAfterSeconds = retryAfterSeconds;
    },

    webhookPayload: (input) => buildPayload(state, input),

    async sendWebhook(input: SendWebhookInput): Promise<WebhookDelivery> {
      let rawBody: Buffer;
      let eventId: string;
      if (input.rawBody !== undefined) {
        rawBody = Buffer.isBuffer(input.rawBody) ? input.rawBody : Buffer.from(input.rawBody, 'utf8');
        eventId = input.eventId ?? '';
      } else {
        const payload = buildPayload(state, input);
        eventId = String(payload.event.id);
        rawBody = Buffer.from(JSON.stringify(payload), 'utf8');
      }
      // Re-deliveries of one event keep their X-Webhook-Id.
      const webhookKey = eventId || randomUUID();
      const webhookId = webhookIds.get(webhookKey) ?? randomUUID();
      webhookIds.set(webhookKey, webhookId);

      let signature: string | null;
      if (input.omitSignature) signature = null;
      else if (typeof input.forgedSignature === 'string') signature = input.forgedSignature;
      else if (input.forgedSignature === true) signature = sign(rawBody, ['not-the-secret']);
      else signature = sign(rawBody, input.secret !== undefined ? [input.secret] : webhookSecrets);

      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'PagerDuty-Webhook/V3.0',
        'x-webhook-id': webhookId,
        'x-webhook-subscription': DEFAULTS.subscriptionId,
        ...(signature !== null ? { 'x-pagerduty-signature': signature } : {}),
        ...input.headers,
      };
      const result = await post(input.endpoint, rawBody, headers, input.timeoutMs ?? 5000);
      const delivery: WebhookDelivery = {
        endpoint: input.endpoint,
        eventType: input.eventType,
        eventId,
        webhookId,
        rawBody: rawBody.toString('utf8'),
        signature,
        status: result.status,
        body: result.body,
        ...(result.error !== undefined ? { error: result.error } : {}),
      };
      deliveries.push(delivery);
      return delivery;
    },

    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients with keep-alive sockets (node-fetch on Node ≥ 19) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
  return sim;
}
