/**
 * Loading and configuring @kubernetes/client-node 1.4, shared by the read-only reader and the patcher:
 * the lazy import (start-up stays lean), kubeconfig/context selection with clear errors, the
 * per-request timeout middleware and the wire serializer.
 */
import type { KubeObject } from '../domain/k8s.js';
import { KubeApiError } from './reader.js';

export type K8s = typeof import('@kubernetes/client-node');
type KubeConfig = InstanceType<K8s['KubeConfig']>;

export interface ClientNodeOptions {
  /** Path to a kubeconfig; default: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Context to use (default: the kubeconfig's current context). */
  context?: string;
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number;
}

export interface ClientNodeRuntime {
  k8s: K8s;
  kc: KubeConfig;
  server: string;
  context: string | null;
  defaultNamespace: string;
  timeoutMs: number;
  /** Options for a generated API call: bounded by the timeout; `accept` overrides the Accept header. */
  callOptions(accept?: string): unknown;
  /** A client-node model back to wire form (plain JSON as the API server sent it). */
  toWire(data: unknown, type: string): KubeObject;
}

function configError(message: string): KubeApiError {
  return new KubeApiError('unreachable', null, 'load', 'kubeconfig', null, message, '');
}

export async function loadClientNode(opts: ClientNodeOptions = {}): Promise<ClientNodeRuntime> {
  const k8s: K8s = await import('@kubernetes/client-node');
  const { of } = (await import(
    // biome-ignore lint/suspicious/noExplicitAny: deep import of the client's Observable helper
    '@kubernetes/client-node/dist/gen/rxjsStub.js' as any
  )) as { of: (v: unknown) => unknown };
  const { ObjectSerializer } = (await import(
    // biome-ignore lint/suspicious/noExplicitAny: the wire serializer is not re-exported by the package index
    '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js' as any
  )) as { ObjectSerializer: { serialize(data: unknown, type: string): unknown } };
  const kc = new k8s.KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const where = opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw configError(`cannot read kubeconfig ${where}: ${(err as Error).message}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw configError(`context "${opts.context}" not found in kubeconfig (contexts: ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext() || null;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    k8s,
    kc,
    server: kc.getCurrentCluster()?.server ?? 'unknown',
    context,
    defaultNamespace: (context && kc.getContextObject(context)?.namespace) || 'default',
    timeoutMs,
    callOptions: (accept?: string) => ({
      middleware: [
        {
          pre: (ctx: { setSignal(s: AbortSignal): void; setHeaderParam(k: string, v: string): void }) => {
            ctx.setSignal(AbortSignal.timeout(timeoutMs));
            if (accept) ctx.setHeaderParam('Accept', accept);
            return of(ctx);
          },
          post: (ctx: unknown) => of(ctx),
        },
      ],
      // `setHeaderOptions` (patch content types) appends its middleware after this one.
      middlewareMergeStrategy: 'append' as const,
    }),
    toWire: (data, type) => ObjectSerializer.serialize(data, type) as KubeObject,
  };
}
