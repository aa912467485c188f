/** Prometheus metrics (/metrics). One registry per process, created by the composition root. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  investigations: Counter<'trigger' | 'outcome'>;
  investigationSeconds: Histogram<'trigger'>;
  stepSeconds: Histogram<'step' | 'status'>;
  apiCalls: Counter<'step'>;
  running: Gauge;
  slackErrors: Counter<'method'>;
  slackRateLimited: Counter;
  buttonClicks: Counter<'action'>;
  feedback: Counter<'verdict'>;
  pagerdutyErrors: Counter<'operation'>;
  /** PagerDuty webhook events waiting in the SQLite queue, read at scrape time. */
  webhookQueue: Gauge<'state'>;
  /** Where the queue depth comes from (set once the store is open). */
  queueDepth: { source: (() => { pending: number; dead: number }) | null };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'causa' });
  const queueDepth: Metrics['queueDepth'] = { source: null };
  return {
    queueDepth,
    pagerdutyErrors: new Counter({
      name: 'causa_pagerduty_errors_total',
      help: 'PagerDuty webhook events that failed to process, and REST calls that failed.',
      labelNames: ['operation'],
      registers: [registry],
    }),
    webhookQueue: new Gauge({
      name: 'causa_webhook_queue_depth',
      help: 'PagerDuty webhook events in the persistent queue, by state (pending, dead).',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const c = queueDepth.source?.();
        if (!c) return;
        this.set({ state: 'pending' }, c.pending);
        this.set({ state: 'dead' }, c.dead);
      },
    }),
    registry,
    investigations: new Counter({
      name: 'causa_investigations_total',
      help: 'Investigations finished, by trigger and outcome (root cause id, unknown, failed).',
      labelNames: ['trigger', 'outcome'],
      registers: [registry],
    }),
    investigationSeconds: new Histogram({
      name: 'causa_investigation_duration_seconds',
      help: 'Wall time of an investigation.',
      labelNames: ['trigger'],
      buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    stepSeconds: new Histogram({
      name: 'causa_step_duration_seconds',
      help: 'Duration of each investigation step.',
      labelNames: ['step', 'status'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    apiCalls: new Counter({
      name: 'causa_kubernetes_api_calls_total',
      help: 'Kubernetes API requests made by investigation steps.',
      labelNames: ['step'],
      registers: [registry],
    }),
    running: new Gauge({
      name: 'causa_investigations_running',
      help: 'Investigations in progress.',
      registers: [registry],
    }),
    slackErrors: new Counter({
      name: 'causa_slack_errors_total',
      help: 'Slack calls that failed after retries.',
      labelNames: ['method'],
      registers: [registry],
    }),
    slackRateLimited: new Counter({
      name: 'causa_slack_rate_limited_total',
      help: 'Slack answers of HTTP 429 (each was retried after Retry-After).',
      registers: [registry],
    }),
    buttonClicks: new Counter({
      name: 'causa_button_clicks_total',
      help: 'Follow-up button clicks by action.',
      labelNames: ['action'],
      registers: [registry],
    }),
    feedback: new Counter({
      name: 'causa_feedback_total',
      help: 'Root-cause feedback by verdict.',
      labelNames: ['verdict'],
      registers: [registry],
    }),
  };
}
