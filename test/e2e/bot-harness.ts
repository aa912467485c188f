/** Starts the real bot (Bolt) against the Slack and Kubernetes simulators, for end-to-end tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBot, startBot } from '../../src/bot/start.js';
import { EnvSchema, FileConfigSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { loadScenario } from '../../src/scenario/load.js';
import { type KubeSimulator, startKubeSimulator } from '../../src/simulators/kube/index.js';
import { type SlackSimulator, startSlackSimulator } from '../../src/simulators/slack/index.js';
import { SCENARIOS } from '../helpers/paths.js';

export interface Harness {
  kube: KubeSimulator;
  slack: SlackSimulator;
  dir: string;
  db: string;
  kubeconfig: string;
  bot: RunningBot | null;
  start(mode: 'socket' | 'http'): Promise<RunningBot>;
  close(): Promise<void>;
}

export async function harness(
  scenario = 'seed-payments-redis-spot',
  opts: { latencyMs?: number } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'causa-e2e-'));
  const kube = await startKubeSimulator({
    scenario: loadScenario(join(SCENARIOS, `${scenario}.yaml`)),
    latencyMs: opts.latencyMs ?? 0,
  });
  const kubeconfig = join(dir, 'kubeconfig');
  kube.writeKubeconfig(kubeconfig);
  const slack = await startSlackSimulator();
  const h: Harness = {
    kube,
    slack,
    dir,
    db: join(dir, 'causa.db'),
    kubeconfig,
    bot: null,
    async start(mode) {
      const env = EnvSchema.parse({
        SLACK_BOT_TOKEN: slack.botToken,
        ...(mode === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: slack.signingSecret }),
        SLACK_API_URL: slack.apiUrl,
        KUBECONFIG: kubeconfig,
        CAUSA_DB: h.db,
        PORT: '0',
        LOG_LEVEL: 'error',
      });
      const bot = await startBot({ env, config: FileConfigSchema.parse({}), log: silentLogger, minEditIntervalMs: 30 });
      if (mode === 'http') slack.useHttpDelivery(`${bot.url}/slack/events`);
      else slack.useSocketDelivery();
      h.bot = bot;
      return bot;
    },
    async close() {
      await h.bot?.stop();
      await slack.close();
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** The bot's top-level messages in a channel. */
export function parents(slack: SlackSimulator, channel: string) {
  return slack.messages(channel).filter((m) => m.threadTs === null && m.botId);
}

export function findRootCauseReply(slack: SlackSimulator, channel: string, parentTs: string) {
  return slack
    .thread(channel, parentTs)
    .find((m) => m.ts !== parentTs && /ROOT CAUSE/.test(m.text + JSON.stringify(m.blocks ?? [])));
}

export function buttonValue(blocks: unknown[] | undefined, actionId: string): string | undefined {
  let found: string | undefined;
  const walk = (v: unknown): void => {
    if (found !== undefined || v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.action_id === actionId && typeof o.value === 'string') found = o.value;
    for (const child of Object.values(o)) walk(child);
  };
  walk(blocks ?? []);
  return found;
}
