/**
 * The PagerDuty poller on node-cron: `intervalSeconds` → cron expression, the `schedule` option's validation, and
 * (with the real bot, the PagerDuty simulator and real pdjs) no overlap, the 429 pause and a clean stop.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTask, getTasks, type ScheduledTask } from 'node-cron';
import { createPagerDutyIntake, intervalToCron, POLL_TASK_NAME, pollSchedule } from '../../src/bot/pagerduty.js';
import { startBot } from '../../src/bot/start.js';
import { parseFileConfig } from '../../src/config/load.js';
import { EnvSchema, FileConfigSchema, shortestCronGapSeconds } from '../../src/config/schema.js';
import type { Logger } from '../../src/log.js';
import { startPagerDutySimulator } from '../../src/simulators/pagerduty/index.js';
import { startSlackSimulator } from '../../src/simulators/slack/index.js';

describe('intervalSeconds as a cron expression', () => {
  test('intervals cron repeats exactly map onto the seconds or the minutes field', () => {
    const table: [number, string][] = [
      [15, '*/15 * * * * *'],
      [20, '*/20 * * * * *'],
      [30, '*/30 * * * * *'],
      [60, '0 * * * * *'],
      [120, '0 */2 * * * *'],
      [300, '0 */5 * * * *'],
      [600, '0 */10 * * * *'],
      [1800, '0 */30 * * * *'],
      [3600, '0 0 * * * *'],
    ];
    for (const [seconds, expression] of table) assert.deepEqual(intervalToCron(seconds), { expression, seconds });
  });

  test('other intervals are rounded to the nearest one cron repeats exactly, a tie to the longer', () => {
    const rounded: [number, number][] = [
      [17, 15],
      [18, 20],
      [25, 30], // tie 20/30
      [45, 60], // tie 30/60
      [59, 60],
      [90, 120], // tie 60/120
      [100, 120],
      [400, 360],
      [500, 600],
      [2400, 1800],
      [2700, 3600], // tie
    ];
    for (const [asked, used] of rounded) assert.equal(intervalToCron(asked).seconds, used, `${asked} s`);
    let previous = 0;
    for (let n = 15; n <= 3600; n++) {
      const { seconds } = intervalToCron(n);
      assert.ok(seconds >= previous, `monotonic at ${n}`);
      previous = seconds;
    }
  });

  test('every expression produced fires at exactly its interval (node-cron’s own matcher, UTC)', () => {
    const produced = new Map<string, number>();
    for (let n = 15; n <= 3600; n++) {
      const { expression, seconds } = intervalToCron(n);
      produced.set(expression, seconds);
    }
    assert.equal(produced.size, 15);
    for (const [expression, seconds] of produced) {
      assert.equal(shortestCronGapSeconds(expression), seconds, expression);
      const task = createTask(expression, () => {}, { timezone: 'UTC' });
      try {
        const runs = task.getNextRuns(Math.max(3, 7200 / seconds));
        const gaps = new Set(runs.slice(1).map((r, i) => (r.getTime() - runs[i]!.getTime()) / 1000));
        assert.deepEqual([...gaps], [seconds], expression);
      } finally {
        void task.destroy();
      }
    }
  });
});

describe('pagerduty.poll.schedule', () => {
  test('defaults and existing intervalSeconds configs are unchanged', () => {
    assert.deepEqual(FileConfigSchema.parse({}).pagerduty.poll, { enabled: false, intervalSeconds: 60 });
    const cfg = parseFileConfig('pagerduty:\n  poll: {enabled: true, intervalSeconds: 15}\n', 'causa.yaml');
    assert.deepEqual(cfg.pagerduty.poll, { enabled: true, intervalSeconds: 15 });
    assert.deepEqual(pollSchedule(cfg.pagerduty.poll), { expression: '*/15 * * * * *', roundedTo: null });
    assert.deepEqual(pollSchedule({ enabled: true, intervalSeconds: 45 }), {
      expression: '0 * * * * *',
      roundedTo: 60,
    });
    assert.throws(
      () => parseFileConfig('pagerduty:\n  poll: {intervalSeconds: 10}\n', 'c.yaml'),
      /poll\.intervalSeconds/,
    );
  });

  test('a valid cron expression (5 or 6 fields) is kept and wins over intervalSeconds', () => {
    const six = parseFileConfig(
      'pagerduty:\n  poll: {enabled: true, intervalSeconds: 300, schedule: "*/30 * * * * *"}\n',
      'causa.yaml',
    );
    assert.equal(six.pagerduty.poll.schedule, '*/30 * * * * *');
    assert.deepEqual(pollSchedule(six.pagerduty.poll), { expression: '*/30 * * * * *', roundedTo: null });
    const five = parseFileConfig('pagerduty:\n  poll: {enabled: true, schedule: "*/2 * * * *"}\n', 'causa.yaml');
    assert.deepEqual(pollSchedule(five.pagerduty.poll), { expression: '*/2 * * * *', roundedTo: null });
  });

  test('an invalid expression is a config error naming the field and what is wrong', () => {
    const bad = (schedule: string) =>
      parseFileConfig(`pagerduty:\n  poll: {enabled: true, schedule: ${JSON.stringify(schedule)}}\n`, 'causa.yaml');
    assert.throws(
      () => bad('every 5 minutes'),
      /^ConfigError: causa\.yaml pagerduty\.poll\.schedule: not a valid cron expression "every 5 minutes" \(expected 5 or 6 fields but got 3\): use 5 fields/,
    );
    assert.throws(
      () => bad('61 * * * * *'),
      /causa\.yaml pagerduty\.poll\.schedule: not a valid cron expression "61 \* \* \* \* \*" \(61 is a invalid expression for second\)/,
    );
    assert.throws(
      () => bad('*/5 * * * * *'),
      /causa\.yaml pagerduty\.poll\.schedule: "\*\/5 \* \* \* \* \*" would poll PagerDuty 5 s apart; at most one poll every 15 s/,
    );
    // 0 and 50 are 50 s apart, but 50 and the next minute's 0 only 10 s.
    assert.throws(() => bad('0,50 * * * * *'), /pagerduty\.poll\.schedule: .* 10 s apart/);
    const r = FileConfigSchema.safeParse({ pagerduty: { poll: { schedule: 'nope' } } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['pagerduty', 'poll', 'schedule']);
  });
});

interface Line {
  level: string;
  msg: string;
  data: Record<string, unknown> | undefined;
}
function captureLogger(lines: Line[]): Logger {
  const log: Logger = {
    debug: (msg, data) => lines.push({ level: 'debug', msg, data }),
    info: (msg, data) => lines.push({ level: 'info', msg, data }),
    warn: (msg, data) => lines.push({ level: 'warn', msg, data }),
    error: (msg, data) => lines.push({ level: 'error', msg, data }),
    child: () => log,
  };
  return log;
}

const pollTasks = () => [...getTasks().values()].filter((t) => t.name === POLL_TASK_NAME);

describe('the poller task', () => {
  test('no overlap, a 429 pauses polls until Retry-After has passed, stop() destroys the task', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'causa-pdcron-'));
    const slack = await startSlackSimulator();
    const pd = await startPagerDutySimulator();
    const env = EnvSchema.parse({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      CAUSA_DB: join(dir, 'causa.db'),
      PORT: '0',
      PAGERDUTY_API_TOKEN: pd.token,
      PAGERDUTY_API_URL: pd.url,
    });
    const config = FileConfigSchema.parse({
      routes: [{ pagerdutyService: 'PAYMENTS01', channel: 'C0PAYMENTS' }],
      pagerduty: { poll: { enabled: true, intervalSeconds: 45 } },
    });
    const lines: Line[] = [];
    let skewMs = 0;
    const intake = createPagerDutyIntake(env);
    const bot = await startBot({
      env,
      config,
      log: captureLogger(lines),
      now: () => new Date(Date.now() + skewMs),
      routes: intake.routes,
    });
    const lists = () => pd.requests.filter((r) => r.method === 'GET' && r.path === '/incidents').length;
    const warns = (re: RegExp) => lines.filter((l) => l.level === 'warn' && re.test(l.msg));
    try {
      intake.start(bot.deps);
      assert.deepEqual(
        lines.filter((l) => /PagerDuty poller started|intervalSeconds/.test(l.msg)).map((l) => [l.msg, l.data]),
        [
          [
            'pagerduty.poll.intervalSeconds is not an interval cron repeats exactly: rounded',
            { intervalSeconds: 45, usedSeconds: 60 },
          ],
          ['PagerDuty poller started', { schedule: '0 * * * * *' }],
        ],
      );
      const tasks = pollTasks();
      assert.equal(tasks.length, 1);
      const task = tasks[0] as ScheduledTask;
      assert.equal(task.getPattern(), '0 * * * * *');
      assert.equal(task.getStatus(), 'idle');
      assert.equal(task.getNextRun()?.getUTCSeconds(), 0);

      // The first poll runs at start, before any tick.
      for (let i = 0; i < 100 && lists() === 0; i++) await sleep(20);
      assert.equal(lists(), 1, 'one poll at start');
      // Until it has finished, a tick does nothing; then one does one call.
      for (let i = 0; i < 100 && lists() === 1; i++) {
        await task.execute();
        if (lists() === 1) await sleep(20);
      }
      assert.equal(lists(), 2);

      // Two ticks at once: one call.
      await Promise.all([task.execute(), task.execute()]);
      assert.equal(lists(), 3, 'overlapping ticks make one call');

      // A 429 with a Retry-After longer than the client waits itself: pdjs retries 3 times, then the poll pauses.
      pd.rateLimitNext(4, 120);
      await task.execute();
      assert.equal(lists(), 7);
      const limited = warns(/rate limited/);
      assert.equal(limited.length, 1);
      assert.equal(limited[0]?.msg, 'PagerDuty poll rate limited (429): polls paused');
      assert.equal(limited[0]?.data?.retryAfterMs, 120_000);
      for (let i = 0; i < 3; i++) await task.execute();
      assert.equal(lists(), 7, 'no call while paused');
      assert.equal(warns(/rate limited/).length, 1, 'logged once');
      skewMs = 119_000;
      await task.execute();
      assert.equal(lists(), 7, 'still paused 119 s later');
      skewMs = 121_000;
      await task.execute();
      assert.equal(lists(), 8, 'polling again once Retry-After has passed');
      assert.equal(warns(/PagerDuty poll/).length, 1, 'the call after the pause succeeded');
    } finally {
      await intake.stop();
      await bot.stop();
      await Promise.all([slack.close(), pd.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(pollTasks(), [], 'stop() destroyed the task');
  });
});
