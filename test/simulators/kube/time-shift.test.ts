import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shiftScenarioTimes } from '../../../src/simulators/kube/index.js';
import { SCENARIO_NOW, testScenario } from './fixture.js';

describe('shiftScenarioTimes', () => {
  const realNow = new Date('2030-01-02T03:04:05.678Z');
  const base = testScenario();
  const shifted = shiftScenarioTimes(base, realNow);
  const delta = realNow.getTime() - Date.parse(SCENARIO_NOW);

  function find(name: string) {
    return shifted.objects.find((o) => o.metadata.name === name) as Record<string, unknown> & {
      metadata: Record<string, unknown>;
    };
  }

  it('is pure and sets now to the real now', () => {
    assert.equal(shifted.now, realNow.toISOString());
    assert.equal(base.now, SCENARIO_NOW);
    assert.notEqual(shifted.objects, base.objects);
    assert.equal(
      (base.objects.find((o) => o.kind === 'Event') as Record<string, unknown>).firstTimestamp,
      '2026-04-26T01:45:00Z',
    );
  });

  it('moves second-precision timestamps by realNow - now, keeping the style', () => {
    const ev = find('web-7d9f8b-fghij.17e2a5c04f66588f');
    // 5 minutes before scenario.now becomes 5 minutes before realNow (truncated to seconds).
    assert.equal(ev.lastTimestamp, '2030-01-02T02:59:05Z');
    assert.equal(Date.parse(String(ev.lastTimestamp)), Date.parse('2026-04-26T02:00:00Z') + delta - 678);
    assert.equal(ev.metadata.creationTimestamp, '2030-01-02T02:44:05Z');
  });

  it('keeps 6 fractional digits for MicroTime and keeps offsets', () => {
    const sched = find('web-7d9f8b-fghij.17e2a5c000000002');
    assert.equal(sched.eventTime, '2030-01-02T02:29:05.801456Z');
    assert.equal(sched.firstTimestamp, null);
    const custom = shiftScenarioTimes(
      testScenario({
        objects: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'x' },
            data: { at: '2026-04-26T04:05:00+02:00', nano: '2026-04-26T02:04:59.123456789Z', not: '2026-04-26' },
          },
        ],
      }),
      realNow,
    );
    const data = (custom.objects[0] as unknown as { data: Record<string, string> }).data;
    assert.equal(data.at, '2030-01-02T05:04:05+02:00');
    assert.equal(data.nano, '2030-01-02T03:04:04.801456789Z');
    assert.equal(data.not, '2026-04-26');
  });

  it('shifts log lines that start with a timestamp', () => {
    const prev = shifted.logs.find((l) => l.previous);
    const lines = prev?.text.split('\n') ?? [];
    assert.equal(lines[0], '2030-01-02T03:00:05.778Z INFO starting web 2.14.1');
    assert.equal(lines[3], '\tat com.example.Cache.load(Cache.java:42)');
  });
});
