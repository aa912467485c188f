/** The Bolt app: socket mode when an app token is given, HTTP mode (signed requests) otherwise. */
import { App, LogLevel, webApi } from '@slack/bolt';
import type { BotDeps } from '../bot/deps.js';
import type { Env } from '../config/schema.js';
import type { Route } from '../http/routes.js';
import { registerActions } from './listeners/actions/index.js';
import { registerCommands } from './listeners/commands/index.js';
import { registerViews } from './listeners/views/index.js';

const LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

export interface AppOptions {
  env: Env;
  /** HTTP mode: routes served next to /slack/events. */
  routes: Route[];
  /** From verifyBotToken (Bolt then skips its own unhandled auth.test). */
  auth: { botId: string; botUserId: string };
}

function clientOptionsFor(env: Env) {
  return {
    slackApiUrl: env.SLACK_API_URL,
    // Rate limits surface as errors that SlackSender retries after Retry-After; other retries are ours too.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
}

/**
 * Checks the bot token before the app is built (Bolt's own eager check would reject unhandled and
 * crash the process): a clear error, and the bot's ids for Bolt's ignore-self middleware.
 */
export async function verifyBotToken(env: Env): Promise<{ botId: string; botUserId: string }> {
  const client = new webApi.WebClient(env.SLACK_BOT_TOKEN!, {
    ...clientOptionsFor(env),
    logLevel: webApi.LogLevel.ERROR,
  });
  const auth = await client.auth.test();
  if (!auth.bot_id || !auth.user_id)
    throw Object.assign(new Error('auth.test returned no bot id: is SLACK_BOT_TOKEN a bot token?'), {
      code: 'slack_auth',
    });
  return { botId: auth.bot_id, botUserId: auth.user_id };
}

export function createSlackApp(opts: AppOptions): App {
  const { env } = opts;
  const clientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    // Rate limits surface as errors that SlackSender retries after Retry-After; other retries are ours too.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };
  const common = {
    token: env.SLACK_BOT_TOKEN!,
    botId: opts.auth.botId,
    botUserId: opts.auth.botUserId,
    tokenVerificationEnabled: false,
    clientOptions,
    logLevel: LEVELS[env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL],
  };
  if (env.SLACK_APP_TOKEN) return new App({ ...common, appToken: env.SLACK_APP_TOKEN, socketMode: true });
  return new App({
    ...common,
    signingSecret: env.SLACK_SIGNING_SECRET!,
    port: env.PORT,
    customRoutes: opts.routes,
  });
}

export function registerListeners(app: App, deps: BotDeps): void {
  registerCommands(app, deps);
  registerActions(app, deps);
  registerViews(app, deps);
  app.error(async (err) => {
    deps.log.error('unhandled Slack listener error', { err: err as Error });
  });
}
