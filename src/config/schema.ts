/** Causa's configuration: environment variables and the YAML file (`CAUSA_CONFIG`), validated with zod. */
import { parse as parseCron, validate as validateCron, validateDetailed as validateCronDetailed } from 'node-cron';
import { z } from 'zod';

const slackId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[A-Z0-9]{2,}$`), `must be a Slack id starting with ${prefix}`);

/** The poller's floor, as `pagerduty.poll.intervalSeconds`' minimum: a cron schedule may not poll more often. */
export const MIN_POLL_GAP_SECONDS = 15;

/** Shortest time between two firings within an hour (the wrap into the next hour counted as if it fires too). */
export function shortestCronGapSeconds(expression: string): number {
  const { second, minute } = parseCron(expression);
  const times = [...new Set(minute.flatMap((m) => second.map((s) => m * 60 + s)))].sort((a, b) => a - b);
  let gap = (times[0] ?? 0) + 3600 - (times[times.length - 1] ?? 0);
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap;
}

/** `pagerduty.poll.schedule`: a node-cron expression (checked with its `validate`), at most one poll every 15 s. */
const PollScheduleSchema = z.string().superRefine((expression, ctx) => {
  if (!validateCron(expression)) {
    const detail = validateCronDetailed(expression).errors[0]?.message;
    ctx.addIssue({
      code: 'custom',
      message: `not a valid cron expression "${expression}"${detail ? ` (${detail})` : ''}: use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. "*/30 * * * * *"`,
    });
    return;
  }
  const gap = shortestCronGapSeconds(expression);
  if (gap < MIN_POLL_GAP_SECONDS)
    ctx.addIssue({
      code: 'custom',
      message: `"${expression}" would poll PagerDuty ${gap} s apart; at most one poll every ${MIN_POLL_GAP_SECONDS} s`,
    });
});

export const FileConfigSchema = z.strictObject({
  slack: z
    .strictObject({
      /** Where incidents with no route go. */
      defaultChannel: z.string().min(1).optional(),
    })
    .default({}),
  clusters: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        /** kubeconfig context */
        context: z.string().min(1),
      }),
    )
    .default([]),
  routes: z
    .array(
      z.strictObject({
        pagerdutyService: z.string().min(1),
        channel: z.string().min(1),
        cluster: z.string().min(1).optional(),
        namespace: z.string().min(1).optional(),
      }),
    )
    .default([]),
  pagerduty: z
    .strictObject({
      /**
       * For teams that cannot expose a webhook: list triggered incidents of the routed services, once at start and
       * then on a node-cron schedule (UTC): `schedule` when set, else `intervalSeconds` turned into a cron expression
       * (rounded to the nearest interval cron repeats exactly: 15, 20, 30 s, 1–6, 10, 12, 15, 20, 30 min, 1 h).
       */
      poll: z
        .strictObject({
          enabled: z.boolean().default(false),
          intervalSeconds: z.number().int().min(MIN_POLL_GAP_SECONDS).max(3600).default(60),
          /** A cron expression (5 fields, or 6 with seconds first), e.g. `0,30 * * * * *`; wins over intervalSeconds. */
          schedule: PollScheduleSchema.optional(),
        })
        .default({ enabled: false, intervalSeconds: 60 }),
      /** Incidents for the same workload within this many minutes share one thread. */
      groupWindowMinutes: z.number().int().min(0).max(1440).default(30),
    })
    .default({ poll: { enabled: false, intervalSeconds: 60 }, groupWindowMinutes: 30 }),
  approvals: z
    .strictObject({
      approvers: z.array(z.union([slackId('U'), slackId('W'), slackId('S')])).default([]),
      required: z.number().int().min(1).max(5).default(1),
      expiresMinutes: z.number().int().min(1).max(1440).default(15),
      gitops: z.enum(['auto', 'off']).default('auto'),
    })
    .default({ approvers: [], required: 1, expiresMinutes: 15, gitops: 'auto' }),
});
export type FileConfig = z.infer<typeof FileConfigSchema>;

export const EnvSchema = z.object({
  KUBECONFIG: z.string().optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'must be a bot token (xoxb-…)')
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  PAGERDUTY_API_TOKEN: z.string().min(1).optional(),
  PAGERDUTY_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.pagerduty.com'),
  PAGERDUTY_FROM_EMAIL: z.email().optional(),
  PAGERDUTY_WEBHOOK_SECRETS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    ),
  CAUSA_CONFIG: z.string().optional(),
  CAUSA_DB: z.string().default('./data/causa.db'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type Env = z.infer<typeof EnvSchema>;
