import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { infraRules } from '../../../src/rules/infra/index.js';
import { deployment, facts, job, run } from './fixtures.js';

const IDS = [
  'insufficient-resources',
  'scheduling-constraints',
  'volume-unbound',
  'volume-multi-attach',
  'node-not-ready',
  'node-disk-pressure',
  'node-memory-pressure',
  'quota-exceeded',
  'hpa-at-max',
  'hpa-metrics-unavailable',
  'pdb-blocking-disruption',
  'service-no-endpoints',
  'certificate-invalid',
  'node-shutdown',
  'preempted',
  'admission-rejected',
  'job-failed',
];

describe('infraRules registry', () => {
  test('one rule per cause id, all present', () => {
    assert.deepEqual([...infraRules.map((r) => r.id)].sort(), [...IDS].sort());
  });

  test('quiet on a quiet cluster, whatever the target kind', () => {
    const targets = [
      facts(),
      facts({}, job()),
      facts({}, null),
      (() => {
        const f = facts({}, null);
        f.target.kind = 'Node';
        f.target.name = 'node-a';
        f.target.namespace = '';
        return f;
      })(),
      (() => {
        const f = facts({}, null);
        f.target.kind = 'Service';
        return f;
      })(),
      facts({}, deployment({ replicas: 0, status: {} })),
    ];
    for (const f of targets) {
      for (const rule of infraRules) assert.equal(run(rule, f), null, `${rule.id} on ${f.target.kind}`);
    }
  });
});
