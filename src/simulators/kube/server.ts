/** The HTTP server: authentication, latency, request log, response writing. */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../../domain/k8s.js';
import type { Scenario } from '../../scenario/schema.js';
import type { Reply, SimContext, SimRequest, Sink } from './context.js';
import { buildKubeconfig } from './kubeconfig.js';
import { route } from './routes.js';
import { ApiError, errors } from './status.js';
import { Store } from './store.js';
import { shiftScenarioTimes } from './time-shift.js';
import { selfSignedCertificate } from './tls.js';

export interface KubeSimulatorOptions {
  scenario: Scenario;
  /** Default 0 = ephemeral; the server binds 127.0.0.1 only. */
  port?: number;
  /** Added to every request (default 0). */
  latencyMs?: number;
  /** Bearer token required (default `causa-sim-token`); wrong or missing -> 401 Status. */
  token?: string;
  /** Real clock by default (time shifting, ages, log `sinceSeconds`). */
  now?: () => Date;
  /** Default true: move every scenario timestamp by `now() - scenario.now` at load. */
  timeShift?: boolean;
  /**
   * Serve https with a throw-away self-signed certificate (default false = plain http). kubectl
   * only sends the bearer token over TLS (client-go reads auth info only for TLS transports), so
   * use this when kubectl must authenticate; client-node works either way.
   */
  tls?: boolean;
}

export interface RequestRecord {
  method: string;
  /** Path including the query string. */
  path: string;
  status: number;
}

export interface KubeSimulator {
  /** http://127.0.0.1:PORT (https:// with `tls: true`) */
  url: string;
  /** YAML kubeconfig: context = scenario.context, token user, namespace default. */
  kubeconfig(): string;
  writeKubeconfig(file: string): void;
  /** Changes the latency from now on; with `match`, only for request paths it matches. */
  setLatency(ms: number, match?: RegExp): void;
  /** Requests served so far. */
  requests: RequestRecord[];
  resetRequests(): void;
  /** The current store (after patches), as copies. */
  objects(): KubeObject[];
  close(): Promise<void>;
}

export const DEFAULT_TOKEN = 'causa-sim-token';
export const SIM_USER = 'system:serviceaccount:causa:causa';
const MAX_BODY = 10 * 1024 * 1024;
/** Paths the apiserver serves to anonymous clients (system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/version', '/healthz', '/readyz', '/livez']);
const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(errors.tooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function errorReply(err: unknown): Reply {
  const apiErr =
    err instanceof ApiError
      ? err
      : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
  return { status: apiErr.code, contentType: 'application/json', body: JSON.stringify(apiErr.toStatus()) };
}

export async function startKubeSimulator(opts: KubeSimulatorOptions): Promise<KubeSimulator> {
  const now = opts.now ?? (() => new Date());
  const token = opts.token ?? DEFAULT_TOKEN;
  let latency = { ms: opts.latencyMs ?? 0, match: null as RegExp | null };
  const scenario = opts.timeShift === false ? opts.scenario : shiftScenarioTimes(opts.scenario, now());
  const store = new Store(scenario.objects as unknown as KubeObject[], now());
  let hostPort = '127.0.0.1:0';
  const ctx: SimContext = { store, scenario, now, hostPort: () => hostPort, user: SIM_USER };
  const requests: RequestRecord[] = [];
  const closing = new AbortController();
  const open = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = req.url ?? '/';
    const url = new URL(rawPath, 'http://127.0.0.1');
    let reply: Reply;
    try {
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      if (!latency.match || latency.match.test(url.pathname)) await sleep(latency.ms);
      const auth = req.headers.authorization;
      const authorized = auth === `Bearer ${token}`;
      if (!authorized && (auth !== undefined || !PUBLIC_PATHS.has(url.pathname))) throw errors.unauthorized();
      if (!KNOWN_METHODS.has(method)) throw errors.methodNotAllowed();
      const simReq: SimRequest = { method, url, headers: req.headers, body };
      reply = route(ctx, simReq);
    } catch (err) {
      reply = errorReply(err);
    }
    requests.push({ method, path: rawPath, status: reply.status });
    res.statusCode = reply.status;
    res.setHeader('Content-Type', reply.contentType);
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('Audit-Id', crypto.randomUUID());
    if (reply.stream === undefined) {
      res.end(reply.body ?? '');
      return;
    }
    open.add(res);
    res.flushHeaders();
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    closing.signal.addEventListener('abort', onAbort);
    res.on('close', onAbort);
    const sink: Sink = {
      signal: abort.signal,
      write: (chunk) =>
        new Promise<void>((resolve) => {
          if (abort.signal.aborted || res.writableEnded) return resolve();
          if (res.write(chunk)) resolve();
          else {
            const done = () => {
              res.off('drain', done);
              abort.signal.removeEventListener('abort', done);
              resolve();
            };
            res.on('drain', done);
            abort.signal.addEventListener('abort', done);
          }
        }),
    };
    try {
      await reply.stream(sink);
    } finally {
      closing.signal.removeEventListener('abort', onAbort);
      open.delete(res);
      if (!res.writableEnded) res.end();
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        const r = errorReply(err);
        res.statusCode = r.status;
        res.setHeader('Content-Type', r.contentType);
        res.end(r.body);
      } else res.destroy();
    });
  };
  const server = opts.tls ? createHttpsServer(selfSignedCertificate(), onRequest) : createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hostPort = `127.0.0.1:${port}`;
  const url = `${opts.tls ? 'https' : 'http'}://${hostPort}`;

  return {
    url,
    kubeconfig: () => buildKubeconfig(url, scenario.context, token),
    writeKubeconfig(file: string) {
      writeFileSync(file, buildKubeconfig(url, scenario.context, token), { mode: 0o600 });
    },
    setLatency(ms, match) {
      latency = { ms, match: match ?? null };
    },
    requests,
    resetRequests() {
      requests.length = 0;
    },
    objects: () => store.all(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        for (const res of open) res.end();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
