/** Operational HTTP routes on PORT, in both Slack modes: /healthz, /readyz, /metrics. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface Route {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface HealthState {
  /** Checks that must pass for /readyz (name → ok or a reason). */
  checks: () => Record<string, true | string>;
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function operationalRoutes(health: HealthState, registry: Registry): Route[] {
  return [
    { path: '/healthz', method: ['GET', 'HEAD'], handler: (_req, res) => send(res, 200, 'text/plain', 'ok\n') },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        const checks = health.checks();
        const failing = Object.entries(checks).filter(([, v]) => v !== true);
        send(
          res,
          failing.length === 0 ? 200 : 503,
          'application/json',
          `${JSON.stringify({ ready: failing.length === 0, checks })}\n`,
        );
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        registry.metrics().then(
          (text) => send(res, 200, registry.contentType, text),
          (err) => send(res, 500, 'text/plain', `metrics failed: ${(err as Error).message}\n`),
        );
      },
    },
  ];
}

/** A plain request handler over routes (socket mode has no Bolt HTTP server to host them). */
export function routeHandler(routes: Route[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find((r) => r.path === path);
    if (!route) return send(res, 404, 'text/plain', 'not found\n');
    if (!route.method.includes(req.method ?? 'GET')) return send(res, 405, 'text/plain', 'method not allowed\n');
    route.handler(req, res);
  };
}
