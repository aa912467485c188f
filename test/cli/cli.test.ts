/** The `causa` binary end to end against the Kubernetes simulator: outputs, exit codes, snapshot → replay. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InvestigationResultSchema } from '../../src/domain/result.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { type KubeSimulator, startKubeSimulator } from '../../src/simulators/kube/index.js';
import { ROOT, SCENARIOS } from '../helpers/paths.js';

function causa(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/causa.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('causa CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'causa-cli-'));
  const seed = loadScenario(join(SCENARIOS, 'seed-payments-redis-spot.yaml'));
  let sim: KubeSimulator;
  let forbiddenSim: KubeSimulator;
  const kc = join(dir, 'kubeconfig');
  const kcForbidden = join(dir, 'kubeconfig-forbidden');

  before(async () => {
    sim = await startKubeSimulator({ scenario: seed });
    sim.writeKubeconfig(kc);
    const restricted: Scenario = {
      ...seed,
      forbidden: [
        { verb: 'list', resource: 'events' },
        { verb: '*', resource: 'pods/log' },
      ],
    };
    forbiddenSim = await startKubeSimulator({ scenario: restricted });
    forbiddenSim.writeKubeconfig(kcForbidden);
  });
  after(async () => {
    await sim.close();
    await forbiddenSim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('investigate --output json follows the contract', async () => {
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production', '--output', 'json'], {
      KUBECONFIG: kc,
    });
    assert.equal(r.code, 0, r.stderr);
    const result = InvestigationResultSchema.parse(JSON.parse(r.stdout));
    assert.equal(result.rootCause.id, 'probe-timeout-slow-dependency');
    assert.equal(result.target.name, 'payments-service');
    assert.ok(result.stats.apiCalls > 0 && result.stats.apiCalls <= 40, `api calls ${result.stats.apiCalls}`);
    assert.match(r.stderr, /resolve-target ok/, 'progress goes to stderr');
  });

  test('text output has the seed layout', async () => {
    const r = await causa(['investigate', 'deployment/payments-service', '-n', 'production'], { KUBECONFIG: kc });
    assert.equal(r.code, 0, r.stderr);
    for (const heading of ['ROOT CAUSE:', 'EVIDENCE:', 'FIX:', 'CONFIDENCE:', 'RULED OUT:'])
      assert.ok(r.stdout.includes(heading), heading);
    assert.match(r.stdout, /ip-10-0-1-5/);
  });

  test('blocks output is Block Kit JSON with the contract action ids', async () => {
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production', '-o', 'blocks', '-q'], {
      KUBECONFIG: kc,
    });
    assert.equal(r.code, 0, r.stderr);
    const msg = JSON.parse(r.stdout) as { blocks: unknown[] };
    assert.ok(Array.isArray(msg.blocks) && msg.blocks.length > 0);
    assert.match(r.stdout, /causa\.show_node_events/);
    assert.equal(r.stderr, '', 'quiet means no progress');
  });

  test('unknown target: exit 4 with close matches', async () => {
    const r = await causa(['investigate', 'deploy/payment-service', '-n', 'production'], { KUBECONFIG: kc });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /not found in namespace production/);
    assert.match(r.stderr, /deployment\/payments-service/);
  });

  test('the same name in another namespace is suggested', async () => {
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'staging'], { KUBECONFIG: kc });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /payments-service -n production/);
  });

  test('usage errors: exit 2', async () => {
    const r = await causa(['investigate', 'widget/x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown kind "widget"/);
    assert.match(r.stderr, /Usage:/);
  });

  test('unreachable cluster: exit 3 naming the server', async () => {
    const closed = await startKubeSimulator({ scenario: seed });
    const file = join(dir, 'kubeconfig-closed');
    closed.writeKubeconfig(file);
    await closed.close();
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production'], { KUBECONFIG: file });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/);
  });

  test('unauthenticated: exit 3', async () => {
    const file = join(dir, 'kubeconfig-badtoken');
    const text = readFileSync(kc, 'utf8').replace(/token: .*/, 'token: wrong-token');
    await import('node:fs').then((fs) => fs.writeFileSync(file, text));
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production'], { KUBECONFIG: file });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Unauthorized/);
  });

  test('missing kubeconfig context: exit 3 listing contexts', async () => {
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production', '--context', 'nope'], {
      KUBECONFIG: kc,
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /context "nope" not found/);
  });

  test('forbidden evidence: the run continues and says what is missing', async () => {
    const r = await causa(['investigate', 'deploy/payments-service', '-n', 'production', '--output', 'json'], {
      KUBECONFIG: kcForbidden,
    });
    assert.equal(r.code, 0, r.stderr);
    const result = InvestigationResultSchema.parse(JSON.parse(r.stdout));
    const podEvents = result.steps.find((s) => s.name === 'pod-events');
    assert.equal(podEvents?.status, 'error');
    assert.ok(
      podEvents?.missing?.some((m) => m.startsWith('list events')),
      JSON.stringify(podEvents),
    );
    assert.notEqual(result.rootCause.confidence, 'high', 'no high confidence without events');
  });

  test('snapshot then replay reaches the same cause', async () => {
    const file = join(dir, 'snap.yaml');
    const s = await causa(['snapshot', 'deploy/payments-service', '-n', 'production', '-o', file, '-q'], {
      KUBECONFIG: kc,
    });
    assert.equal(s.code, 0, s.stderr);
    const snap = readFileSync(file, 'utf8');
    assert.match(snap, /investigate:\n\s+target: deployment\/payments-service/);
    const r = await causa(['replay', file, '--output', 'json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rootCause.id, 'probe-timeout-slow-dependency');
  });

  test('malformed scenario: error names the file and the path', async () => {
    const file = join(dir, 'bad.yaml');
    await import('node:fs').then((fs) =>
      fs.writeFileSync(file, 'name: x\ndescription: y\nnow: "2026-01-01T00:00:00Z"\nobjects:\n  - kind: Pod\n'),
    );
    const r = await causa(['replay', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml at objects\[0\]\.apiVersion/);
  });
});
