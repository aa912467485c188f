/**
 * Per-investigation wrapper around a KubeReader: bounded concurrency, a GET/list cache shared by
 * all steps (the same object is read once), per-step call counting and an optional recorder
 * (for `causa snapshot`).
 */
import type { KubeObject } from '../domain/k8s.js';
import type { KubeReader, ListOptions, ListResult, LogOptions, Resource } from '../kube/reader.js';

export interface Recorder {
  object(obj: KubeObject, resource: Resource): void;
  log(namespace: string, pod: string, container: string, previous: boolean, text: string): void;
}

class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export class InvestigationReader {
  private readonly sem: Semaphore;
  private readonly cache = new Map<string, Promise<unknown>>();
  totalCalls = 0;

  constructor(
    private readonly base: KubeReader,
    concurrency: number,
    private readonly recorder?: Recorder,
  ) {
    this.sem = new Semaphore(concurrency);
  }

  /** A reader view that counts calls into `counter`. */
  forStep(counter: { calls: number }): KubeReader {
    const once = <T>(key: string, fn: () => Promise<T>, cost: (v: T) => number): Promise<T> => {
      const hit = this.cache.get(key) as Promise<T> | undefined;
      if (hit) return hit;
      const p = this.sem.run(fn).then((v) => {
        const n = cost(v);
        counter.calls += n;
        this.totalCalls += n;
        return v;
      });
      p.catch(() => {
        // failed calls count too, and are not cached
        counter.calls += 1;
        this.totalCalls += 1;
        this.cache.delete(key);
      });
      this.cache.set(key, p);
      return p;
    };
    return {
      list: (resource: Resource, opts: ListOptions): Promise<ListResult> =>
        once(
          `list ${resource} ${JSON.stringify(opts)}`,
          async () => {
            const r = await this.base.list(resource, opts);
            for (const o of r.items) this.recorder?.object(o, resource);
            return r;
          },
          (r) => r.requests,
        ),
      listMetadata: (resource: Resource, opts: ListOptions): Promise<ListResult> =>
        once(
          `list-metadata ${resource} ${JSON.stringify(opts)}`,
          () => this.base.listMetadata(resource, opts),
          (r) => r.requests,
        ),
      get: (resource: Resource, name: string, namespace: string | null) =>
        once(
          `get ${resource} ${namespace ?? ''}/${name}`,
          async () => {
            const o = await this.base.get(resource, name, namespace);
            if (o) this.recorder?.object(o, resource);
            return o;
          },
          () => 1,
        ),
      logs: (namespace: string, pod: string, opts: LogOptions) =>
        once(
          `logs ${namespace}/${pod} ${JSON.stringify(opts)}`,
          async () => {
            const text = await this.base.logs(namespace, pod, opts);
            this.recorder?.log(namespace, pod, opts.container, opts.previous ?? false, text);
            return text;
          },
          () => 1,
        ),
    };
  }
}
