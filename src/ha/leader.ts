/**
 * Leader election over a `coordination.k8s.io/v1` Lease, with the real @kubernetes/client-node 1.4
 * (loaded lazily). One loop per elector, never overlapping itself:
 *
 * - read the Lease; absent → create it (a 409 means another replica created it first: lost the race);
 * - held by us, released (`holderIdentity` empty) or expired (`renewTime + leaseDurationSeconds < now`)
 *   → replace it with the resourceVersion we read (a 409 means someone else wrote first: lost the race);
 * - otherwise follow.
 *
 * While leader, the Lease is renewed every `renewEveryMs`. The leader steps down on its own clock at
 * `lastRenewTime + leaseDuration - renewEveryMs` unless a renewal succeeded since, so it gives up
 * before any follower may consider the Lease expired (followers use the same renewTime; clocks
 * are assumed NTP-synchronised, as client-go's elector also assumes for its bound). A renewal that
 * finds another holder, or a 409, steps down at once. MicroTime fields are sent with 6 fractional
 * digits (`V1MicroTime`): a real apiserver rejects 3.
 */
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';

type K8s = typeof import('@kubernetes/client-node');

export interface LeaderElectorOptions {
  /** Kubeconfig file; default: client-node's `loadFromDefault()` ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  /** Kubeconfig context; default: the current context. */
  context?: string;
  namespace: string;
  /** Lease name (default `causa-leader`). */
  name?: string;
  /** This replica's identity, e.g. the pod name. */
  identity: string;
  /**
   * Where this replica serves HTTP (`http://POD_IP:PORT`), written on the Lease while it leads
   * (annotation `causa.dev/leader-url`) so standbys can forward webhooks to it.
   */
  url?: string;
  /** Default 15. */
  leaseDurationSeconds?: number;
  /** Period of renewals while leader and of attempts while following (default 5000). */
  renewEveryMs?: number;
  /** Per-request timeout (default `renewEveryMs`, at most 10 s). */
  requestTimeoutMs?: number;
  log: Logger;
  /** Tests: runs right before a create/replace is sent (to provoke a 409). */
  beforeWrite?: (op: 'create' | 'replace') => Promise<void>;
}

export interface LeaderElector {
  /** Loads the client and runs the first attempt; then keeps trying/renewing in the background. */
  start(): Promise<void>;
  /**
   * Stops the loop. By default releases the Lease if held (holderIdentity '' so another replica takes
   * over at once); `{ release: false }` abandons it instead (as a crash would: it then expires).
   */
  stop(opts?: { release?: boolean }): Promise<void>;
  isLeader(): boolean;
  /** Called on every transition. Returns an unsubscribe function. */
  onChange(cb: (leader: boolean) => void): () => void;
  /** Resolves the next time this replica is leader (at once if it is). */
  whenLeader(): Promise<void>;
  /** The current leader as last read from the Lease (null when free, expired or unknown). */
  leader(): { identity: string; url: string | null } | null;
}

/** Lease annotation with the leader's HTTP address. */
export const LEADER_URL_ANNOTATION = 'causa.dev/leader-url';

export class LeaderElectionError extends Error {
  override name = 'LeaderElectionError';
}

function statusCode(err: unknown): number | null {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : null;
}

function timeOf(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const t = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isFinite(t) ? t : null;
}

function errText(err: unknown): string {
  const code = statusCode(err);
  const msg = (err as Error)?.message ?? String(err);
  return code !== null ? `HTTP ${code}: ${msg.split('\n')[0]}` : msg;
}

export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  const name = opts.name ?? 'causa-leader';
  const { namespace, identity } = opts;
  const durationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
  const renewEveryMs = opts.renewEveryMs ?? 5000;
  if (!identity) throw new LeaderElectionError('leader election needs a non-empty identity');
  if (renewEveryMs <= 0 || renewEveryMs * 2 > durationMs) {
    throw new LeaderElectionError(
      `renewEveryMs (${renewEveryMs}) must be positive and at most half of leaseDurationSeconds (${durationMs / 1000} s)`,
    );
  }
  const timeoutMs = opts.requestTimeoutMs ?? Math.min(renewEveryMs, 10_000);
  /** Give up leadership this long after the renewTime of our last successful write. */
  const stepDownAfterMs = durationMs - renewEveryMs;
  const log = opts.log.child({ lease: `${namespace}/${name}`, identity });

  let k8s: K8s | null = null;
  let api: CoordinationV1Api | null = null;
  // biome-ignore lint/suspicious/noExplicitAny: per-request options with a timeout middleware
  let requestOptions: () => any = () => undefined;
  let leader = false;
  let running = false;
  let loopTimer: NodeJS.Timeout | null = null;
  let deadlineTimer: NodeJS.Timeout | null = null;
  let inflight: Promise<void> | null = null;
  const listeners = new Set<(leader: boolean) => void>();
  let lastError = '';
  let observed: { identity: string; url: string | null } | null = null;
  const annotations = (meta: V1Lease['metadata']) => {
    const rest = { ...(meta?.annotations ?? {}) };
    delete rest[LEADER_URL_ANNOTATION];
    return opts.url ? { ...rest, [LEADER_URL_ANNOTATION]: opts.url } : rest;
  };

  const setLeader = (value: boolean, why: string) => {
    if (deadlineTimer && !value) {
      clearTimeout(deadlineTimer);
      deadlineTimer = null;
    }
    if (leader === value) return;
    leader = value;
    if (value) log.info('became leader', { why });
    else log.warn('lost leadership', { why });
    for (const cb of [...listeners]) {
      try {
        cb(value);
      } catch (err) {
        log.error('leader change listener failed', { err: (err as Error).message });
      }
    }
  };

  /** We wrote renewTime = `renewedAt`: stay leader until renewedAt + stepDownAfterMs unless renewed again. */
  const armDeadline = (renewedAt: number) => {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    const ms = Math.max(0, renewedAt + stepDownAfterMs - Date.now());
    deadlineTimer = setTimeout(() => {
      deadlineTimer = null;
      setLeader(false, `could not renew before the deadline${lastError ? ` (${lastError})` : ''}`);
    }, ms);
    deadlineTimer.unref();
  };

  const load = async () => {
    if (api) return;
    k8s = await import('@kubernetes/client-node');
    const { of } = (await import(
      // biome-ignore lint/suspicious/noExplicitAny: deep import of the client's Observable helper
      '@kubernetes/client-node/dist/gen/rxjsStub.js' as any
    )) as { of: (v: unknown) => unknown };
    const kc = new k8s.KubeConfig();
    try {
      if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
      else kc.loadFromDefault();
    } catch (err) {
      throw new LeaderElectionError(`cannot read kubeconfig ${opts.kubeconfig ?? ''}: ${(err as Error).message}`);
    }
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) {
        throw new LeaderElectionError(`context "${opts.context}" not found in kubeconfig`);
      }
      kc.setCurrentContext(opts.context);
    }
    api = kc.makeApiClient(k8s.CoordinationV1Api);
    requestOptions = () => ({
      middleware: [
        {
          pre: (ctx: { setSignal(s: AbortSignal): void }) => {
            ctx.setSignal(AbortSignal.timeout(timeoutMs));
            return of(ctx);
          },
          post: (ctx: unknown) => of(ctx),
        },
      ],
      middlewareMergeStrategy: 'append',
    });
  };

  const micro = (t: number) => new (k8s as K8s).V1MicroTime(t);

  /** One attempt to acquire or renew. Never throws. */
  const attempt = async (): Promise<void> => {
    const a = api as CoordinationV1Api;
    let current: V1Lease | null = null;
    try {
      current = await a.readNamespacedLease({ name, namespace }, requestOptions());
    } catch (err) {
      if (statusCode(err) !== 404) {
        lastError = `read: ${errText(err)}`;
        log.warn('cannot read the lease', { err: lastError });
        return; // a leader keeps its deadline; a follower retries later
      }
    }
    const now = Date.now();
    if (!current) {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, annotations: annotations(undefined) },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationMs / 1000,
          acquireTime: micro(now),
          renewTime: micro(now),
          leaseTransitions: 0,
        },
      };
      try {
        await opts.beforeWrite?.('create');
        await a.createNamespacedLease({ namespace, body }, requestOptions());
        lastError = '';
        if (!running) return;
        observed = { identity, url: opts.url ?? null };
        armDeadline(now);
        setLeader(true, 'created the lease');
      } catch (err) {
        if (statusCode(err) === 409) {
          log.info('lost the race to create the lease');
          setLeader(false, 'another replica created the lease');
        } else {
          lastError = `create: ${errText(err)}`;
          log.warn('cannot create the lease', { err: lastError });
        }
      }
      return;
    }
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewedAt = timeOf(spec.renewTime) ?? timeOf(spec.acquireTime);
    const leaseMs = (spec.leaseDurationSeconds ?? durationMs / 1000) * 1000;
    const expired = renewedAt === null || renewedAt + leaseMs < now;
    const ours = holder === identity;
    observed =
      holder !== '' && !expired
        ? { identity: holder, url: current.metadata?.annotations?.[LEADER_URL_ANNOTATION] ?? null }
        : null;
    if (!ours && holder !== '' && !expired) {
      if (leader) setLeader(false, `the lease is held by ${holder}`);
      return;
    }
    const acquireTime = ours ? (timeOf(spec.acquireTime) ?? now) : now;
    const body: V1Lease = {
      ...current,
      metadata: { ...current.metadata, annotations: annotations(current.metadata) },
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationMs / 1000,
        acquireTime: micro(acquireTime),
        renewTime: micro(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      await opts.beforeWrite?.('replace');
      await a.replaceNamespacedLease({ name, namespace, body }, requestOptions());
      lastError = '';
      if (!running) return;
      observed = { identity, url: opts.url ?? null };
      armDeadline(now);
      setLeader(true, ours ? 'renewed' : holder ? `took over the expired lease of ${holder}` : 'took the free lease');
    } catch (err) {
      if (statusCode(err) === 409) {
        log.info('lost the race to write the lease');
        setLeader(false, 'another replica wrote the lease first');
      } else {
        lastError = `replace: ${errText(err)}`;
        log.warn(ours ? 'cannot renew the lease' : 'cannot acquire the lease', { err: lastError });
      }
    }
  };

  const schedule = () => {
    if (!running) return;
    loopTimer = setTimeout(() => {
      loopTimer = null;
      inflight = attempt().finally(() => {
        inflight = null;
        schedule();
      });
    }, renewEveryMs);
  };

  const release = async () => {
    const a = api as CoordinationV1Api;
    try {
      const current = await a.readNamespacedLease({ name, namespace }, requestOptions());
      if (current.spec?.holderIdentity !== identity) return;
      const now = Date.now();
      await a.replaceNamespacedLease(
        {
          name,
          namespace,
          body: {
            ...current,
            spec: {
              ...current.spec,
              holderIdentity: '',
              // Keep valid MicroTimes; an empty holder is free for anyone regardless of the time.
              acquireTime: micro(timeOf(current.spec.acquireTime) ?? now),
              renewTime: micro(now),
            },
          },
        },
        requestOptions(),
      );
      observed = null;
      log.info('released the lease');
    } catch (err) {
      log.warn('cannot release the lease; it will expire', { err: errText(err) });
    }
  };

  const onChange = (cb: (leader: boolean) => void) => {
    listeners.add(cb);
    return () => {
      listeners.delete(cb);
    };
  };

  return {
    async start() {
      if (running) return;
      await load();
      running = true;
      inflight = attempt().finally(() => {
        inflight = null;
      });
      await inflight;
      schedule();
    },
    async stop(stopOpts = {}) {
      const wasRunning = running;
      running = false;
      if (loopTimer) clearTimeout(loopTimer);
      loopTimer = null;
      if (inflight) await inflight;
      const held = leader;
      setLeader(false, 'stopping');
      if (wasRunning && held && stopOpts.release !== false) await release();
    },
    isLeader: () => leader,
    leader: () => observed,
    onChange,
    whenLeader() {
      if (leader) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const off = onChange((v) => {
          if (v) {
            off();
            resolve();
          }
        });
      });
    },
  };
}
