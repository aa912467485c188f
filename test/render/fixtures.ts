/** InvestigationResult fixtures for the renderer tests: the seed postmortem, an unknown answer, and a huge one. */
import { CAUSE_IDS } from '../../src/domain/causes.js';
import { type InvestigationResult, InvestigationResultSchema } from '../../src/domain/result.js';

/** The answer the seed postmortem wishes it had had at 01:49 (shared/seed-postmortem.md). */
export const seedResult: InvestigationResult = InvestigationResultSchema.parse({
  target: { kind: 'Deployment', namespace: 'production', name: 'payments-service', context: 'prod' },
  rootCause: {
    id: 'probe-timeout-slow-dependency',
    summary:
      'Liveness probe timeout (2s) on payments-service is failing because redis-cache-0 requires 3-4s to accept connections after the spot instance recycle at 01:47 UTC.',
    confidence: 'high',
    signals: 4,
    trigger: 'spot node ip-10-0-1-5 recycled at 01:47 UTC (redis-cache-0 restarted)',
    evidence: [
      {
        kind: 'event',
        ref: 'default/Node/ip-10-0-1-5',
        time: '2026-04-26T01:47:05Z',
        text: 'Node ip-10-0-1-5 recycled at 01:47 UTC (2 min before crash loop start)',
      },
      {
        kind: 'status',
        ref: 'production/Pod/redis-cache-0',
        time: '2026-04-26T01:47:41Z',
        text: 'redis-cache-0 was on ip-10-0-1-5 — restarted at same time',
      },
      {
        kind: 'event',
        ref: 'production/Pod/payments-service-7d9f8b-xkp2q',
        time: '2026-04-26T01:49:12Z',
        text: 'Liveness probe timeout: 2s — insufficient for Redis warmup (3-4s): context deadline exceeded',
      },
      {
        kind: 'rollout',
        ref: 'production/Deployment/payments-service',
        time: '2026-04-25T19:52:00Z',
        text: 'Last deployment: 6h ago — NOT correlated',
      },
    ],
    fix: {
      summary: 'raise livenessProbe.timeoutSeconds 2→10 and initialDelaySeconds 0→15',
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'production', name: 'payments-service' },
      patchType: 'strategic',
      patch: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'payments', livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 } }],
            },
          },
        },
      },
    },
    advice: null,
  },
  hypotheses: [
    {
      id: 'probe-timeout-slow-dependency',
      confidence: 'high',
      signals: 4,
      summary: 'liveness probe times out while redis-cache-0 warms up',
    },
    { id: 'app-crash', confidence: 'low', signals: 1, summary: 'containers terminate without an error in the logs' },
    { id: 'bad-rollout', confidence: 'low', signals: 0, summary: 'a recent rollout broke the pods' },
    { id: 'oom-killed', confidence: 'low', signals: 0, summary: 'containers killed for exceeding memory' },
  ],
  ruledOut: [
    { id: 'bad-rollout', reason: 'last rollout 6h before the first failure' },
    { id: 'oom-killed', reason: 'no OOMKilled termination; memory 180Mi of 512Mi limit' },
  ],
  timeline: [
    {
      time: '2026-04-26T01:49:12Z',
      text: 'Liveness probe failed: context deadline exceeded',
      ref: 'production/Pod/payments-service-7d9f8b-xkp2q',
    },
    {
      time: '2026-04-25T19:52:00Z',
      text: 'Deployment rolled out revision 7',
      ref: 'production/Deployment/payments-service',
    },
    {
      time: '2026-04-26T01:44:30Z',
      text: 'Node ip-10-0-1-5 status is now: NodeNotReady',
      ref: 'default/Node/ip-10-0-1-5',
    },
    {
      time: '2026-04-26T01:47:05Z',
      text: 'Node ip-10-0-1-5 status is now: NodeReady',
      ref: 'default/Node/ip-10-0-1-5',
    },
    { time: '2026-04-26T01:47:41Z', text: 'redis-cache-0 started', ref: 'production/Pod/redis-cache-0' },
    {
      time: '2026-04-26T01:51:02Z',
      text: 'Back-off restarting failed container payments',
      ref: 'production/Pod/payments-service-7d9f8b-xkp2q',
    },
  ],
  steps: [
    { name: 'resolve-target', status: 'ok', durationMs: 12, apiCalls: 2, error: null },
    { name: 'pod-events', status: 'ok', durationMs: 31, apiCalls: 3, error: null },
    { name: 'node-events', status: 'ok', durationMs: 24, apiCalls: 2, error: null },
    { name: 'dependency-pods', status: 'ok', durationMs: 18, apiCalls: 2, error: null },
    { name: 'rollout-history', status: 'ok', durationMs: 15, apiCalls: 2, error: null },
    { name: 'logs', status: 'ok', durationMs: 40.4, apiCalls: 2, error: null },
  ],
  stats: { durationMs: 143, apiCalls: 13 },
});

/** Nothing conclusive: low confidence, no fix, a forbidden step and a skipped one. */
export const unknownResult: InvestigationResult = InvestigationResultSchema.parse({
  target: { kind: 'StatefulSet', namespace: 'data', name: 'kafka', context: null },
  rootCause: {
    id: 'unknown',
    summary: 'No rule matched: kafka-2 restarts without a recorded reason.',
    confidence: 'low',
    signals: 0,
    trigger: null,
    evidence: [
      { kind: 'status', ref: 'data/Pod/kafka-2', time: null, text: 'kafka-2 restarted 3 times; last exit code 143' },
      {
        kind: 'log',
        ref: 'data/Pod/kafka-2',
        time: '2026-04-26T03:10:00.512+02:00',
        text: 'WARN [Broker id=2] shutting down',
      },
    ],
    fix: null,
    advice: 'Check the broker logs around 01:10 UTC and grant `list events` in kube-system for node evidence.',
  },
  hypotheses: [
    { id: 'unknown', confidence: 'low', signals: 0, summary: 'nothing conclusive' },
    { id: 'oom-killed', confidence: 'low', signals: 1, summary: 'exit code 143 is also seen after OOM handling' },
    { id: 'node-not-ready', confidence: 'low', signals: 0, summary: 'node events unavailable (forbidden)' },
  ],
  ruledOut: [],
  timeline: [],
  steps: [
    { name: 'resolve-target', status: 'ok', durationMs: 9, apiCalls: 1, error: null },
    { name: 'pod-events', status: 'empty', durationMs: 14, apiCalls: 1, error: null },
    {
      name: 'node-events',
      status: 'error',
      durationMs: 6,
      apiCalls: 1,
      error:
        'events is forbidden: User "system:serviceaccount:causa:causa" cannot list resource "events" in "kube-system"',
      missing: ['list events in kube-system'],
    },
    { name: 'rollout-history', status: 'skipped', durationMs: 0, apiCalls: 0, error: null },
  ],
  stats: { durationMs: 31, apiCalls: 3 },
});

const HOSTILE = 'a & b <!channel> <@U123> `` ``` code ``` > done';

function logBlob(chars: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < chars; i += 1) {
    const line = `2026-04-26T01:49:${String(i % 60).padStart(2, '0')}Z INFO request ${i} <ok> & more \`\`\` fence ${'x'.repeat(i % 90)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n').slice(0, chars);
}

/** 10 000 characters of log text (multi-line, with mrkdwn-hostile characters and code fences). */
export const hugeLog = logBlob(10_000);

/** Everything too big: 200 evidence items, a 10 000-char log in the evidence, hostile text everywhere. */
export const hugeResult: InvestigationResult = InvestigationResultSchema.parse({
  target: { kind: 'Deployment', namespace: 'shop', name: 'checkout', context: 'prod-eu' },
  rootCause: {
    id: 'oom-killed',
    summary: `checkout is OOMKilled: ${'memory grows with every request & never shrinks <leak>. '.repeat(60)}`,
    confidence: 'medium',
    signals: 1,
    trigger: `traffic spike ${HOSTILE}`,
    evidence: [
      { kind: 'log', ref: 'shop/Pod/checkout-abc', time: '2026-04-26T01:50:00Z', text: hugeLog },
      ...Array.from({ length: 199 }, (_, i) => ({
        kind: 'event' as const,
        ref: `shop/Pod/checkout-${i}`,
        time: `2026-04-26T01:${String(i % 60).padStart(2, '0')}:00Z`,
        text: `OOMKilled container checkout (${i}) ${HOSTILE}`,
      })),
    ],
    fix: {
      summary: `raise memory limit ${HOSTILE}`,
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      patchType: 'json',
      patch: Array.from({ length: 40 }, (_, i) => ({
        op: 'replace',
        path: `/spec/template/spec/containers/${i}/resources/limits/memory`,
        value: `${512 + i}Mi <& it's>`,
      })),
    },
    advice: `also consider ${HOSTILE}`,
  },
  hypotheses: CAUSE_IDS.map((id, i) => ({ id, confidence: 'low', signals: i % 3, summary: `${id} ${HOSTILE}` })),
  ruledOut: CAUSE_IDS.filter((id) => id !== 'oom-killed' && id !== 'app-crash').map((id) => ({
    id,
    reason: `no signal for ${id} ${HOSTILE}`,
  })),
  timeline: Array.from({ length: 200 }, (_, i) => ({
    time: `2026-04-26T01:${String(59 - (i % 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    text: `event ${i} \u001b[31mred\u001b[0m ${HOSTILE}`,
    ref: `shop/Pod/checkout-${i}`,
  })),
  steps: Array.from({ length: 40 }, (_, i) => ({
    name: `step-${i}`,
    status: i % 7 === 3 ? 'error' : 'ok',
    durationMs: i,
    apiCalls: i % 4,
    error: i % 7 === 3 ? `boom ${i}\nsecond line` : null,
    ...(i % 7 === 3 ? { missing: [`get pods in shop-${i}`] } : {}),
  })),
  stats: { durationMs: 780, apiCalls: 60 },
});
