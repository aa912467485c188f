/** `npm start`: the composition root. Bad configuration: one clear line and exit 78 (EX_CONFIG). */
import { createPagerDutyIntake } from './bot/pagerduty.js';
import { startBot } from './bot/start.js';
import { ConfigError, EX_CONFIG, loadConfig } from './config/load.js';
import { createLogger } from './log.js';
import { MigrationError } from './store/errors.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`causa: configuration error: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
  const log = createLogger(config.env.LOG_LEVEL);
  const pagerduty = createPagerDutyIntake(config.env);
  let bot: Awaited<ReturnType<typeof startBot>>;
  try {
    bot = await startBot({ env: config.env, config: config.file, log, routes: pagerduty.routes });
  } catch (err) {
    if (err instanceof MigrationError) {
      process.stderr.write(`causa: database error: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('slack_')) {
      const detail = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      process.stderr.write(`causa: cannot start the Slack app (${config.env.SLACK_API_URL}): ${detail}\n`);
      process.exit(1);
    }
    throw err;
  }
  pagerduty.start(bot.deps);
  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal });
    await pagerduty.stop();
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`causa: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
