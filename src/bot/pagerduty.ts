/**
 * PagerDuty intake: the signed v3 webhook route (`POST /pagerduty/webhook`, on PORT in both Slack
 * modes), a persistent queue worker (SQLite: a crash after the 2xx loses nothing; a duplicate
 * `event.id` does nothing), and an optional poller for teams that cannot expose a webhook.
 */
import type { ServerResponse } from 'node:http';
import type { Env } from '../config/schema.js';
import { readBody } from '../http/read-body.js';
import type { Route } from '../http/routes.js';
import { createPagerDutyClient, type PagerDutyClient } from '../pagerduty/client.js';
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
  let polling = false;
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
    if (!deps || !client || polling) return; // no overlap
    polling = true;
    try {
      const serviceIds = deps.config.routes.map((r) => r.pagerdutyService);
      const since = new Date(deps.now().getTime() - 3600_000);
      const incidents = await client.listIncidents({
        statuses: ['triggered', 'acknowledged'],
        ...(serviceIds.length ? { serviceIds } : {}),
        since: since.toISOString(),
      });
      for (const inc of incidents) {
        if (deps.store.incidents.get(inc.id)) continue;
        deps.store.webhookEvents.enqueue({
          eventId: `poll-${inc.id}-triggered`,
          eventType: 'incident.triggered',
          incidentId: inc.id,
          occurredAt: inc.created_at ?? null,
          payload: webhookBodyFromRest(inc, deps.now()),
        });
      }
      void kick();
    } catch (err) {
      deps.log.warn('PagerDuty poll failed', { err: (err as Error).message });
      deps.metrics.pagerdutyErrors.inc({ operation: 'poll' });
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
          const t = setInterval(() => void poll(), d.config.pagerduty.poll.intervalSeconds * 1000);
          t.unref();
          timers.push(t);
          void poll();
        }
      }
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      timers = [];
      await draining;
      deps = null;
    },
    drain: () => kick() ?? Promise.resolve(),
  };
}
