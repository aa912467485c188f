/** `npm start`: the composition root. Bad configuration: one clear line and exit 78 (EX_CONFIG). */
import { createPagerDutyIntake } from './bot/pagerduty.js';
import { startBot, waitForDatabase } from './bot/start.js';
import { ConfigError, EX_CONFIG, loadConfig } from './config/load.js';
import { advertisedUrl, type LeaderElectionConfig, leaderElectionFromEnv } from './ha/config.js';
import { createLeaderElector, LeaderElectionError, type LeaderElector } from './ha/leader.js';
import { startStandbyServer } from './ha/standby.js';
import { createLogger } from './log.js';
import { MigrationError } from './store/errors.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let election: LeaderElectionConfig | null;
  try {
    config = loadConfig(process.env);
    election = leaderElectionFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`causa: configuration error: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    throw err;
  }
  const log = createLogger(config.env.LOG_LEVEL);
  const pagerduty = createPagerDutyIntake(config.env);
  // HA (opt-in): only the Lease holder connects to Slack and runs the PagerDuty worker/poller.
  // Followers answer /healthz 200 and /readyz 503 on PORT until they win the Lease.
  let elector: LeaderElector | null = null;
  if (election) {
    elector = createLeaderElector({
      ...election,
      url: advertisedUrl(process.env.POD_IP, config.env.PORT),
      ...(config.env.KUBECONFIG ? { kubeconfig: config.env.KUBECONFIG.split(':')[0]! } : {}),
      log,
    });
    const current = elector;
    const standby = await startStandbyServer({
      port: config.env.PORT,
      identity: election.identity,
      leaderUrl: () => {
        const l = current.leader();
        return l && l.identity !== election?.identity ? l.url : null;
      },
    });
    const stopStandby = async (signal: string) => {
      log.info('shutting down', { signal, role: 'standby' });
      await elector?.stop();
      await standby.close();
      process.exit(0);
    };
    const onSigint = () => void stopStandby('SIGINT');
    const onSigterm = () => void stopStandby('SIGTERM');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    log.info('waiting for leadership', {
      lease: `${election.namespace}/${election.name}`,
      identity: election.identity,
    });
    try {
      await elector.start();
    } catch (err) {
      if (!(err instanceof LeaderElectionError)) throw err;
      process.stderr.write(`causa: leader election: ${err.message}\n`);
      process.exit(EX_CONFIG);
    }
    await elector.whenLeader();
    // The previous leader may still hold the shared database: wait for it here, where /healthz
    // still answers, so the liveness probe does not kill a leader that is only waiting.
    try {
      await waitForDatabase(config.env.CAUSA_DB, election.leaseDurationSeconds * 1000 * 2, log);
    } catch (err) {
      process.stderr.write(`causa: database error: ${(err as Error).message}\n`);
      await elector.stop();
      process.exit(1);
    }
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await standby.close();
  }
  let bot: Awaited<ReturnType<typeof startBot>>;
  try {
    bot = await startBot({
      env: config.env,
      config: config.file,
      log,
      routes: pagerduty.routes,
      // Replicas may share the volume: the leader holds the file alone; a new one waits a lease period.
      ...(election ? { database: { exclusive: true, waitMs: election.leaseDurationSeconds * 1000 * 2 } } : {}),
    });
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
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    await pagerduty.stop();
    await bot.stop();
    await elector?.stop(); // releases the Lease so a standby replica takes over at once
    process.exit(0);
  };
  if (elector && election) {
    const renewEveryMs = election.renewEveryMs;
    const onLeadership = (leader: boolean) => {
      if (leader || stopping) return;
      // Stepped down before the Lease expires: stop posting now; Kubernetes restarts the pod as a standby.
      stopping = true;
      log.warn('leadership lost: stopping Slack and PagerDuty, then exiting');
      const bounded = Promise.race([
        (async () => {
          await pagerduty.stop();
          await bot.stop();
        })(),
        new Promise((r) => setTimeout(r, renewEveryMs).unref()),
      ]);
      void bounded.finally(() => process.exit(0));
    };
    elector.onChange(onLeadership);
    if (!elector.isLeader()) onLeadership(false); // lost while the bot was starting
  }
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`causa: failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
