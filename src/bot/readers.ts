/** One KubeReader per kubeconfig context, created on first use and kept for the process. */
import { type ClusterInfo, createClientNodeReader } from '../kube/client-node-reader.js';
import type { KubeReader } from '../kube/reader.js';

export type ClusterReader = KubeReader & ClusterInfo;

export interface ReaderFactory {
  /** `context` null = the kubeconfig's current context. */
  get(context: string | null): Promise<ClusterReader>;
}

export function createReaderFactory(opts: { kubeconfig?: string; timeoutMs?: number } = {}): ReaderFactory {
  const cache = new Map<string, Promise<ClusterReader>>();
  return {
    get(context) {
      const key = context ?? '';
      let r = cache.get(key);
      if (!r) {
        r = createClientNodeReader({
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(context ? { context } : {}),
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        });
        r.catch(() => cache.delete(key));
        cache.set(key, r);
      }
      return r;
    },
  };
}
