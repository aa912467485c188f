/**
 * Everything Causa sends to Slack goes through here: one FIFO queue per channel (Slack's
 * per-channel posting limit), rapid edits of the same message merged into one `chat.update`,
 * HTTP 429 honoured with `Retry-After` and the call retried (nothing is lost), Block Kit checked
 * before sending (an invalid message is never sent: its plain-text fallback is), and text too long
 * for a message uploaded as a file instead.
 */
import { validateBlocks } from './blocks/limits.js';

export interface SlackMessage {
  text: string;
  blocks?: unknown[];
}

/** The subset of @slack/web-api's WebClient that Causa uses (kept small so tests can fake it). */
export interface SlackApi {
  chat: {
    postMessage(args: Record<string, unknown>): Promise<{ ok?: boolean; ts?: string; channel?: string }>;
    update(args: Record<string, unknown>): Promise<{ ok?: boolean }>;
    postEphemeral(args: Record<string, unknown>): Promise<{ ok?: boolean }>;
    getPermalink?(args: Record<string, unknown>): Promise<{ ok?: boolean; permalink?: string }>;
  };
  filesUploadV2(args: Record<string, unknown>): Promise<unknown>;
}

export interface SenderOptions {
  /** Minimum time between two edits of the same message (default 800 ms); edits in between are merged. */
  minEditIntervalMs?: number;
  /** Attempts for non-rate-limit failures (network, 5xx). Rate limits are retried until they pass. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (level: 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
  onRateLimited?: (retryAfterSec: number) => void;
}

interface PendingEdit {
  channel: string;
  ts: string;
  message: SlackMessage;
  promise: Promise<void>;
  started: boolean;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rateLimitDelay(err: unknown): number | null {
  const e = err as {
    code?: string;
    retryAfter?: number;
    data?: { error?: string };
    statusCode?: number;
    headers?: Record<string, string>;
  };
  if (e?.code === 'slack_webapi_rate_limited_error') return Math.max(0, Number(e.retryAfter ?? 1));
  if (e?.data?.error === 'ratelimited' || e?.data?.error === 'rate_limited') return 1;
  return null;
}

function isPermanent(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === 'slack_webapi_platform_error';
}

export class SlackSender {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly edits = new Map<string, PendingEdit>();
  private readonly lastEdit = new Map<string, number>();
  private readonly minEdit: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Counters for /metrics. */
  readonly stats = { posts: 0, updates: 0, mergedUpdates: 0, rateLimited: 0, errors: 0, uploads: 0, invalidBlocks: 0 };

  constructor(
    private readonly api: SlackApi,
    private readonly opts: SenderOptions = {},
  ) {
    this.minEdit = opts.minEditIntervalMs ?? 800;
    this.maxAttempts = opts.maxAttempts ?? 4;
    this.sleep = opts.sleep ?? sleepReal;
  }

  /** Queue work on a channel: strictly one call at a time per channel, in order. */
  private enqueue<T>(channel: string, work: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(channel) ?? Promise.resolve();
    const next = prev.then(work, work);
    this.chains.set(
      channel,
      next.catch(() => {}),
    );
    return next;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let attempt = 0;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const wait = rateLimitDelay(err);
        if (wait !== null) {
          this.stats.rateLimited++;
          this.opts.onRateLimited?.(wait);
          this.opts.log?.('warn', `${what}: rate limited, retrying in ${wait}s`);
          await this.sleep(wait * 1000);
          continue;
        }
        attempt++;
        if (isPermanent(err) || attempt >= this.maxAttempts) {
          this.stats.errors++;
          throw err;
        }
        this.opts.log?.('warn', `${what}: ${(err as Error).message}; retry ${attempt}`);
        await this.sleep(Math.min(8000, 250 * 2 ** attempt));
      }
    }
  }

  /** Block Kit that Slack would reject is never sent: fall back to the plain text. */
  private safe(message: SlackMessage): SlackMessage {
    if (!message.blocks) return message;
    const problems = validateBlocks(message.blocks as never);
    if (problems.length === 0) return message;
    this.stats.invalidBlocks++;
    this.opts.log?.('error', 'refusing to send invalid blocks; sending text only', { problems: problems.slice(0, 5) });
    return { text: message.text };
  }

  post(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    return this.enqueue(channel, async () => {
      const m = this.safe(message);
      const res = await this.call('chat.postMessage', () =>
        this.api.chat.postMessage({
          channel,
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      this.stats.posts++;
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    });
  }

  /**
   * Edit a message in place. Edits of the same message closer than `minEditIntervalMs` are merged:
   * the latest content wins, and every caller's promise resolves when it is on screen.
   */
  update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    const key = `${channel}/${ts}`;
    const pending = this.edits.get(key);
    if (pending && !pending.started) {
      pending.message = message;
      this.stats.mergedUpdates++;
      return pending.promise;
    }
    const edit: PendingEdit = { channel, ts, message, started: false, promise: Promise.resolve() };
    edit.promise = (async () => {
      const since = Date.now() - (this.lastEdit.get(key) ?? 0);
      if (since < this.minEdit) await this.sleep(this.minEdit - since);
      await (pending?.promise.catch(() => {}) ?? Promise.resolve());
      await this.enqueue(channel, async () => {
        edit.started = true;
        if (this.edits.get(key) === edit) this.edits.delete(key);
        const m = this.safe(edit.message);
        await this.call('chat.update', () =>
          this.api.chat.update({ channel, ts, text: m.text, ...(m.blocks ? { blocks: m.blocks } : { blocks: [] }) }),
        );
        this.lastEdit.set(key, Date.now());
        this.stats.updates++;
      });
    })();
    this.edits.set(key, edit);
    return edit.promise;
  }

  ephemeral(channel: string, user: string, message: SlackMessage, threadTs?: string): Promise<void> {
    return this.enqueue(channel, async () => {
      const m = this.safe(message);
      await this.call('chat.postEphemeral', () =>
        this.api.chat.postEphemeral({
          channel,
          user,
          text: m.text,
          ...(m.blocks ? { blocks: m.blocks } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      );
    });
  }

  /** Upload long text (logs, full evidence) into a thread as a file. */
  upload(channel: string, threadTs: string, filename: string, content: string, comment?: string): Promise<void> {
    return this.enqueue(channel, async () => {
      await this.call('files.uploadV2', () =>
        this.api.filesUploadV2({
          channel_id: channel,
          thread_ts: threadTs,
          filename,
          title: filename,
          content,
          ...(comment ? { initial_comment: comment } : {}),
        }),
      );
      this.stats.uploads++;
    });
  }

  /** A link to a message (for PagerDuty notes); null when Slack will not say. */
  async permalink(channel: string, ts: string): Promise<string | null> {
    if (!this.api.chat.getPermalink) return null;
    const res = await this.call('chat.getPermalink', () => this.api.chat.getPermalink!({ channel, message_ts: ts }));
    return res.permalink ?? null;
  }

  /** Wait until everything queued so far has been sent (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.edits.values()].map((e) => e.promise.catch(() => {})));
    await Promise.all([...this.chains.values()]);
  }
}
