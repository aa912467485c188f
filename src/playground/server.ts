/**
 * The local web playground: a small node:http server on 127.0.0.1 that serves a Slack-like page rendering the
 * Slack simulator's message store live, and turns the page's clicks into simulator driver calls (slash commands,
 * button clicks, modal submissions) so the real bot answers them. No framework, no external assets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DeliveryResult, SLACK_SIM_DEFAULTS, type SlackSimulator } from '../simulators/slack/index.js';
import { CLIENT_JS } from './client.js';
import { PAGE_CSS, pageHtml } from './page.js';
import {
  type PlaygroundChannel,
  type PlaygroundScenario,
  type PlaygroundUser,
  type PlaygroundUsergroup,
  snapshot,
  stateVersion,
} from './state.js';

export type { PageState, PlaygroundChannel, PlaygroundScenario, PlaygroundUser } from './state.js';

export interface PlaygroundOptions {
  slack: SlackSimulator;
  /** Default 0 = an ephemeral port. The server binds 127.0.0.1 only. */
  port?: number;
  /** Shown in the page header and the tab title. Default `Causa playground`. */
  title?: string;
  /** The scenario menu; the first one is selected initially. */
  scenarios?: PlaygroundScenario[];
  /** "Page me": the demo sends a signed PagerDuty incident for `scenario`. The button is disabled without it. */
  onPage?: (scenario: string) => Promise<void>;
  /** A scenario was picked in the menu (the demo reloads the Kubernetes simulator with it). */
  onScenario?: (name: string) => Promise<void>;
  /** The simulator's channels; default the simulator's defaults (#incidents, #payments). */
  channels?: PlaygroundChannel[];
  /** The users the page can act as; default the simulator's defaults (alice, bob, carol). The first is the default. */
  users?: PlaygroundUser[];
  usergroups?: PlaygroundUsergroup[];
  /** How often the event stream compares the simulator's state. Default 250 ms. */
  pollMs?: number;
}

export interface Playground {
  /** http://127.0.0.1:PORT/ */
  url: string;
  close(): Promise<void>;
}

type Rec = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 256 * 1024;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string, extra: Rec = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

async function readJson(req: IncomingMessage): Promise<Rec> {
  const type = String(req.headers['content-type'] ?? '');
  // JSON only: a cross-site form post cannot send it without a CORS preflight, which this server never answers.
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'expected Content-Type: application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(buf);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'invalid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, 'expected an object');
  return parsed as Rec;
}

function field(body: Rec, name: string, opts: { optional?: boolean } = {}): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    if (opts.optional) return undefined;
    throw new HttpError(400, `missing ${name}`);
  }
  if (typeof v !== 'string') throw new HttpError(400, `${name} must be a string`);
  return v;
}

function required(body: Rec, name: string): string {
  return field(body, name) as string;
}

/** The answer to a driver call: what the page shows (an error toast, or nothing). */
function deliveryAnswer(result: DeliveryResult | null): Rec {
  if (result === null) return { ok: true };
  const ack = result.ackPayload;
  const answer: Rec = { ok: result.acked && result.error === undefined };
  if (result.error !== undefined) answer.error = result.error;
  if (typeof ack === 'object' && ack !== null && typeof (ack as Rec).text === 'string') answer.ack = (ack as Rec).text;
  return answer;
}

function filename(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return clean === '' ? 'file.txt' : clean.slice(0, 120);
}

export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const { slack } = opts;
  const title = opts.title ?? 'Causa playground';
  const scenarios = opts.scenarios ?? [];
  const users = opts.users ?? SLACK_SIM_DEFAULTS.users.map((u) => ({ ...u }));
  const channels = opts.channels ?? SLACK_SIM_DEFAULTS.channels.map((c) => ({ ...c }));
  const usergroups = (opts.usergroups ?? SLACK_SIM_DEFAULTS.usergroups).map((g) => ({ id: g.id, handle: g.handle }));
  const defaultUser = users[0]?.id ?? 'U0ONCALL1';
  const pollMs = opts.pollMs ?? 250;
  let scenario: string | null = scenarios[0]?.name ?? null;
  let hostOk: Set<string> = new Set();

  // ---------------------------------------------------------------------------------------------------------------
  // Server-Sent Events: one poller while anyone listens; a tick whenever the state's hash changes.
  const clients = new Set<ServerResponse>();
  let lastVersion = '';
  let poller: NodeJS.Timeout | null = null;
  let heartbeat = 0;
  const broadcast = (data: string): void => {
    for (const c of clients) c.write(data);
  };
  const poll = (): void => {
    let version: string;
    try {
      version = stateVersion(slack);
    } catch {
      return;
    }
    heartbeat += pollMs;
    if (version !== lastVersion) {
      lastVersion = version;
      heartbeat = 0;
      broadcast(`event: change\ndata: ${JSON.stringify({ version })}\n\n`);
    } else if (heartbeat >= 15_000) {
      heartbeat = 0;
      broadcast(': keep-alive\n\n');
    }
  };
  const subscribe = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
    });
    lastVersion = stateVersion(slack);
    res.write(`retry: 1000\nevent: change\ndata: ${JSON.stringify({ version: lastVersion })}\n\n`);
    clients.add(res);
    if (poller === null) {
      poller = setInterval(poll, pollMs);
      poller.unref();
    }
    req.on('close', () => {
      clients.delete(res);
      if (clients.size === 0 && poller !== null) {
        clearInterval(poller);
        poller = null;
      }
    });
  };
  const notify = (): void => {
    if (clients.size > 0) poll();
  };

  // ---------------------------------------------------------------------------------------------------------------
  // Routes

  const actingUser = (value: string | null | undefined): string => {
    const id = value ?? defaultUser;
    if (!users.some((u) => u.id === id)) throw new HttpError(400, `unknown user ${id}`);
    return id;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    if (req.method === 'GET' && path === '/api/state') {
      const state = snapshot({
        slack,
        title,
        user: actingUser(url.searchParams.get('user')),
        channels,
        users,
        usergroups,
        scenarios,
        scenario,
        canPage: opts.onPage !== undefined && scenarios.length > 0,
      });
      sendJson(res, 200, state);
      return;
    }
    if (req.method === 'GET' && path === '/api/events') {
      subscribe(req, res);
      return;
    }
    const file = /^\/api\/files\/([A-Za-z0-9]+)$/.exec(path);
    if (req.method === 'GET' && file) {
      const f = slack.files().find((x) => x.id === file[1]);
      if (!f) throw new HttpError(404, 'no such file');
      send(res, 200, 'text/plain; charset=utf-8', f.content, {
        'Content-Disposition': `attachment; filename="${filename(f.filename || f.title)}"`,
      });
      return;
    }
    if (req.method !== 'POST') throw new HttpError(404, 'not found');
    const body = await readJson(req);
    const user = actingUser(field(body, 'user', { optional: true }));
    let answer: Rec;
    switch (path) {
      case '/api/command': {
        let text = required(body, 'text').trim();
        if (text === '/causa' || text.startsWith('/causa ')) text = text.slice('/causa'.length).trim();
        const result = await slack.slashCommand({
          command: '/causa',
          text,
          user,
          channel: required(body, 'channel'),
        });
        answer = deliveryAnswer(result);
        break;
      }
      case '/api/click': {
        const value = field(body, 'value', { optional: true });
        const result = await slack.clickButton({
          channel: required(body, 'channel'),
          messageTs: required(body, 'messageTs'),
          actionId: required(body, 'actionId'),
          user,
          ...(value === undefined ? {} : { value }),
        });
        answer = deliveryAnswer(result);
        break;
      }
      case '/api/view-submit': {
        const values = body.values ?? {};
        if (typeof values !== 'object' || values === null || Array.isArray(values)) {
          throw new HttpError(400, 'values must be an object');
        }
        const result = await slack.submitView({
          viewId: required(body, 'viewId'),
          user,
          values: values as Record<string, Record<string, unknown>>,
        });
        answer = deliveryAnswer(result);
        break;
      }
      case '/api/view-close': {
        answer = deliveryAnswer(await slack.closeView({ viewId: required(body, 'viewId'), user }));
        break;
      }
      case '/api/page': {
        if (!opts.onPage) throw new HttpError(501, 'paging is not wired in this playground');
        const name = field(body, 'scenario', { optional: true }) ?? scenario;
        if (name === null || !scenarios.some((s) => s.name === name))
          throw new HttpError(400, `unknown scenario ${name}`);
        await opts.onPage(name);
        answer = { ok: true };
        break;
      }
      case '/api/scenario': {
        const name = required(body, 'name');
        if (!scenarios.some((s) => s.name === name)) throw new HttpError(400, `unknown scenario ${name}`);
        await opts.onScenario?.(name);
        scenario = name;
        answer = { ok: true, scenario };
        break;
      }
      default:
        throw new HttpError(404, 'not found');
    }
    sendJson(res, 200, answer);
    notify();
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // DNS rebinding: only answer requests addressed to this server by its loopback name.
    if (!hostOk.has(String(req.headers.host ?? ''))) throw new HttpError(421, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://playground.invalid');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      await api(req, res, path, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    switch (path) {
      case '/':
      case '/index.html':
        send(res, 200, 'text/html; charset=utf-8', pageHtml(title), { 'Content-Security-Policy': CSP });
        return;
      case '/app.js':
        send(res, 200, 'text/javascript; charset=utf-8', CLIENT_JS);
        return;
      case '/app.css':
        send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
        return;
      case '/favicon.ico':
        res.writeHead(204, SECURITY_HEADERS).end();
        return;
      default:
        throw new HttpError(404, 'not found');
    }
  };

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : 500;
      sendJson(res, status, { ok: false, error: err instanceof Error ? err.message : String(err) });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hostOk = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      if (poller !== null) clearInterval(poller);
      poller = null;
      for (const c of clients) c.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
