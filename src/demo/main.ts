/**
 * `npm run demo`: everything on embedded defaults, no tokens, no cluster. Starts the Kubernetes API
 * simulator (the seed incident, and every other scenario on demand), the Slack and PagerDuty
 * simulators, the real bot connected to them, and the browser playground at a printed URL.
 *
 *   npm run demo                 the playground (Ctrl-C stops everything)
 *   npm run demo -- --cli [NAME] investigate one scenario in the terminal and exit
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createPagerDutyIntake } from '../bot/pagerduty.js';
import { createReaderFactory, type ReaderFactory } from '../bot/readers.js';
import { startBot } from '../bot/start.js';
import { scenarioPath } from '../cli/simulate-command.js';
import { EnvSchema, FileConfigSchema } from '../config/schema.js';
import { investigate } from '../engine/investigate.js';
import { parseTargetRef } from '../engine/kinds.js';
import { createClientNodeReader } from '../kube/client-node-reader.js';
import { createLogger } from '../log.js';
import { renderProgress, renderText } from '../render/text.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { type KubeSimulator, startKubeSimulator } from '../simulators/kube/index.js';
import { startPagerDutySimulator } from '../simulators/pagerduty/index.js';
import { startSlackSimulator } from '../simulators/slack/index.js';

const SCENARIO_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const SEED = 'seed-payments-redis-spot';
const LABEL_OF_KIND: Record<string, string> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
  Job: 'job',
  Pod: 'pod',
  Node: 'node',
  Service: 'service',
};

interface DemoScenario {
  name: string;
  description: string;
  target: string;
  namespace: string;
  service: string;
}

function targetOf(s: Scenario): { target: string; namespace: string } | null {
  return s.investigate ?? (s.expect ? { target: s.expect.target, namespace: s.expect.namespace } : null);
}

function listScenarios(): DemoScenario[] {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => (a.startsWith(SEED) ? -1 : b.startsWith(SEED) ? 1 : a.localeCompare(b)));
  return files.flatMap((f, i) => {
    const s = loadScenario(join(SCENARIO_DIR, f));
    const t = targetOf(s);
    return t ? [{ name: s.name, description: s.description, ...t, service: `PDEMO${String(i).padStart(3, '0')}` }] : [];
  });
}

async function cli(name: string): Promise<void> {
  const scenario = loadScenario(scenarioPath(name));
  const where = targetOf(scenario);
  const target = where ? parseTargetRef(where.target) : null;
  if (!where || !target) throw new Error(`${name} names no target`);
  const sim = await startKubeSimulator({ scenario, latencyMs: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'causa-demo-'));
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    process.stdout.write(
      `Scenario "${scenario.name}": ${scenario.description}\n\n$ causa investigate ${where.target} -n ${where.namespace}\n\n`,
    );
    const reader = await createClientNodeReader({ kubeconfig });
    const { result } = await investigate({
      reader,
      request: { kind: target.kind, name: target.name, namespace: where.namespace, context: reader.context },
      onProgress: (ev) => {
        if (ev.type === 'step-done') process.stdout.write(`${renderProgress(ev.report, { color })}\n`);
      },
    });
    process.stdout.write(`\n${renderText(result, { color })}\n`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function playground(port: number): Promise<void> {
  const scenarios = listScenarios();
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const dir = mkdtempSync(join(tmpdir(), 'causa-demo-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sims = new Map<string, KubeSimulator>();
  let current = SEED;

  const writeKubeconfig = () => {
    const entries = [...sims.entries()];
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: entries.map(([n, s]) => ({ name: n, cluster: { server: s.url, 'insecure-skip-tls-verify': true } })),
        users: [{ name: 'demo', user: { token: 'causa-sim-token' } }],
        contexts: entries.map(([n]) => ({
          name: n,
          context: { cluster: n, user: 'demo', namespace: byName.get(n)?.namespace ?? 'default' },
        })),
        'current-context': current,
      }),
    );
  };
  const ensureCluster = async (name: string) => {
    if (sims.has(name)) return;
    const scenario = loadScenario(join(SCENARIO_DIR, `${name}.yaml`));
    sims.set(name, await startKubeSimulator({ scenario, latencyMs: 5 }));
    writeKubeconfig();
  };
  await ensureCluster(SEED);

  const slack = await startSlackSimulator();
  const pd = await startPagerDutySimulator({ services: scenarios.map((s) => ({ id: s.service, name: s.name })) });
  const base = createReaderFactory({ kubeconfig });
  // `/causa investigate` without --context investigates the scenario selected in the playground.
  const readers: ReaderFactory = { get: (context) => base.get(context ?? current) };
  const env = EnvSchema.parse({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    KUBECONFIG: kubeconfig,
    CAUSA_DB: join(dir, 'causa.db'),
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PAGERDUTY_API_TOKEN: pd.token,
    PAGERDUTY_API_URL: pd.url,
    PAGERDUTY_FROM_EMAIL: 'causa-demo@example.com',
    PAGERDUTY_WEBHOOK_SECRETS: pd.webhookSecrets.join(','),
  });
  const config = FileConfigSchema.parse({
    slack: { defaultChannel: 'C0INCIDENTS' },
    clusters: scenarios.map((s) => ({ name: s.name, context: s.name })),
    routes: scenarios.map((s) => ({
      pagerdutyService: s.service,
      channel: 'C0INCIDENTS',
      cluster: s.name,
      namespace: s.namespace,
    })),
    approvals: { approvers: ['U0ONCALL1', 'S0SRETEAM'], required: 1, expiresMinutes: 15 },
  });
  const intake = createPagerDutyIntake(env);
  const bot = await startBot({ env, config, log: createLogger(env.LOG_LEVEL), readers, routes: intake.routes });
  intake.start(bot.deps);

  const { startPlayground } = await import('../playground/index.js');
  const options = {
    slack,
    title: 'Causa demo',
    scenarios: scenarios.map(({ name, description, target, namespace }) => ({ name, description, target, namespace })),
    onScenario: async (name: string) => {
      if (!byName.has(name)) throw new Error(`unknown scenario ${name}`);
      await ensureCluster(name);
      current = name;
    },
    onPage: async (name: string) => {
      const s = byName.get(name);
      if (!s) throw new Error(`unknown scenario ${name}`);
      await ensureCluster(name);
      const t = parseTargetRef(s.target);
      const label = t ? LABEL_OF_KIND[t.kind] : undefined;
      const inc = pd.addIncident({
        title: `[${name}] ${s.target} is failing`,
        service: s.service,
        urgency: 'high',
        alerts: [
          {
            summary: `${s.target} in ${s.namespace}`,
            severity: 'critical',
            details: label && t ? { alertname: 'KubePodCrashLooping', namespace: s.namespace, [label]: t.name } : {},
          },
        ],
      });
      await pd.sendWebhook({
        endpoint: `${bot.url}/pagerduty/webhook`,
        eventType: 'incident.triggered',
        incidentId: inc.id,
      });
    },
  };
  const pg = await startPlayground({ ...options, port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    process.stdout.write(`(port ${port} is busy: using another one)\n`);
    return startPlayground({ ...options, port: 0 });
  });

  process.stdout.write(
    [
      '',
      'Causa demo is running (no Slack, PagerDuty or cluster needed):',
      '',
      `  Playground      ${pg.url}   <- open this in a browser`,
      `  Kubernetes API  ${sims.get(SEED)!.url}   (simulated; kubeconfig: ${kubeconfig})`,
      `  Bot             ${bot.url}/healthz · /metrics`,
      '',
      'In the playground: press "Page me" (a signed PagerDuty incident for the selected scenario), or type',
      '  /causa investigate deploy/payments-service -n production',
      'then use the buttons in the thread: events, logs, rollout history, re-run, apply fix (approval modal).',
      `Or from a shell: KUBECONFIG=${kubeconfig} npx causa investigate deploy/payments-service -n production`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('\nStopping…\n');
  await pg.close();
  await intake.stop();
  await bot.stop();
  await Promise.all([slack.close(), pd.close(), ...[...sims.values()].map((s) => s.close())]);
  rmSync(dir, { recursive: true, force: true });
}

const args = process.argv.slice(2);
const run =
  args[0] === '--cli'
    ? cli(args[1] ?? SEED)
    : playground(Number(args[args.indexOf('--port') + 1]) || Number(process.env.DEMO_PORT ?? 4700));
run.catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
