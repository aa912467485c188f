/** Starts the whole bot from validated configuration; used by main.ts, the demo and the tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Env, FileConfig } from '../config/schema.js';
import type { PatcherFactory } from '../fixes/patcher.js';
import { createFixRuntime } from '../fixes/runtime.js';
import type { VerifyOptions } from '../fixes/verify.js';
import { operationalRoutes, type Route, routeHandler } from '../http/routes.js';
import { startJobs } from '../jobs/index.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { createSlackApp, registerListeners, verifyBotToken } from '../slack/create-app.js';
import { type SlackApi, SlackSender } from '../slack/sender.js';
import { createStore, type Store } from '../store/index.js';
import type { BotDeps } from './deps.js';
import { createReaderFactory, type ReaderFactory } from './readers.js';
import { resumeInterrupted, settleInflight } from './thread-run.js';

export interface StartOptions {
  env: Env;
  config: FileConfig;
  log?: Logger;
  now?: () => Date;
  readers?: ReaderFactory;
  /** Extra routes on PORT (e.g. the PagerDuty webhook); `deps` is ready by the time a request arrives. */
  routes?: (deps: () => BotDeps) => Route[];
  /** Minimum time between edits of one message (tests lower it). */
  minEditIntervalMs?: number;
  /**
   * Leader election: hold the database file exclusively (the fence between an old and a new leader
   * sharing one volume), waiting up to `waitMs` for the previous holder to let go.
   */
  database?: { exclusive: boolean; waitMs: number };
  /** Approve-fix settings tests tune: the rollout watch, the expiry job's period, the patchers. */
  fixes?: { verify?: Partial<VerifyOptions>; expireEveryMs?: number; patchers?: PatcherFactory };
}

export interface RunningBot {
  deps: BotDeps;
  mode: 'socket' | 'http';
  /** http://127.0.0.1:PORT of the HTTP listener (health, metrics, webhooks; Slack events in HTTP mode). */
  url: string;
  stop(): Promise<void>;
}

async function openStore(file: string, database: StartOptions['database'], log: Logger): Promise<Store> {
  if (!database?.exclusive) return createStore(file);
  const deadline = Date.now() + database.waitMs;
  let warned = false;
  for (;;) {
    try {
      return createStore(file, { exclusive: true, busyTimeoutMs: 1000 });
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      if (Date.now() >= deadline)
        throw new Error(
          `${file} is still locked by another Causa process after ${Math.round(database.waitMs / 1000)} s (a previous leader that has not exited?)`,
        );
      if (!warned) log.warn('database locked by another process (the previous leader?); waiting', { file });
      warned = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Waits until the database file can be held exclusively (the previous leader let go), then lets go. */
export async function waitForDatabase(file: string, waitMs: number, log: Logger): Promise<void> {
  (await openStore(file, { exclusive: true, waitMs }, log)).close();
}

export async function startBot(opts: StartOptions): Promise<RunningBot> {
  const { env } = opts;
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const store = await openStore(env.CAUSA_DB, opts.database, log);
  if (store.migrations.applied.length > 0)
    log.info('database migrated', { applied: store.migrations.applied, file: env.CAUSA_DB });
  const metrics = createMetrics();
  let slackReady = false;
  // Routes are built before the app: Bolt's HTTP receiver copies them when it is created.
  // Their handlers reach the services through `getDeps`, set before the server starts listening.
  let deps: BotDeps | undefined;
  const getDeps = (): BotDeps => {
    if (!deps) throw new Error('bot not initialised');
    return deps;
  };
  const health = {
    checks: (): Record<string, true | string> => {
      let db: true | string = true;
      try {
        store.db.prepare('select 1').get();
      } catch (err) {
        db = (err as Error).message;
      }
      return { database: db, slack: slackReady ? true : 'not connected yet' };
    },
  };
  const routes: Route[] = [...operationalRoutes(health, metrics.registry), ...(opts.routes?.(getDeps) ?? [])];
  const auth = await verifyBotToken(env).catch((err) => {
    store.close();
    throw err;
  });
  const app = createSlackApp({ env, routes, auth });
  const sender = new SlackSender(app.client as unknown as SlackApi, {
    ...(opts.minEditIntervalMs !== undefined ? { minEditIntervalMs: opts.minEditIntervalMs } : {}),
    log: (level, msg, data) => log[level](msg, data),
    onRateLimited: () => metrics.slackRateLimited.inc(),
  });
  deps = {
    store,
    sender,
    readers: opts.readers ?? createReaderFactory(env.KUBECONFIG ? { kubeconfig: env.KUBECONFIG.split(':')[0]! } : {}),
    log,
    metrics,
    config: opts.config,
    now: opts.now ?? (() => new Date()),
    fixes: createFixRuntime({
      config: opts.config,
      log,
      slack: app.client,
      ...(env.KUBECONFIG ? { kubeconfig: env.KUBECONFIG.split(':')[0]! } : {}),
      ...(opts.fixes?.patchers ? { patchers: opts.fixes.patchers } : {}),
      ...(opts.fixes?.verify ? { verify: opts.fixes.verify } : {}),
    }),
  };
  registerListeners(app, deps);

  const mode = env.SLACK_APP_TOKEN ? 'socket' : 'http';
  let server: Server;
  if (mode === 'socket') {
    server = createServer(routeHandler(routes));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(env.PORT, resolve);
    });
    await app.start();
  } else {
    server = (await app.start()) as Server;
  }
  slackReady = true;
  const port = (server.address() as AddressInfo).port;
  log.info('causa started', { mode, port, db: env.CAUSA_DB, slackApi: env.SLACK_API_URL });
  const resumed = await resumeInterrupted(deps);
  if (resumed > 0) log.info('resumed interrupted investigations', { count: resumed });
  const jobs = startJobs(deps, opts.fixes?.expireEveryMs ? { expireEveryMs: opts.fixes.expireEveryMs } : {});

  return {
    deps,
    mode,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      slackReady = false;
      await settleInflight();
      await jobs.stop();
      await sender.flush().catch(() => {});
      await app.stop().catch(() => {});
      if (mode === 'socket') await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}
