/**
 * The standby's HTTP listener on PORT. It is alive (`/healthz` 200) and ready (`/readyz` 200, role
 * standby) so the Deployment reports every replica available, and it forwards what Slack and
 * PagerDuty deliver over HTTP (`/pagerduty/webhook`, `/slack/events`) to the leader whose address the
 * Lease carries: the raw body and the signature headers go through untouched and the leader verifies
 * them. With no reachable leader (a failover in progress) it answers 503 + Retry-After, and both
 * PagerDuty and Slack deliver again. Nothing else is served by a standby.
 */
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Paths that are delivered to the Service by Slack or PagerDuty and must reach the leader. */
export const FORWARDED_PATHS = new Set(['/pagerduty/webhook', '/slack/events']);

export interface StandbyServer {
  port: number;
  close(): Promise<void>;
}

export interface StandbyOptions {
  port: number;
  identity: string;
  /** The leader's base URL (`http://10.0.0.7:3000`), or null when there is none right now. */
  leaderUrl?: () => string | null;
  /** Per forwarded request (default 10 s: Slack's own deadline is 3 s, PagerDuty's longer). */
  forwardTimeoutMs?: number;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

/** The headers a proxy passes on (hop-by-hop ones and Host dropped). */
function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(headers).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())),
  ) as Record<string, string | string[]>;
}

export async function startStandbyServer(opts: StandbyOptions): Promise<StandbyServer> {
  const { identity } = opts;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (path === '/healthz' || path === '/livez') return reply(200, { status: 'ok', role: 'standby', identity });
    if (path === '/readyz') return reply(200, { status: 'ok', role: 'standby', identity });
    if (!FORWARDED_PATHS.has(path) || req.method !== 'POST')
      return reply(503, { error: 'standby: this replica is not the leader', identity });
    const leader = opts.leaderUrl?.() ?? null;
    if (!leader) return reply(503, { error: 'standby: no leader right now, retry', identity }, { 'retry-after': '5' });
    let target: URL;
    try {
      target = new URL(req.url ?? path, leader);
    } catch {
      return reply(503, { error: 'standby: the leader address is invalid', identity }, { 'retry-after': '5' });
    }
    const headers = endToEnd(req.headers);
    headers['x-forwarded-by'] = identity;
    const upstream = request(target, { method: 'POST', headers, timeout: opts.forwardTimeoutMs ?? 10_000 }, (up) => {
      res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', () =>
      reply(503, { error: 'standby: the leader did not answer, retry', identity }, { 'retry-after': '5' }),
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
