import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FailureCauseId } from '../../src/domain/causes.js';
import type { Evidence } from '../../src/domain/result.js';
import { conclude } from '../../src/engine/conclude.js';
import type { Rule, RuleMatch } from '../../src/rules/rule.js';
import { base, PODS } from '../rules/base.js';
import { at, crashing, ev, log } from '../rules/fixtures.js';
import { seedFacts } from '../rules/seed.js';

const sig = (n: number, time: string | null = null, kind: Evidence['kind'] = 'status'): Evidence[] =>
  Array.from({ length: n }, (_, i) => ({ kind, ref: `production/Pod/p${i}`, time, text: `observation ${i}` }));

function fake(id: FailureCauseId, signals: Evidence[], explains: RuleMatch['explains'] = []): Rule {
  return {
    id,
    evaluate: () => ({
      kind: 'match',
      summary: `${id} summary`,
      signals,
      trigger: null,
      fix: null,
      advice: `${id} advice`,
      explains,
    }),
  };
}

const failing = () => {
  const f = base({ statuses: [crashing('app', { exitCode: 1 })] });
  f.events.push(
    ev({
      object: PODS[0]!,
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      first: at('01:30'),
    }),
  );
  return f;
};

describe('conclude', () => {
  test('ranking: more signals first, then closeness to the first failure, then registry order', () => {
    const f = failing();
    const near = fake('app-crash', sig(2, at('01:30')));
    const far = fake('oom-killed', sig(2, at('00:10')));
    const untimed = fake('dns-failure', sig(2));
    const most = fake('cpu-throttling', sig(3, at('00:05')));
    const a = conclude(f, [untimed, far, near, most]);
    assert.deepEqual(
      a.hypotheses.map((h) => h.id),
      ['cpu-throttling', 'app-crash', 'oom-killed', 'dns-failure'],
    );
    const tie1 = fake('app-crash', sig(2));
    const tie2 = fake('oom-killed', sig(2));
    assert.equal(conclude(f, [tie1, tie2]).rootCause.id, 'app-crash');
    assert.equal(conclude(f, [tie2, tie1]).rootCause.id, 'oom-killed');
    // Same input, same output.
    assert.deepEqual(conclude(f, [untimed, far, near, most]), a);
  });

  test('a live competing hypothesis caps confidence at medium; an explained one does not', () => {
    const f = failing();
    const top = fake('probe-timeout-slow-dependency', sig(4));
    const rival = fake('cpu-throttling', sig(2));
    const capped = conclude(f, [top, rival]);
    assert.equal(capped.rootCause.confidence, 'medium');
    assert.equal(capped.rootCause.signals, 4);
    assert.match(capped.rootCause.advice ?? '', /Competing explanation still open: cpu-throttling/);
    const explained = conclude(f, [fake('probe-timeout-slow-dependency', sig(4), ['cpu-throttling']), rival]);
    assert.equal(explained.rootCause.confidence, 'high');
    assert.ok(
      explained.ruledOut.some(
        (r) => r.id === 'cpu-throttling' && /^symptom\/trigger of probe-timeout-slow-dependency/.test(r.reason),
      ),
    );
    // A 1-signal match is not a live competitor.
    assert.equal(conclude(f, [top, fake('cpu-throttling', sig(1))]).rootCause.confidence, 'high');
  });

  test('confidence from signal counts: 3+ high, 2 medium, 1 low; hypotheses carry their own', () => {
    const f = failing();
    assert.equal(conclude(f, [fake('app-crash', sig(3))]).rootCause.confidence, 'high');
    assert.equal(conclude(f, [fake('app-crash', sig(2))]).rootCause.confidence, 'medium');
    assert.equal(conclude(f, [fake('app-crash', sig(1))]).rootCause.confidence, 'low');
    const r = conclude(f, [fake('app-crash', sig(3)), fake('oom-killed', sig(1))]);
    assert.deepEqual(
      r.hypotheses.map((h) => [h.id, h.confidence, h.signals]),
      [
        ['app-crash', 'high', 3],
        ['oom-killed', 'low', 1],
      ],
    );
  });

  test('identical signals are counted once', () => {
    const same = sig(1)[0]!;
    const r = conclude(failing(), [fake('app-crash', [same, { ...same }, { ...same }])]);
    assert.equal(r.rootCause.signals, 1);
  });

  test('a cause is not outranked by its own symptom', () => {
    const symptom = fake('readiness-probe-failing', sig(3));
    const cause = fake('probe-timeout-slow-dependency', sig(2), ['readiness-probe-failing']);
    const r = conclude(failing(), [symptom, cause]);
    assert.equal(r.rootCause.id, 'probe-timeout-slow-dependency');
    assert.equal(r.hypotheses[1]?.id, 'readiness-probe-failing');
  });

  test('a throwing rule is reported as nothing and does not abort', () => {
    const boom: Rule = {
      id: 'oom-killed',
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const r = conclude(failing(), [boom, fake('app-crash', sig(2))]);
    assert.equal(r.rootCause.id, 'app-crash');
    assert.ok(!r.hypotheses.some((h) => h.id === 'oom-killed'));
  });

  test('no match on a failing target → unknown, low, symptoms listed, no fix', () => {
    const r = conclude(failing(), []);
    assert.equal(r.rootCause.id, 'unknown');
    assert.equal(r.rootCause.confidence, 'low');
    assert.equal(r.rootCause.fix, null);
    assert.match(r.rootCause.summary, /CrashLoopBackOff on 2 pods/);
    assert.match(r.rootCause.summary, /BackOff/);
  });

  test('no match on a healthy target → no-issue-found with health evidence', () => {
    const f = base();
    f.events.push(
      ev({
        object: PODS[0]!,
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
        first: at('01:05'),
        last: at('01:05'),
      }),
    );
    const r = conclude(f);
    assert.equal(r.rootCause.id, 'no-issue-found');
    assert.equal(r.rootCause.confidence, 'high');
    assert.equal(r.rootCause.signals, 3);
    assert.equal(r.rootCause.fix, null);
    assert.match(r.rootCause.summary, /healthy now: 2\/2 pods Ready/);
    assert.match(r.rootCause.evidence[2]?.text ?? '', /transient readiness failure/);
  });

  test('healthy now after recent readiness blips → no-issue-found, but at most medium, naming them', () => {
    const f = base();
    for (const t of ['01:30', '01:35', '01:40'])
      f.events.push(
        ev({
          object: PODS[1]!,
          reason: 'Unhealthy',
          message: 'Readiness probe failed: Get "http://10.0.0.9:8080/ready": context deadline exceeded',
          first: at(t),
          last: at(t),
        }),
      );
    const r = conclude(f);
    assert.equal(r.rootCause.id, 'no-issue-found');
    assert.equal(r.rootCause.confidence, 'medium');
    assert.match(r.rootCause.summary, /except 3 readiness failures \(last at 01:40 UTC\) that resolved on their own/);
    assert.match(r.rootCause.advice ?? '', /The alert may match the readiness failures at 01:40 UTC/);
  });

  test('evidence gaps: unreadable events cap high at medium and are named', () => {
    const f = seedFacts();
    f.gaps.push({
      step: 'pod-events',
      verb: 'list',
      resource: 'events',
      namespace: 'production',
      status: 403,
      message: 'forbidden',
    });
    const rc = conclude(f).rootCause;
    assert.equal(rc.id, 'probe-timeout-slow-dependency');
    assert.equal(rc.confidence, 'medium');
    assert.match(rc.summary, /could not list events in production \(403\)/);
    assert.match(rc.advice ?? '', /Missing evidence: could not list events in production/);
  });

  test('evidence gaps that cannot hide a competitor leave high alone (PDB, quota unreadable while all pods run)', () => {
    const f = seedFacts();
    f.gaps.push({
      step: 'disruption',
      verb: 'list',
      resource: 'poddisruptionbudgets',
      namespace: 'production',
      status: 403,
      message: 'forbidden',
    });
    f.gaps.push({
      step: 'quotas',
      verb: 'list',
      resource: 'resourcequotas',
      namespace: 'production',
      status: 403,
      message: 'forbidden',
    });
    const rc = conclude(f).rootCause;
    assert.equal(rc.confidence, 'high');
    assert.match(rc.advice ?? '', /Missing evidence/);
  });

  test('healthy target with unreadable events is not claimed healthy at high confidence', () => {
    const f = base();
    f.gaps.push({
      step: 'pod-events',
      verb: 'list',
      resource: 'events',
      namespace: 'production',
      status: 403,
      message: 'forbidden',
    });
    const rc = conclude(f).rootCause;
    assert.equal(rc.id, 'no-issue-found');
    assert.equal(rc.confidence, 'medium');
    assert.match(rc.summary, /Missing evidence/);
  });

  test('timeline is time-ordered, deduplicated and capped at 40', () => {
    const f = seedFacts();
    for (let i = 0; i < 60; i++) {
      f.events.push(
        ev({
          object: PODS[0]!.replace('web', `x${i}`),
          reason: 'Unhealthy',
          message: 'Readiness probe failed: x',
          first: at(`01:${String(10 + (i % 40)).padStart(2, '0')}`),
        }),
      );
    }
    const t = conclude(f).timeline;
    assert.ok(t.length <= 40);
    const keys = t.map((e) => `${e.ref}|${e.time}`);
    assert.equal(new Set(keys).size, keys.length);
    const ms = t.map((e) => Date.parse(e.time));
    assert.deepEqual(
      ms,
      [...ms].sort((a, b) => a - b),
    );
  });
});

describe('recovered target (a past blip)', () => {
  // Crash loop 01:00–01:15 (exit 1, BackOff), every pod running again since 01:15:30 and Ready since 01:15:40;
  // the clock is 02:00, so the target has been whole and quiet for 45 min.
  const recovered = (o: { lastCrash?: string; currentLog?: string[] } = {}) => {
    const last = o.lastCrash ?? at('01:15:00');
    const up = new Date(Date.parse(last) + 30_000).toISOString();
    const f = base({
      statuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 5,
          state: { running: { startedAt: up } },
          lastState: { terminated: { reason: 'Error', exitCode: 1, startedAt: at('01:14:40'), finishedAt: last } },
        },
      ],
    });
    for (const p of f.pods) {
      p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: up }];
    }
    f.events.push(
      ...PODS.map((p) =>
        ev({
          object: p,
          reason: 'BackOff',
          message: `Back-off restarting failed container app in pod ${p}`,
          count: 12,
          first: at('01:00:20'),
          last,
        }),
      ),
    );
    f.logs.push(
      log(PODS[0]!, 'app', ['2026-04-26T01:14:55Z FATAL cannot reach broker: connection refused'], true),
      log(PODS[0]!, 'app', o.currentLog ?? ['2026-04-26T01:15:31Z INFO started', '2026-04-26T01:55:00Z INFO stats ok']),
    );
    return f;
  };

  test('whole and quiet for 30+ min: no-issue-found, the episode and its reading are reported', () => {
    const r = conclude(recovered());
    assert.equal(r.rootCause.id, 'no-issue-found');
    assert.equal(r.rootCause.confidence, 'medium');
    assert.equal(r.rootCause.fix, null);
    assert.match(
      r.rootCause.summary,
      /recovered at 01:16 UTC from a failure episode \(01:00 UTC–01:15 UTC: .*\) and has been stable for 45 min/,
    );
    assert.match(r.rootCause.summary, /looked like app-crash/);
    assert.ok(r.ruledOut.some((x) => x.id === 'app-crash' && /past episode/.test(x.reason)));
  });

  test('the same crash 10 min ago is still the incident', () => {
    assert.equal(conclude(recovered({ lastCrash: at('01:50:00') })).rootCause.id, 'app-crash');
  });

  test('errors in the current log since it came back: not recovered', () => {
    const f = recovered({
      currentLog: ['2026-04-26T01:15:31Z INFO started', '2026-04-26T01:40:00Z ERROR cannot reach broker'],
    });
    assert.equal(conclude(f).rootCause.id, 'app-crash');
  });
});
