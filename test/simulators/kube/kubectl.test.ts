/** The simulator driven by the real kubectl (skipped loudly when kubectl is not installed). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type KubeSimulator, startKubeSimulator } from '../../../src/simulators/kube/index.js';
import { NODE, testScenario } from './fixture.js';

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);
const installed = existsSync(KUBECTL);

describe('kube simulator with kubectl', () => {
  let sim: KubeSimulator;
  let home: string;

  async function kubectl(...args: string[]): Promise<string> {
    const kubeconfig = join(home, '.kube', 'config');
    const { stdout } = await run(KUBECTL, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig },
      timeout: 60_000,
    });
    return stdout;
  }

  before(async () => {
    if (!installed) return;
    home = mkdtempSync(join(tmpdir(), 'causa-kubectl-'));
    // kubectl only presents the bearer token over TLS, hence `tls: true`.
    sim = await startKubeSimulator({ scenario: testScenario(), tls: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, '.kube'));
    sim.writeKubeconfig(join(home, '.kube', 'config'));
  });
  after(async () => {
    if (!installed) return;
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('kubectl get pods prints the server-side table', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const out = await kubectl('get', 'pods', '-n', 'shop');
    const lines = out.trim().split('\n');
    assert.match(lines[0] ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    assert.match(lines[1] ?? '', /^web-7d9f8b-abcde\s+2\/2\s+Running\s+0\s+\d+m$/);
    assert.match(lines[2] ?? '', /^web-7d9f8b-fghij\s+1\/2\s+CrashLoopBackOff\s+5 \(\d+m\d*s? ago\)\s+\d+m$/);
    const wide = await kubectl('get', 'pods', '-n', 'shop', '-o', 'wide');
    assert.match(wide, /IP\s+NODE/);
    assert.ok(wide.includes(NODE));
    assert.ok(wide.includes('10.0.1.21'));
  });

  it('kubectl get events -A shows node events in default', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const out = await kubectl('get', 'events', '-A');
    assert.match(out, /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    assert.match(
      out,
      new RegExp(`default\\s+\\S+\\s+Normal\\s+NodeHasSufficientMemory\\s+node/${NODE.replace(/\./g, '\\.')}`),
    );
    assert.match(out, /shop\s+5m\d*s?\s+Warning\s+BackOff\s+pod\/web-7d9f8b-fghij/);
  });

  it('kubectl get nodes, deployments and replicasets', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const nodes = await kubectl('get', 'nodes');
    assert.match(nodes, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    assert.match(nodes, new RegExp(`${NODE.replace(/\./g, '\\.')}\\s+Ready\\s+worker\\s+\\S+\\s+v1\\.29\\.4`));
    const deploy = await kubectl('get', 'deploy', '-n', 'shop');
    assert.match(deploy, /web\s+1\/2\s+2\s+1\s+\d+d/);
    const rs = await kubectl('get', 'rs', '-n', 'shop');
    assert.match(rs, /web-7d9f8b\s+2\s+2\s+1/);
  });

  it('kubectl describe pod lists its events', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const out = await kubectl('describe', 'pod', 'web-7d9f8b-fghij', '-n', 'shop');
    assert.match(out, /Reason:\s+OOMKilled/);
    assert.match(out, /Exit Code:\s+137/);
    assert.match(out, /Warning\s+BackOff\s+5m\d*s? \(x12 over 20m\d*s?\)\s+kubelet/);
    assert.match(out, /Normal\s+Scheduled\s+\d+m\s+default-scheduler/);
  });

  it('kubectl logs --previous', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const out = await kubectl('logs', 'web-7d9f8b-fghij', '-n', 'shop', '-c', 'app', '--previous', '--tail=2');
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /ERROR java\.lang\.OutOfMemoryError/);
  });

  it('kubectl rollout history deploy/web', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const out = await kubectl('rollout', 'history', 'deploy/web', '-n', 'shop');
    assert.match(out, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  });

  it('kubectl patch (strategic merge) changes the store', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    const patch = {
      spec: { template: { spec: { containers: [{ name: 'app', resources: { limits: { memory: '1Gi' } } }] } } },
    };
    const out = await kubectl('patch', 'deploy', 'web', '-n', 'shop', '-p', JSON.stringify(patch));
    assert.match(out, /deployment\.apps\/web patched/);
    const deploy = sim.objects().find((o) => o.kind === 'Deployment' && o.metadata?.name === 'web');
    const containers = deploy?.spec?.template?.spec?.containers as {
      name: string;
      resources?: { limits?: { memory?: string } };
    }[];
    assert.deepEqual(
      containers.map((c) => c.name),
      ['app', 'proxy'],
    );
    assert.equal(containers[0]?.resources?.limits?.memory, '1Gi');
    assert.ok(sim.requests.some((r) => r.method === 'PATCH' && r.status === 200));
  });

  it('kubectl reports the scenario RBAC denial', async (t) => {
    if (!installed) return t.skip('kubectl not installed');
    await assert.rejects(kubectl('get', 'cm', '-n', 'kube-system'), (err: { stderr?: string }) => {
      assert.match(err.stderr ?? '', /Error from server \(Forbidden\): configmaps is forbidden/);
      return true;
    });
  });
});
