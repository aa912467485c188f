/** Fixtures for the store tests: a fixed clock, temp directories, a valid result and captured facts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Facts } from '../../src/domain/facts.js';
import type { InvestigationResult } from '../../src/domain/result.js';
import { emptyFacts } from '../../src/engine/merge-facts.js';
import { createStore, type Store, type StoreOptions } from '../../src/store/index.js';
import type { InvestigationTarget } from '../../src/store/investigations.js';

export const T0 = new Date('2026-04-26T01:49:00.000Z');

/** A clock tests move by hand. */
export function fakeClock(start: Date = T0): {
  now: () => Date;
  advance: (ms: number) => void;
  set: (d: Date) => void;
} {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (d) => {
      t = d.getTime();
    },
  };
}

/** A fresh temp directory, removed after the test. */
export function tempDir(t: TestContext, prefix = 'causa-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-memory store closed after the test. */
export function memoryStore(t: TestContext, options: StoreOptions = {}): Store {
  const store = createStore(':memory:', options);
  t.after(() => store.close());
  return store;
}

export const TARGET: InvestigationTarget = {
  kind: 'Deployment',
  namespace: 'production',
  name: 'payments-service',
  context: 'prod',
};

export const FIX = {
  summary: 'raise livenessProbe.timeoutSeconds 2→10 and initialDelaySeconds 0→15',
  resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'production', name: 'payments-service' },
  patchType: 'strategic' as const,
  patch: {
    spec: {
      template: {
        spec: { containers: [{ name: 'app', livenessProbe: { timeoutSeconds: 10, initialDelaySeconds: 15 } }] },
      },
    },
  },
};

export function sampleResult(): InvestigationResult {
  return {
    target: { ...TARGET },
    rootCause: {
      id: 'probe-timeout-slow-dependency',
      summary: 'liveness probe timeout (2s) fails while redis-cache-0 needs ~3.5s to accept connections',
      confidence: 'high',
      signals: 4,
      trigger: 'spot node ip-10-0-1-5 recycled at 01:47 (redis-cache-0 restarted)',
      evidence: [
        { kind: 'event', ref: 'default/Node/ip-10-0-1-5', time: '2026-04-26T01:47:00Z', text: 'node recycled' },
      ],
      fix: FIX,
      advice: null,
    },
    hypotheses: [{ id: 'probe-timeout-slow-dependency', confidence: 'high', signals: 4, summary: 'probe timeout' }],
    ruledOut: [{ id: 'bad-rollout', reason: 'last rollout 6h before the first failure' }],
    timeline: [{ time: '2026-04-26T01:47:00Z', text: 'node ip-10-0-1-5 recycled', ref: 'default/Node/ip-10-0-1-5' }],
    steps: [{ name: 'pod-events', status: 'ok', durationMs: 12, apiCalls: 2, error: null }],
    stats: { durationMs: 1200, apiCalls: 31 },
  };
}

export function sampleFacts(): Facts {
  return {
    ...emptyFacts({ kind: 'Deployment', name: '', namespace: '', context: null }, T0, T0),
    now: T0.toISOString(),
    since: new Date(T0.getTime() - 2 * 3600_000).toISOString(),
    target: {
      kind: 'Deployment',
      name: 'payments-service',
      namespace: 'production',
      context: 'prod',
      apiVersion: 'apps/v1',
      object: null,
      workload: null,
      selector: { app: 'payments-service' },
      labelSelector: 'app=payments-service',
      template: null,
      ownerChain: [],
    },
    events: [
      {
        namespace: 'default',
        name: 'ip-10-0-1-5.17a',
        kind: 'Node',
        object: 'ip-10-0-1-5',
        objectNamespace: null,
        fieldPath: null,
        container: null,
        init: false,
        reason: 'NodeNotReady',
        type: 'Normal',
        message: 'Node ip-10-0-1-5 status is now: NodeNotReady',
        count: 1,
        first: null,
        last: '2026-04-26T01:47:00Z',
        source: 'node-controller',
        host: null,
      },
    ],
  };
}

/** Creates a running investigation (most repositories hang off one). */
export function seedInvestigation(store: Store, extra: { incidentId?: string } = {}): string {
  return store.investigations.create({
    target: TARGET,
    trigger: extra.incidentId === undefined ? 'slash' : 'pagerduty',
    requestedBy: 'U0ONCALL1',
    ...(extra.incidentId !== undefined && { incidentId: extra.incidentId }),
  }).id;
}
