/**
 * PagerDuty intake: the signed v3 webhook route (`POST /pagerduty/webhook`, on PORT in both Slack
 * modes), a persistent queue worker (SQLite: a crash after the 2xx loses nothing; a duplicate
 * `event.id` does nothing), and an optional poller for teams that cannot expose a webhook.
 */
import type { ServerResponse } from 'node:http';
import { type ScheduledTask, schedule } from 'node-cron';
import type { Env, FileConfig } from '../config/schema.js';
import { readBody } from '../http/read-body.js';
import type { Route } from '../http/routes.js';
import { createPagerDutyClient, isPagerDutyApiError, type PagerDutyClient } from '../pagerduty/client.js';
import { incidentIdOf, parseWebhook, type RestIncident } from '../pagerduty/schemas.js';
import { verifySignature } from '../pagerduty/verify-signature.js';
import type { BotDeps } from './deps.js';
import { createIncidentService, type IncidentService } from './incidents.js';

function reply(res: ServerResponse, status: number, body?: unknown) {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : `${JSON.stringify(body)}\n`);
}

/** A REST incident (poller) in the webhook's shape, so one pipeline serves both. */
export function webhookBodyFromRest(inc: RestIncident, now: Date): Record<string, unknown> {
  return {
    event: {
      id: `poll-${inc.id}-triggered`,
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: inc.created_at ?? now.toISOString(),
      agent: null,
      client: null,
      data: {
        id: inc.id,
        type: 'incident',
        html_url: inc.html_url ?? null,
        number: inc.incident_number,
        status: inc.status,
        title: inc.title,
        urgency: inc.urgency ?? 'high',
        service: inc.service,
        assignees: inc.assignments.map((a) => a.assignee),
        created_at: inc.created_at ?? null,
      },
    },
  };
}

/** Intervals (s) a cron expression repeats exactly: the divisors of a minute ≥ 15 s, of an hour in whole minutes, the hour. */
const CRON_INTERVALS = [15, 20, 30, 60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600];

/**
 * `pagerduty.poll.intervalSeconds` as a 6-field cron expression (seconds first): 15 → every 15th second, 60 →
 * `0 * * * * *`, 300 → second 0 of every 5th minute. An interval cron cannot repeat exactly (45, 90, …) is rounded
 * to the nearest one it can, a tie to the longer one (fewer API calls); `seconds` is the interval actually used.
 */
export function intervalToCron(intervalSeconds: number): { expression: string; seconds: number } {
  let seconds = CRON_INTERVALS[0]!;
  for (const s of CRON_INTERVALS) if (Math.abs(s - intervalSeconds) <= Math.abs(seconds - intervalSeconds)) seconds = s;
  const expression =
    seconds < 60
      ? `*/${seconds} * * * * *`
      : seconds === 60
        ? '0 * * * * *'
        : seconds === 3600
          ? '0 0 * * * *'
          : `0 */${seconds / 60} * * * *`;
  return { expression, seconds };
}

/** The poller's cron expression: `schedule` (validated at config load) wins over `intervalSeconds`. */
export function pollSchedule(poll: FileConfig['pagerduty']['poll']): {
  expression: string;
  /** Set when `intervalSeconds` was rounded: the interval used instead. */
  roundedTo: number | null;
} {
  if (poll.schedule) return { expression: poll.schedule, roundedTo: null };
  const { expression, seconds } = intervalToCron(poll.intervalSeconds);
  return { expression, roundedTo: seconds === poll.intervalSeconds ? null : seconds };
}

/** node-cron's task name for the poller (`getTasks()` lists it while the intake runs). */
export const POLL_TASK_NAME = 'pagerduty-poll';

export interface PagerDutyIntake {
  routes(getDeps: () => BotDeps): Route[];
  start(deps: BotDeps): void;
  stop(): Promise<void>;
  /** Process what is queued now (tests). */
  drain(): Promise<void>;
}

export function createPagerDutyIntake(env: Env): PagerDutyIntake {
  const client: PagerDutyClient | null = env.PAGERDUTY_API_TOKEN
    ? createPagerDutyClient({
        token: env.PAGERDUTY_API_TOKEN,
        apiUrl: env.PAGERDUTY_API_URL,
        ...(env.PAGERDUTY_FROM_EMAIL ? { fromEmail: env.PAGERDUTY_FROM_EMAIL } : {}),
      })
    : null;
  let deps: BotDeps | null = null;
  let service: IncidentService | null = null;
  let draining: Promise<void> | null = null;
  let timers: NodeJS.Timeout[] = [];
  let pollTask: ScheduledTask | null = null;
  let polling = false;
  /** After a 429 the poller skips its ticks until then (epoch ms, `deps.now()`). */
  let pollPausedUntil = 0;
  let warnedNoSecret = false;

  const drain = async (): Promise<void> => {
    if (!deps || !service) return;
    const { store, log } = deps;
    for (;;) {
      const row = store.webhookEvents.nextPending();
      if (!row) return;
      try {
        await service.handle(row);
        store.webhookEvents.markProcessed(row.eventId);
      } catch (err) {
        log.error('PagerDuty event processing failed; will retry', { event: row.eventId, err: (err as Error).message });
        deps.metrics.pagerdutyErrors.inc({ operation: 'process-event' });
        store.webhookEvents.markFailed(row.eventId, (err as Error).message);
      }
    }
  };
  const kick = () => {
    if (!draining)
      draining = drain().finally(() => {
        draining = null;
      });
    return draining;
  };

  const poll = async () => {
    const d = deps;
    // No overlap: node-cron's `noOverlap` covers its own ticks, this also the first poll at start.
    if (!d || !client || polling) return;
    if (d.now().getTime() < pollPausedUntil) return; // rate limited: the warning was logged once
    polling = true;
    try {
      const serviceIds = d.config.routes.map((r) => r.pagerdutyService);
      const since = new Date(d.now().getTime() - 3600_000);
      const incidents = await client.listIncidents({
        statuses: ['triggered', 'acknowledged'],
        ...(serviceIds.length ? { serviceIds } : {}),
        since: since.toISOString(),
      });
      if (deps !== d) return; // stopped meanwhile
      for (const inc of incidents) {
        if (d.store.incidents.get(inc.id)) continue;
        d.store.webhookEvents.enqueue({
          eventId: `poll-${inc.id}-triggered`,
          eventType: 'incident.triggered',
          incidentId: inc.id,
          occurredAt: inc.created_at ?? null,
          payload: webhookBodyFromRest(inc, d.now()),
        });
      }
      void kick();
    } catch (err) {
      d.metrics.pagerdutyErrors.inc({ operation: 'poll' });
      if (isPagerDutyApiError(err) && err.kind === 'rate-limited') {
        // The client already waited out short Retry-Afters; this one is long (or kept coming): skip ticks until then.
        const waitMs = err.retryAfterMs ?? 60_000;
        pollPausedUntil = d.now().getTime() + waitMs;
        d.log.warn('PagerDuty poll rate limited (429): polls paused', {
          retryAfterMs: waitMs,
          until: new Date(pollPausedUntil).toISOString(),
        });
      } else d.log.warn('PagerDuty poll failed', { err: (err as Error).message });
    } finally {
      polling = false;
    }
  };

  return {
    routes(getDeps) {
      return [
        {
          path: '/pagerduty/webhook',
          method: ['POST'],
          handler: (req, res) => {
            void (async () => {
              const d = getDeps();
              const raw = await readBody(req);
              if (raw === null) return reply(res, 413, { error: 'body too large' });
              if (env.PAGERDUTY_WEBHOOK_SECRETS.length === 0) {
                if (!warnedNoSecret)
                  d.log.warn('PagerDuty webhook received but PAGERDUTY_WEBHOOK_SECRETS is not set: rejected');
                warnedNoSecret = true;
                return reply(res, 401);
              }
              // The signature is checked before anything else is looked at.
              if (
                !verifySignature(
                  raw,
                  req.headers['x-pagerduty-signature'] as string | undefined,
                  env.PAGERDUTY_WEBHOOK_SECRETS,
                )
              )
                return reply(res, 401);
              let body: unknown;
              try {
                body = JSON.parse(raw.toString('utf8'));
              } catch {
                return reply(res, 400, { error: 'body is not JSON' });
              }
              const parsed = parseWebhook(body);
              if (!parsed.ok) return reply(res, 400, { error: parsed.error });
              const event = parsed.event;
              const fresh = d.store.webhookEvents.enqueue({
                eventId: event.id,
                eventType: event.event_type,
                incidentId: incidentIdOf(event),
                occurredAt: event.occurred_at,
                payload: body as Record<string, unknown>,
              });
              reply(res, 202, { accepted: true, duplicate: !fresh });
              if (fresh) void kick();
            })().catch((err) => {
              if (!res.headersSent) reply(res, 500, { error: 'internal error' });
              getDeps().log.error('PagerDuty webhook failed', { err: (err as Error).message });
            });
          },
        },
      ];
    },
    start(d) {
      deps = d;
      d.metrics.queueDepth.source = () => d.store.webhookEvents.counts();
      service = createIncidentService(d, { client, fromEmail: env.PAGERDUTY_FROM_EMAIL ?? null });
      // Applied fixes are reported on the incident too (notes need a From address).
      if (client && env.PAGERDUTY_FROM_EMAIL)
        d.fixes.incidentNote = async (incidentId, text) => {
          await client.createNote(incidentId, text);
        };
      void kick(); // events a crash left in the queue
      const retry = setInterval(() => void kick(), 5_000);
      retry.unref();
      timers.push(retry);
      if (d.config.pagerduty.poll.enabled) {
        if (!client) d.log.warn('pagerduty.poll.enabled but PAGERDUTY_API_TOKEN is not set: polling off');
        else {
          const { expression, roundedTo } = pollSchedule(d.config.pagerduty.poll);
          if (roundedTo !== null)
            d.log.warn('pagerduty.poll.intervalSeconds is not an interval cron repeats exactly: rounded', {
              intervalSeconds: d.config.pagerduty.poll.intervalSeconds,
              usedSeconds: roundedTo,
            });
          const log = d.log;
          pollTask = schedule(expression, poll, {
            name: POLL_TASK_NAME,
            noOverlap: true,
            timezone: 'UTC', // a fixed interval keeps firing across DST changes
            unref: true, // the poller never keeps the process alive
            logger: {
              info: (m) => log.debug(`node-cron: ${m}`),
              debug: (m) => log.debug(`node-cron: ${String(m)}`),
              warn: (m) => log.warn(`PagerDuty poller: ${m}`),
              error: (m, e) => log.error(`PagerDuty poller: ${String(m)}`, e ? { err: e.message } : {}),
            },
          });
          log.info('PagerDuty poller started', { schedule: expression });
          void poll(); // at once, not only at the first tick
        }
      }
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      timers = [];
      await pollTask?.destroy(); // also removes it from node-cron's registry
      pollTask = null;
      await draining;
      deps = null;
    },
    drain: () => kick() ?? Promise.resolve(),
  };
}
