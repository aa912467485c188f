/**
 * Rate limiting: injected 429s (`rateLimit`), injected platform errors (`failNext`), and an optional realistic limiter
 * (docs.slack.dev/apis/web-api/rate-limits): chat.postMessage ~1 message/s per channel with a burst of 5, and the
 * per-method tiers (Tier 2 = 20/min, Tier 3 = 50/min, Tier 4 = 100/min) counted over a sliding minute.
 */

const TIERS: Record<string, number> = {
  'usergroups.users.list': 20,
  'usergroups.list': 20,
  'conversations.list': 20,
  'users.list': 20,
  'chat.update': 50,
  'chat.delete': 50,
  'chat.getPermalink': 100,
  'conversations.info': 50,
  'conversations.history': 50,
  'conversations.replies': 50,
  'conversations.open': 50,
  'reactions.add': 50,
  'chat.postEphemeral': 100,
  'users.info': 100,
  'views.open': 100,
  'views.update': 100,
  'views.push': 100,
  'files.getUploadURLExternal': 100,
  'files.completeUploadExternal': 100,
};

const POST_BURST = 5;
const POST_PER_SECOND = 1;

interface Injection {
  method: string | undefined;
  count: number;
  retryAfterSeconds: number;
}

export class RateLimiter {
  mode: 'off' | 'realistic';
  private injections: Injection[] = [];
  private failures = new Map<string, string[]>();
  private windows = new Map<string, number[]>();
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(mode: 'off' | 'realistic') {
    this.mode = mode;
  }

  inject(method: string | undefined, count: number, retryAfterSeconds: number): void {
    if (count > 0) this.injections.push({ method, count, retryAfterSeconds });
  }

  failNext(method: string, error: string): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** An injected platform error for this call, consumed. */
  takeFailure(method: string): string | undefined {
    const queue = this.failures.get(method);
    const error = queue?.shift();
    if (queue && queue.length === 0) this.failures.delete(method);
    return error;
  }

  /** Seconds to put in Retry-After when this call must answer 429, otherwise undefined. */
  check(method: string, channel: string | undefined, now = Date.now()): number | undefined {
    const injection = this.injections.find((i) => i.method === undefined || i.method === method);
    if (injection) {
      injection.count -= 1;
      if (injection.count <= 0) this.injections.splice(this.injections.indexOf(injection), 1);
      return injection.retryAfterSeconds;
    }
    if (this.mode !== 'realistic') return undefined;
    if (method === 'chat.postMessage') {
      const key = channel ?? '';
      const bucket = this.buckets.get(key) ?? { tokens: POST_BURST, at: now };
      bucket.tokens = Math.min(POST_BURST, bucket.tokens + ((now - bucket.at) / 1000) * POST_PER_SECOND);
      bucket.at = now;
      this.buckets.set(key, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / POST_PER_SECOND));
      bucket.tokens -= 1;
      return undefined;
    }
    const perMinute = TIERS[method];
    if (perMinute === undefined) return undefined;
    const window = (this.windows.get(method) ?? []).filter((t) => now - t < 60_000);
    this.windows.set(method, window);
    if (window.length >= perMinute) {
      const oldest = window[0] ?? now;
      return Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000));
    }
    window.push(now);
    return undefined;
  }

  reset(): void {
    this.injections = [];
    this.failures.clear();
    this.windows.clear();
    this.buckets.clear();
  }
}
