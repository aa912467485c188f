/** FailedScheduling parser and clause arithmetic on the verbatim messages of failure-modes.md FM-11..FM-15. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assessSchedulingFailure, parseFailedScheduling } from '../../../src/analysis/scheduling.js';

function parse(msg: string) {
  const f = parseFailedScheduling(msg);
  assert.ok(f, `not parsed: ${msg}`);
  return f;
}

describe('parseFailedScheduling', () => {
  test('FM-11: control-plane taint + Insufficient memory, cluster full', () => {
    const f = parse(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    assert.equal(f.total, 3);
    assert.deepEqual(
      f.clauses.map((c) => [c.count, c.kind]),
      [
        [1, 'taint'],
        [2, 'resources'],
      ],
    );
    assert.equal(f.clauses[0]?.taint?.key, 'node-role.kubernetes.io/control-plane');
    assert.equal(f.clauses[0]?.taint?.class, 'control-plane');
    assert.equal(f.clauses[1]?.resource, 'memory');
    assert.deepEqual(f.preemption, { notHelpful: 1, noVictims: 2, other: [] });
    const a = assessSchedulingFailure(f);
    assert.equal(a.verdict, 'resources');
    assert.equal(a.clusterFull, true);
    assert.equal(a.requestTooLarge, false);
    assert.deepEqual(
      a.incidental.map((c) => c.kind),
      ['taint'],
    );
    // counts add up to N
    assert.equal(
      f.clauses.reduce((n, c) => n + (c.count ?? 0), 0),
      f.total,
    );
  });

  test('FM-11 DRA form: `no new claims to deallocate,` before the preemption part', () => {
    const f = parse(
      '0/7 nodes are available: 7 Insufficient cpu. no new claims to deallocate, preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.',
    );
    assert.deepEqual(
      f.clauses.map((c) => [c.count, c.reason]),
      [[7, 'Insufficient cpu']],
    );
    assert.equal(f.preemption?.notHelpful, 7);
    assert.equal(assessSchedulingFailure(f).requestTooLarge, true);
  });

  test('FM-11 other resources: GPUs, Too many pods', () => {
    const f = parse('0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 Too many pods.');
    assert.deepEqual(
      f.clauses.map((c) => c.resource),
      ['nvidia.com/gpu', 'pods'],
    );
    assert.equal(f.preemption, null);
  });

  test('FM-12: node affinity/selector (HolmesGPT fixture, verbatim)', () => {
    const f = parse(
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    );
    assert.equal(f.clauses[0]?.kind, 'selector');
    const a = assessSchedulingFailure(f);
    assert.equal(a.verdict, 'constraints');
    assert.deepEqual(
      a.decisive.map((c) => c.kind),
      ['selector'],
    );
  });

  test('FM-12: untolerated taint, ≤1.34 form with key/value and 1.35 hidden form', () => {
    const old = parse('0/3 nodes are available: 3 node(s) had untolerated taint {nvidia.com/gpu: present}.');
    assert.deepEqual(old.clauses[0]?.taint, { key: 'nvidia.com/gpu', value: 'present', class: 'custom' });
    assert.equal(assessSchedulingFailure(old).verdict, 'constraints');
    const hidden = parse('0/3 nodes are available: 3 node(s) had untolerated taint(s).');
    assert.equal(hidden.clauses[0]?.kind, 'taint');
    assert.equal(hidden.clauses[0]?.taint?.class, 'hidden');
    assert.equal(assessSchedulingFailure(hidden).verdict, 'constraints');
  });

  test('FM-12: cordoned nodes', () => {
    const f = parse(
      "0/7 nodes are available: 2 node(s) were unschedulable, 5 node(s) didn't match Pod's node affinity/selector.",
    );
    assert.deepEqual(
      f.clauses.map((c) => c.kind),
      ['unschedulable', 'selector'],
    );
    assert.equal(assessSchedulingFailure(f).verdict, 'constraints');
  });

  test('older taint wording keeps its inner comma inside the clause', () => {
    const f = parse(
      "0/5 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 4 Insufficient cpu.",
    );
    assert.equal(f.clauses.length, 2);
    assert.equal(f.clauses[0]?.taint?.class, 'control-plane');
    assert.equal(assessSchedulingFailure(f).verdict, 'resources');
  });

  test('FM-13: anti-affinity and topology spread (hidden taint clause is incidental)', () => {
    const anti = parse(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    assert.equal(anti.clauses[0]?.kind, 'antiAffinity');
    assert.equal(assessSchedulingFailure(anti).verdict, 'constraints');
    const existing = parse("0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.");
    assert.equal(existing.clauses[0]?.kind, 'antiAffinity');
    const spread = parse(
      "0/3 nodes are available: 2 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint(s).",
    );
    const a = assessSchedulingFailure(spread);
    assert.equal(a.verdict, 'constraints');
    assert.deepEqual(
      a.decisive.map((c) => c.kind),
      ['topology'],
    );
    assert.deepEqual(
      a.incidental.map((c) => c.kind),
      ['taint'],
    );
  });

  test('FM-14: pod-wide pre-filter without counts', () => {
    const f = parse(
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    assert.equal(f.total, 2);
    assert.deepEqual(
      f.clauses.map((c) => [c.count, c.kind]),
      [[null, 'volume']],
    );
    assert.equal(assessSchedulingFailure(f).verdict, 'volume');
    assert.equal(parse('persistentvolumeclaim "data" not found').clauses[0]?.kind, 'volume');
  });

  test('FM-15: zonal volume conflict, newer and older wording', () => {
    const f = parse(
      "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match PersistentVolume's node affinity. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
    );
    assert.deepEqual(
      f.clauses.map((c) => c.kind),
      ['taint', 'volume'],
    );
    assert.equal(assessSchedulingFailure(f).verdict, 'volume');
    assert.equal(
      assessSchedulingFailure(parse('0/3 nodes are available: 3 node(s) had volume node affinity conflict.')).verdict,
      'volume',
    );
  });

  test('FM-01 trigger: node being disrupted (lifecycle taint) is incidental', () => {
    const f = parse(
      '0/4 nodes are available: 1 node(s) had untolerated taint {karpenter.sh/disrupted: }, 3 Insufficient memory. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
    );
    const a = assessSchedulingFailure(f);
    assert.equal(a.verdict, 'resources');
    assert.equal(a.incidental[0]?.taint?.class, 'lifecycle');
  });

  test('arithmetic: selector exclusions by design, resources decide; spreading majority decides', () => {
    const gpu = parse(
      "0/6 nodes are available: 4 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.",
    );
    assert.equal(assessSchedulingFailure(gpu).verdict, 'resources');
    const spread = parse(
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match pod anti-affinity rules.",
    );
    assert.equal(assessSchedulingFailure(spread).verdict, 'constraints');
  });

  test('every node NotReady/unreachable: the nodes, not the pod spec', () => {
    const f = parse(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }.',
    );
    assert.equal(assessSchedulingFailure(f).verdict, 'nodes');
  });

  test('1.35 hidden taint counted as control plane when the cluster has that many control-plane nodes', () => {
    const f = parse(
      "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector.",
    );
    const a = assessSchedulingFailure(f, 1);
    assert.deepEqual(
      a.decisive.map((c) => c.kind),
      ['selector'],
    );
  });

  test('combined prefix is stripped; non-scheduler messages are not parsed', () => {
    const f = parse('(combined from similar events): 0/2 nodes are available: 2 Insufficient cpu.');
    assert.equal(f.text.startsWith('0/2'), true);
    assert.equal(
      parseFailedScheduling(
        'Failed to schedule pod, incompatible with nodepool "default", no instance type satisfied resources {"cpu":"9"}',
      ),
      null,
    );
  });
});
