/** Lease leader election with the real @kubernetes/client-node against the Kubernetes simulator. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api, KubeConfig, V1MicroTime } from '@kubernetes/client-node';
import { createLeaderElector, type LeaderElector } from '../../src/ha/leader.js';
import { silentLogger } from '../../src/log.js';
import type { KubeSimulator } from '../../src/simulators/kube/index.js';
import { MICROTIME, startLeaseSimulator, startProxy } from './sim.js';

const DURATION_S = 2;
const RENEW_MS = 300;
const NS = 'default';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

/** Samples isLeader() of every elector every 50 ms; fails the test if two are leaders at once. */
function watchOverlap(electors: LeaderElector[]): { stop(): void; samples: () => number } {
  let samples = 0;
  let overlap: string | null = null;
  const timer = setInterval(() => {
    samples++;
    const leaders = electors.filter((e) => e.isLeader()).length;
    if (leaders > 1 && !overlap) overlap = `${leaders} leaders at sample ${samples}`;
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      assert.equal(overlap, null, 'never two leaders at the same instant');
    },
    samples: () => samples,
  };
}

describe('Lease leader election', () => {
  let sim: KubeSimulator;
  let kubeconfig: string;
  let dir: string;
  let coord: CoordinationV1Api;
  const started: LeaderElector[] = [];

  const elector = (name: string, identity: string, extra: { kubeconfig?: string; url?: string } = {}) => {
    const e = createLeaderElector({
      kubeconfig,
      namespace: NS,
      name,
      identity,
      leaseDurationSeconds: DURATION_S,
      renewEveryMs: RENEW_MS,
      log: silentLogger,
      ...extra,
    });
    started.push(e);
    return e;
  };
  const lease = (name: string) => coord.readNamespacedLease({ name, namespace: NS });
  /** The raw stored object, as the simulator holds it (MicroTime strings as sent). */
  const stored = (name: string) => sim.objects().find((o) => o.kind === 'Lease' && o.metadata?.name === name);

  before(async () => {
    ({ sim, kubeconfig, dir } = await startLeaseSimulator());
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    coord = kc.makeApiClient(CoordinationV1Api);
  });
  after(async () => {
    for (const e of started) await e.stop({ release: false });
    await sim.close();
  });

  it('exactly one leader; after a crash the other takes over within a lease period', async () => {
    const a = elector('crash', 'pod-a');
    const b = elector('crash', 'pod-b');
    const watch = watchOverlap([a, b]);
    await Promise.all([a.start(), b.start()]);
    await until(() => a.isLeader() || b.isLeader(), 2000, 'a leader');
    await sleep(4 * RENEW_MS); // several renewals: leadership stays put
    assert.equal([a, b].filter((e) => e.isLeader()).length, 1, 'exactly one leader');
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    const leaderId = leader === a ? 'pod-a' : 'pod-b';
    const raw = stored('crash');
    assert.equal(raw?.spec?.holderIdentity, leaderId);
    assert.match(String(raw?.spec?.renewTime), MICROTIME, 'renewTime has 6 fractional digits');
    assert.match(String(raw?.spec?.acquireTime), MICROTIME, 'acquireTime has 6 fractional digits');
    assert.equal(raw?.spec?.leaseDurationSeconds, DURATION_S);

    await leader.stop({ release: false }); // a crash: renewals stop, the Lease is not released
    const tookMs = await until(() => follower.isLeader(), DURATION_S * 1000 + 3 * RENEW_MS, 'failover');
    assert.ok(tookMs >= DURATION_S * 1000 - 2 * RENEW_MS, `failover waited for expiry (took ${tookMs} ms)`);
    const after = stored('crash');
    assert.equal(after?.spec?.holderIdentity, leaderId === 'pod-a' ? 'pod-b' : 'pod-a');
    assert.equal(after?.spec?.leaseTransitions, 1);
    assert.match(String(after?.spec?.renewTime), MICROTIME);
    await sleep(2 * RENEW_MS);
    assert.ok(follower.isLeader(), 'the new leader keeps renewing');
    watch.stop();
    await follower.stop();
  });

  it('the leader writes its URL on the Lease; followers read who leads and where, until it is released', async () => {
    const a = elector('url', 'pod-a', { url: 'http://10.0.0.7:3000' });
    await a.start();
    assert.ok(a.isLeader());
    const b = elector('url', 'pod-b', { url: 'http://10.0.0.8:3000' });
    await b.start();
    assert.equal(b.isLeader(), false);
    assert.deepEqual(b.leader(), { identity: 'pod-a', url: 'http://10.0.0.7:3000' });
    assert.deepEqual(a.leader(), { identity: 'pod-a', url: 'http://10.0.0.7:3000' });
    assert.equal(stored('url')?.metadata?.annotations?.['causa.dev/leader-url'], 'http://10.0.0.7:3000');
    await a.stop(); // released: B takes over and writes its own URL
    await until(() => b.isLeader(), 3 * RENEW_MS + 1000, 'takeover');
    assert.equal(stored('url')?.metadata?.annotations?.['causa.dev/leader-url'], 'http://10.0.0.8:3000');
    assert.deepEqual(b.leader(), { identity: 'pod-b', url: 'http://10.0.0.8:3000' });
    await b.stop();
  });

  it('stop() releases the lease: the standby takes over without waiting for expiry', async () => {
    const a = elector('release', 'pod-a');
    const b = elector('release', 'pod-b');
    const watch = watchOverlap([a, b]);
    await a.start();
    assert.ok(a.isLeader(), 'the first elector acquires an absent lease at once');
    await b.start();
    assert.ok(!b.isLeader());
    await a.stop();
    assert.equal((await lease('release')).spec?.holderIdentity, '');
    assert.match(String(stored('release')?.spec?.renewTime), MICROTIME);
    const tookMs = await until(() => b.isLeader(), 2 * RENEW_MS + 500, 'takeover of a released lease');
    assert.ok(tookMs < DURATION_S * 1000, `took ${tookMs} ms`);
    watch.stop();
    await b.stop();
  });

  it('a partitioned leader steps down on its own before the standby may take over', async () => {
    const proxy = await startProxy(sim.url, dir, 'partition');
    const a = elector('partition', 'pod-a', { kubeconfig: proxy.kubeconfig });
    const b = elector('partition', 'pod-b');
    const watch = watchOverlap([a, b]);
    const changes: Array<[string, boolean, number]> = [];
    a.onChange((v) => changes.push(['a', v, Date.now()]));
    b.onChange((v) => changes.push(['b', v, Date.now()]));
    await a.start();
    await b.start();
    assert.ok(a.isLeader() && !b.isLeader());
    await sleep(2 * RENEW_MS);
    proxy.cut(); // a can no longer reach the apiserver, but keeps running
    await until(() => !a.isLeader(), DURATION_S * 1000, 'the partitioned leader to step down');
    await until(() => b.isLeader(), DURATION_S * 1000 + 3 * RENEW_MS, 'the standby to take over');
    const down = changes.find(([who, v]) => who === 'a' && !v);
    const up = changes.find(([who, v]) => who === 'b' && v);
    assert.ok(down && up && down[2] < up[2], 'a stepped down before b took over');
    watch.stop();
    assert.ok(watch.samples() > 20);
    await a.stop({ release: false });
    await b.stop();
    await proxy.close();
  });

  it('a 409 on create is "lost the race"', async () => {
    const a = elector('race-create', 'pod-a');
    const now = Date.now();
    const racer = createLeaderElector({
      kubeconfig,
      namespace: NS,
      name: 'race-create',
      identity: 'pod-a',
      leaseDurationSeconds: DURATION_S,
      renewEveryMs: RENEW_MS,
      log: silentLogger,
      beforeWrite: async (op) => {
        if (op !== 'create') return;
        await coord.createNamespacedLease({
          namespace: NS,
          body: {
            metadata: { name: 'race-create' },
            spec: {
              holderIdentity: 'pod-z',
              leaseDurationSeconds: 60,
              acquireTime: new V1MicroTime(now),
              renewTime: new V1MicroTime(now),
            },
          },
        });
      },
    });
    started.push(racer);
    await racer.start();
    assert.equal(racer.isLeader(), false);
    assert.equal((await lease('race-create')).spec?.holderIdentity, 'pod-z');
    await a.start();
    assert.equal(a.isLeader(), false, 'a live lease held by someone else is respected');
    await racer.stop();
    await a.stop();
  });

  it('a 409 on replace is "lost the race"', async () => {
    const stale = Date.now() - 60_000;
    await coord.createNamespacedLease({
      namespace: NS,
      body: {
        metadata: { name: 'race-replace' },
        spec: {
          holderIdentity: 'pod-old',
          leaseDurationSeconds: DURATION_S,
          acquireTime: new V1MicroTime(stale),
          renewTime: new V1MicroTime(stale),
        },
      },
    });
    let raced = false;
    const e = createLeaderElector({
      kubeconfig,
      namespace: NS,
      name: 'race-replace',
      identity: 'pod-a',
      leaseDurationSeconds: DURATION_S,
      renewEveryMs: RENEW_MS,
      log: silentLogger,
      beforeWrite: async (op) => {
        if (op !== 'replace' || raced) return;
        raced = true; // another replica takes the expired lease between our read and our write
        const current = await lease('race-replace');
        await coord.replaceNamespacedLease({
          name: 'race-replace',
          namespace: NS,
          body: {
            ...current,
            spec: {
              ...current.spec,
              holderIdentity: 'pod-z',
              leaseDurationSeconds: 60,
              acquireTime: new V1MicroTime(Date.now()),
              renewTime: new V1MicroTime(Date.now()),
            },
          },
        });
      },
    });
    started.push(e);
    await e.start();
    assert.ok(raced);
    assert.equal(e.isLeader(), false);
    assert.equal((await lease('race-replace')).spec?.holderIdentity, 'pod-z');
    await sleep(2 * RENEW_MS);
    assert.equal(e.isLeader(), false, 'still following the winner');
    await e.stop();
  });

  it('rejects a renewal period longer than half the lease', () => {
    assert.throws(
      () =>
        createLeaderElector({
          namespace: NS,
          identity: 'x',
          leaseDurationSeconds: 2,
          renewEveryMs: 1500,
          log: silentLogger,
        }),
      /at most half/,
    );
  });
});
