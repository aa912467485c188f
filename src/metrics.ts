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
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'causa' });
  return {
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
