/**
 * npm run bench — Causa vs. the seed's manual kubectl runbook, side by side in one run, on a large
 * simulated cluster (500 nodes, 50 namespaces, 5 000 pods, 50 000 events) served with 20 ms latency
 * per request. Prints API calls, time and peak RSS, and the ratios against the targets.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { investigate } from '../src/engine/investigate.js';
import { createClientNodeReader } from '../src/kube/client-node-reader.js';
import { loadScenario } from '../src/scenario/load.js';
import { startKubeSimulator } from '../src/simulators/kube/index.js';
import { generateCluster } from './generate-cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 20);
const SIZE = { nodes: 500, namespaces: 50, pods: 5000, events: 50_000 };
const TARGET = { kind: 'Deployment', name: 'payments-service', namespace: 'production' };

async function runbook(url: string, token: string): Promise<{ ms: number; calls: number }> {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  let calls = 0;
  const get = async (path: string) => {
    calls++;
    const res = await fetch(url + path, { headers });
    return res.headers.get('content-type')?.includes('json') ? res.json() : res.text();
  };
  const list = async (path: string) => {
    let cont = '';
    const items: unknown[] = [];
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = (await get(`${path}${sep}limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`)) as {
        items: unknown[];
        metadata?: { continue?: string };
      };
      items.push(...page.items);
      cont = page.metadata?.continue ?? '';
    } while (cont);
    return items;
  };
  const ns = TARGET.namespace;
  const t0 = performance.now();
  // kubectl rollout history + describe deployment
  const dep = (await get(`/apis/apps/v1/namespaces/${ns}/deployments/${TARGET.name}`)) as {
    metadata: { uid: string };
    spec: { selector: { matchLabels: Record<string, string> } };
  };
  const sel = encodeURIComponent(
    Object.entries(dep.spec.selector.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  );
  await list(`/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${sel}`);
  await get(`/apis/apps/v1/namespaces/${ns}/deployments/${TARGET.name}`);
  await list(`/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${sel}`);
  await list(
    `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${TARGET.name},involvedObject.namespace=${ns},involvedObject.uid=${dep.metadata.uid}`)}`,
  );
  // kubectl get pods; logs --previous (2 pods); describe pod
  const pods = (await list(`/api/v1/namespaces/${ns}/pods`)) as {
    metadata: { name: string; uid: string; labels?: Record<string, string> };
    spec: { nodeName: string; containers: { name: string }[] };
  }[];
  const mine = pods.filter((p) =>
    Object.entries(dep.spec.selector.matchLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
  for (const p of mine.slice(0, 2)) {
    await get(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}`);
    await get(
      `/api/v1/namespaces/${ns}/pods/${p.metadata.name}/log?container=${p.spec.containers[0]!.name}&previous=true`,
    );
  }
  for (const p of mine.slice(0, 1)) {
    await get(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}`);
    await list(
      `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${p.metadata.name},involvedObject.namespace=${ns},involvedObject.uid=${p.metadata.uid}`)}`,
    );
  }
  // kubectl get events -n production --sort-by=.lastTimestamp
  await list(`/api/v1/namespaces/${ns}/events`);
  // kubectl get events -n kube-system (where the team looked for node events)
  await list('/api/v1/namespaces/kube-system/events');
  // kubectl describe node of the pods
  const node = mine[0]?.spec.nodeName;
  if (node) {
    await get(`/api/v1/nodes/${node}`);
    await list(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
    await list(
      `/api/v1/events?fieldSelector=${encodeURIComponent(`involvedObject.kind=Node,involvedObject.name=${node}`)}`,
    );
  }
  // kubectl get events -A | grep node  (finally finds the recycle)
  await list('/api/v1/events');
  return { ms: performance.now() - t0, calls };
}

function cold(kubeconfig: string): Promise<{ ms: number; rssMb: number; calls: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/causa.js'),
        'investigate',
        `deploy/${TARGET.name}`,
        '-n',
        TARGET.namespace,
        '--output',
        'json',
        '-q',
      ],
      { env: { ...process.env, KUBECONFIG: kubeconfig, CAUSA_BENCH_STATS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`causa exited ${code}: ${err}`));
      const stats = /CAUSA_BENCH_STATS (\{.*\})/.exec(err);
      const rss = stats ? JSON.parse(stats[1]!).maxRssKb / 1024 : Number.NaN;
      resolve({ ms, rssMb: rss, calls: JSON.parse(out).stats.apiCalls });
    });
  });
}

async function main() {
  const seed = loadScenario(join(ROOT, 'scenarios/seed-payments-redis-spot.yaml'));
  const scenario = generateCluster(seed, SIZE);
  const sim = await startKubeSimulator({ scenario, latencyMs: LATENCY });
  const dir = mkdtempSync(join(tmpdir(), 'causa-bench-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig);
    console.log(
      `cluster: ${SIZE.nodes} nodes, ${SIZE.namespaces}+ namespaces, ${SIZE.pods}+ pods, ${SIZE.events}+ events; ${LATENCY} ms latency per request\n`,
    );

    const book = await runbook(sim.url, 'causa-sim-token');

    const reader = await createClientNodeReader({ kubeconfig });
    const request = { ...TARGET, context: reader.context };
    await investigate({ reader, request }); // warm-up: JIT, connection
    sim.resetRequests();
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const { result } = await investigate({ reader, request });
    const warmMs = performance.now() - t0;
    const warmCalls = sim.requests.length;

    const c = await cold(kubeconfig);

    const rows = [
      ['', 'API calls', 'time', 'peak RSS'],
      ['manual kubectl runbook (sequential)', String(book.calls), `${book.ms.toFixed(0)} ms`, '-'],
      [
        'causa, warm (inside the bot)',
        String(warmCalls),
        `${warmMs.toFixed(0)} ms`,
        `+${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MB in process`,
      ],
      [
        'causa, cold (`causa investigate` process)',
        String(c.calls),
        `${c.ms.toFixed(0)} ms`,
        `${c.rssMb.toFixed(0)} MB`,
      ],
    ];
    for (const r of rows) console.log(`${r[0]!.padEnd(44)}${r[1]!.padStart(10)}${r[2]!.padStart(12)}   ${r[3]}`);
    const warmRatio = book.ms / warmMs;
    const coldRatio = book.ms / c.ms;
    const checks: [string, boolean][] = [
      [`API calls ${warmCalls} ≤ 40`, warmCalls <= 40],
      [`cold peak RSS ${c.rssMb.toFixed(0)} MB ≤ 200 MB`, c.rssMb <= 200],
      [`warm ${warmRatio.toFixed(1)}× faster than the runbook (target ≥ 10×)`, warmRatio >= 10],
      [`cold ${coldRatio.toFixed(1)}× faster than the runbook (target ≥ 3×)`, coldRatio >= 3],
      [`cold ${(c.ms / 1000).toFixed(2)} s ≤ 3 s`, c.ms <= 3000],
      [
        `verdict ${result.rootCause.id} (${result.rootCause.confidence}, ${result.rootCause.signals} signals)`,
        result.rootCause.id === 'probe-timeout-slow-dependency',
      ],
    ];
    console.log('');
    for (const [text, ok] of checks) console.log(`${ok ? '✔' : '✘'} ${text}`);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
