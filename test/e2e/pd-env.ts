/** The validated environment of a bot wired to the Slack and PagerDuty simulators (PagerDuty end-to-end tests). */
import { join } from 'node:path';
import { type Env, EnvSchema } from '../../src/config/schema.js';
import type { PagerDutySimulator } from '../../src/simulators/pagerduty/index.js';
import type { SlackSimulator } from '../../src/simulators/slack/index.js';

/** `dir` holds the kubeconfig and the database; `extra` adds or overrides variables (e.g. secrets). */
export function pagerDutyBotEnv(
  slack: SlackSimulator,
  pd: PagerDutySimulator,
  dir: string,
  extra: Record<string, string> = {},
): Env {
  return EnvSchema.parse({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    KUBECONFIG: join(dir, 'kubeconfig'),
    CAUSA_DB: join(dir, 'causa.db'),
    PORT: '0',
    LOG_LEVEL: 'error',
    PAGERDUTY_API_TOKEN: pd.token,
    PAGERDUTY_API_URL: pd.url,
    ...extra,
  });
}
