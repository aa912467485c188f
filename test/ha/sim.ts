/** A Kubernetes simulator with an empty cluster, a kubeconfig file for it, and a cuttable TCP proxy. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioSchema } from '../../src/scenario/schema.js';
import {
  buildKubeconfig,
  DEFAULT_TOKEN,
  type KubeSimulator,
  startKubeSimulator,
} from '../../src/simulators/kube/index.js';

export const MICROTIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export async function startLeaseSimulator(): Promise<{ sim: KubeSimulator; kubeconfig: string; dir: string }> {
  const scenario = ScenarioSchema.parse({
    name: 'ha-test',
    description: 'An empty cluster: leader election only needs the coordination.k8s.io API.',
    now: new Date().toISOString(),
    context: 'ha-test',
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'causa' } }],
  });
  const sim = await startKubeSimulator({ scenario });
  const dir = mkdtempSync(join(tmpdir(), 'causa-ha-'));
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  return { sim, kubeconfig, dir };
}

export interface CuttableProxy {
  kubeconfig: string;
  /** Drop every connection and refuse new ones (a network partition). */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `targetUrl` whose kubeconfig points client-node at it. */
export async function startProxy(targetUrl: string, dir: string, label: string): Promise<CuttableProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = join(dir, `kubeconfig-${label}`);
  writeFileSync(kubeconfig, buildKubeconfig(`http://127.0.0.1:${port}`, 'ha-test', DEFAULT_TOKEN));
  return {
    kubeconfig,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
