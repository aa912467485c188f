/** What the fix executor needs at run time, built once by the composition root (bot/start.ts). */
import type { ReaderFactory } from '../bot/readers.js';
import type { FileConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { type ApproverResolver, createApproverResolver, type UsergroupsApi } from './approvers.js';
import { createPatcherFactory, type PatcherFactory } from './patcher.js';
import { DEFAULT_VERIFY, type VerifyOptions } from './verify.js';

export interface FixRuntime {
  patchers: PatcherFactory;
  approvers: ApproverResolver;
  verify: VerifyOptions;
  /** Adds a note to the PagerDuty incident of an investigation; set when PagerDuty is configured. */
  incidentNote?: (incidentId: string, text: string) => Promise<void>;
  /** Work that outlives a Slack request (watching a rollout); stopped with the bot. */
  background: Background;
  /** When this process set up (before it took any click): older `approved` rows were left by a previous one. */
  startedAt: Date;
}

export interface Background {
  /** Aborted when the bot stops: long waits end early. */
  readonly signal: AbortSignal;
  run(name: string, work: (signal: AbortSignal) => Promise<void>): void;
  /** Aborts and waits for everything started with `run`. */
  stop(): Promise<void>;
}

export function createBackground(log: Pick<Logger, 'error'>): Background {
  const controller = new AbortController();
  const running = new Set<Promise<void>>();
  return {
    signal: controller.signal,
    run(name, work) {
      const p = work(controller.signal)
        .catch((err) => log.error(`${name} failed`, { err: err as Error }))
        .finally(() => running.delete(p));
      running.add(p);
    },
    async stop() {
      controller.abort();
      await Promise.allSettled([...running]);
    },
  };
}

/** The slice of the bot's dependencies the fix executor uses (BotDeps satisfies it). */
export interface FixDeps {
  store: Store;
  config: FileConfig;
  readers: ReaderFactory;
  log: Logger;
  now: () => Date;
  fixes: FixRuntime;
}

export interface FixRuntimeOptions {
  config: FileConfig;
  log: Logger;
  slack: UsergroupsApi;
  kubeconfig?: string;
  patchers?: PatcherFactory;
  verify?: Partial<VerifyOptions>;
}

export function createFixRuntime(opts: FixRuntimeOptions): FixRuntime {
  return {
    patchers: opts.patchers ?? createPatcherFactory(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    approvers: createApproverResolver({ approvers: opts.config.approvals.approvers, slack: opts.slack }),
    verify: { ...DEFAULT_VERIFY, ...opts.verify },
    background: createBackground(opts.log),
    startedAt: new Date(),
  };
}
