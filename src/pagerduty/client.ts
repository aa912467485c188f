/**
 * A small typed PagerDuty REST v2 client over `@pagerduty/pdjs` 2.x `api()` (protocols.md B.2).
 *
 * pdjs quirks handled here:
 * - https is forced when `server` is used, so every call passes an explicit full `url` built from `apiUrl`
 *   (`PAGERDUTY_API_URL`, http allowed, path prefix kept).
 * - 4xx/5xx resolve instead of rejecting: they become `PagerDutyApiError`s; a non-JSON body rejects with the bare
 *   Response, which becomes one too.
 * - `.resource` is null off `*.com` hosts and `.all()` then crashes on the second page: never used; pages are walked
 *   by hand with `offset`/`limit`/`more`.
 * - `requestTimeout` does not abort anything, it only leaves a 30 s timer behind on rejections and 429s: it is
 *   disabled (`requestTimeout: 0`) and a real deadline is passed as `signal` (an unref'd `AbortSignal.timeout`).
 * - pdjs retries a 429 three times by itself, `retryTimeout` (default 20 s) apart, ignoring `Retry-After`; that
 *   cannot be turned off, so its delay is shortened (`internalRetryDelayMs`) and the 429 it finally hands back is
 *   honoured here: wait `Retry-After` (or `ratelimit-reset`), bounded by `maxRateLimitWaitMs`, then try again.
 * The token lives only inside pdjs's closure; it is never logged nor put into errors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '@pagerduty/pdjs';
import type { z } from 'zod';
import type { Logger } from '../log.js';
import {
  type IncidentStatus,
  PageSchema,
  type RestAlert,
  RestAlertSchema,
  RestErrorSchema,
  type RestIncident,
  RestIncidentSchema,
  type RestNote,
  RestNoteSchema,
  type Urgency,
} from './schemas.js';

export const DEFAULT_PAGERDUTY_API_URL = 'https://api.pagerduty.com';

export interface PagerDutyClientOptions {
  token: string;
  /** REST base URL (`PAGERDUTY_API_URL`); `http://` allowed; default https://api.pagerduty.com. */
  apiUrl?: string | undefined;
  /** `From` header for writes (`PAGERDUTY_FROM_EMAIL`); required by PagerDuty with account-level API keys. */
  fromEmail?: string | undefined;
  /** Deadline of one attempt, pdjs's own 429 retries included (default 15 s). */
  timeoutMs?: number;
  /** Longest `Retry-After` honoured; a longer one fails at once with kind `rate-limited` (default 30 s). */
  maxRateLimitWaitMs?: number;
  /** How many times a 429 handed back by pdjs is retried after waiting (default 2). */
  rateLimitRetries?: number;
  /** Delay of pdjs's built-in 429 retries (its `retryTimeout`, default there 20 s; here 250 ms). */
  internalRetryDelayMs?: number;
  logger?: Logger;
}

export type PagerDutyFailureKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'rate-limited'
  | 'server'
  | 'unreachable'
  | 'timeout'
  | 'invalid-response';

export class PagerDutyApiError extends Error {
  override name = 'PagerDutyApiError';
  constructor(
    readonly kind: PagerDutyFailureKind,
    /** HTTP status, null when no response arrived. */
    readonly status: number | null,
    readonly method: string,
    /** Path of the call (no host, no query, never the token). */
    readonly path: string,
    message: string,
    /** PagerDuty error code (`{"error":{"code":2100}}`), when given. */
    readonly code: number | null = null,
    /** For `rate-limited`: how long PagerDuty asked to wait. */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isPagerDutyApiError(err: unknown): err is PagerDutyApiError {
  return err instanceof PagerDutyApiError;
}

export interface ListAlertsOptions {
  statuses?: ('triggered' | 'resolved')[];
  /** Page size (1–100, default 100). */
  pageSize?: number;
  /** Stop after this many alerts (default 1000). */
  max?: number;
}

export interface ListIncidentsOptions {
  statuses?: IncidentStatus[];
  serviceIds?: string[];
  urgencies?: Urgency[];
  since?: Date | string;
  until?: Date | string;
  /** e.g. `created_at:asc` */
  sortBy?: string;
  pageSize?: number;
  /** Stop after this many incidents (default 1000). */
  max?: number;
}

export interface PagerDutyClient {
  /** The REST base URL calls go to. */
  readonly apiUrl: string;
  getIncident(id: string): Promise<RestIncident>;
  /** Every alert of an incident, all pages. */
  listIncidentAlerts(incidentId: string, options?: ListAlertsOptions): Promise<RestAlert[]>;
  /** Incidents matching the filters, all pages (for the poller). */
  listIncidents(options?: ListIncidentsOptions): Promise<RestIncident[]>;
  /** Add a note; `from` overrides the client's `fromEmail`. */
  createNote(incidentId: string, content: string, options?: { from?: string }): Promise<RestNote>;
}

type Query = Record<string, string | string[]>;
/** pdjs's partial client (`api({ token })`); its types are not exported from the package root. */
type PartialCall = ReturnType<typeof api>;
type APIResponse = Awaited<ReturnType<PartialCall['get']>>;
type Method = 'get' | 'post' | 'put';

const MAX_OFFSET = 10_000; // offset + limit beyond this is a 400 (docs/REST-API/09-Pagination.md)

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOfStatus(status: number): PagerDutyFailureKind {
  if (status === 401) return 'unauthorized';
  if (status === 402 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  return 'bad-request';
}

/** `Retry-After` (seconds or an HTTP date), else `ratelimit-reset` (seconds), in ms; null when neither is usable. */
export function retryAfterMs(headers: { get(name: string): string | null }, now = Date.now()): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return Math.round(Number(reset) * 1000);
  return null;
}

function normalizeBase(apiUrl: string): string {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new TypeError('PAGERDUTY_API_URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('PAGERDUTY_API_URL must be http(s)');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

function toIso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : value;
}

export function createPagerDutyClient(options: PagerDutyClientOptions): PagerDutyClient {
  if (typeof options.token !== 'string' || options.token.trim() === '') throw new TypeError('PagerDuty token is empty');
  const base = normalizeBase(options.apiUrl ?? DEFAULT_PAGERDUTY_API_URL);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxWait = options.maxRateLimitWaitMs ?? 30_000;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const internalRetryDelayMs = options.internalRetryDelayMs ?? 250;
  const log = options.logger;
  const pd: PartialCall = api({ token: options.token.trim(), tokenType: 'token' });

  async function call(
    method: Method,
    path: string,
    req: { query?: Query; body?: object; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; data: unknown }> {
    const verb = method.toUpperCase();
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let res: APIResponse;
      try {
        res = await pd[method](path, {
          url: `${base}${path}`,
          ...(req.query ? { queryParameters: req.query } : {}),
          ...(req.body ? { data: req.body } : {}),
          ...(req.headers ? { headers: req.headers } : {}),
          // A real deadline (unref'd timer), and no pdjs requestTimer (it would outlive rejected calls and 429s).
          signal: AbortSignal.timeout(timeoutMs),
          requestTimeout: 0,
          retryTimeout: internalRetryDelayMs,
        });
      } catch (err) {
        throw rejection(err, verb, path);
      }
      log?.debug('pagerduty call', {
        method: verb,
        path,
        status: res.status,
        durationMs: Math.round(performance.now() - started),
      });
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers) ?? 1000;
        if (attempt >= rateLimitRetries || wait > maxWait) {
          throw new PagerDutyApiError(
            'rate-limited',
            429,
            verb,
            path,
            `PagerDuty ${verb} ${path}: 429 rate limited (retry after ${Math.ceil(wait / 1000)} s)`,
            errorCode(res.data),
            wait,
          );
        }
        log?.warn('pagerduty rate limited, waiting', { method: verb, path, waitMs: wait });
        await sleep(wait);
        continue;
      }
      if (!res.ok) throw httpError(res.status, res.statusText, res.data, verb, path);
      return { status: res.status, data: res.data };
    }
  }

  async function paginate<T>(
    path: string,
    key: string,
    schema: z.ZodType<T>,
    query: Query,
    pageSize: number,
    max: number,
  ): Promise<T[]> {
    const limit = Math.min(100, Math.max(1, Math.floor(pageSize)));
    const out: T[] = [];
    const seen = new Set<string>();
    let offset = 0;
    while (out.length < max && offset < MAX_OFFSET) {
      const pageLimit = Math.min(limit, MAX_OFFSET - offset);
      const { data } = await call('get', path, {
        query: { ...query, limit: String(pageLimit), offset: String(offset) },
      });
      const items = isRecord(data) ? data[key] : undefined;
      if (!Array.isArray(items)) throw invalid('GET', path, `no "${key}" array in the response`);
      for (const raw of items) {
        const parsed = schema.safeParse(raw);
        if (!parsed.success) throw invalid('GET', path, `malformed ${key} item: ${parsed.error.issues[0]?.message}`);
        const id = (parsed.data as { id?: unknown }).id;
        // Items can shift between pages while new ones arrive; keep the first copy.
        if (typeof id === 'string') {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        out.push(parsed.data);
        if (out.length >= max) break;
      }
      const page = PageSchema.safeParse(data);
      if (!page.success || page.data.more !== true || items.length === 0) break;
      offset = (page.data.offset ?? offset) + items.length;
    }
    return out;
  }

  return {
    apiUrl: base,

    async getIncident(id) {
      const path = `/incidents/${encodeURIComponent(id)}`;
      const { data } = await call('get', path);
      const parsed = RestIncidentSchema.safeParse(isRecord(data) ? data.incident : undefined);
      if (!parsed.success) throw invalid('GET', path, `malformed incident: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    },

    listIncidentAlerts(incidentId, opts = {}) {
      const query: Query = {};
      if (opts.statuses?.length) query['statuses[]'] = opts.statuses;
      const path = `/incidents/${encodeURIComponent(incidentId)}/alerts`;
      return paginate(path, 'alerts', RestAlertSchema, query, opts.pageSize ?? 100, opts.max ?? 1000);
    },

    listIncidents(opts = {}) {
      const query: Query = {};
      if (opts.statuses?.length) query['statuses[]'] = opts.statuses;
      if (opts.serviceIds?.length) query['service_ids[]'] = opts.serviceIds;
      if (opts.urgencies?.length) query['urgencies[]'] = opts.urgencies;
      if (opts.since !== undefined) query.since = toIso(opts.since);
      if (opts.until !== undefined) query.until = toIso(opts.until);
      if (opts.sortBy !== undefined) query.sort_by = opts.sortBy;
      return paginate('/incidents', 'incidents', RestIncidentSchema, query, opts.pageSize ?? 100, opts.max ?? 1000);
    },

    async createNote(incidentId, content, opts = {}) {
      const path = `/incidents/${encodeURIComponent(incidentId)}/notes`;
      const from = opts.from ?? options.fromEmail;
      const { data } = await call('post', path, {
        body: { note: { content } },
        ...(from ? { headers: { From: from } } : {}),
      });
      const parsed = RestNoteSchema.safeParse(isRecord(data) ? data.note : undefined);
      if (!parsed.success) throw invalid('POST', path, `malformed note: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    },
  };
}

function errorCode(data: unknown): number | null {
  const parsed = RestErrorSchema.safeParse(data);
  return parsed.success ? (parsed.data.error.code ?? null) : null;
}

function httpError(status: number, statusText: string, data: unknown, method: string, path: string): PagerDutyApiError {
  const parsed = RestErrorSchema.safeParse(data);
  const detail = parsed.success
    ? [parsed.data.error.message, ...(parsed.data.error.errors ?? [])].filter(Boolean).join(': ')
    : statusText;
  const code = parsed.success ? (parsed.data.error.code ?? null) : null;
  const message = `PagerDuty ${method} ${path}: ${status}${detail ? ` ${detail}` : ''}${code !== null ? ` (code ${code})` : ''}`;
  return new PagerDutyApiError(kindOfStatus(status), status, method, path, message, code);
}

function invalid(method: string, path: string, what: string): PagerDutyApiError {
  return new PagerDutyApiError('invalid-response', null, method, path, `PagerDuty ${method} ${path}: ${what}`);
}

/** What a rejected pdjs call means: a Response whose body was not JSON, an abort (deadline), or a network error. */
function rejection(err: unknown, method: string, path: string): PagerDutyApiError {
  if (isRecord(err) && typeof err.status === 'number' && typeof err.ok === 'boolean') {
    const status = err.status;
    if (status >= 400) return httpError(status, String(err.statusText ?? ''), undefined, method, path);
    return new PagerDutyApiError(
      'invalid-response',
      status,
      method,
      path,
      `PagerDuty ${method} ${path}: ${status} with a body that is not JSON`,
    );
  }
  const e = err as { name?: unknown; type?: unknown; code?: unknown; message?: unknown } | null;
  if (e?.name === 'AbortError' || e?.type === 'aborted' || e?.name === 'TimeoutError') {
    return new PagerDutyApiError('timeout', null, method, path, `PagerDuty ${method} ${path}: timed out`, null, null, {
      cause: err,
    });
  }
  if (err instanceof TypeError) {
    // Thrown before anything was sent, e.g. a `From` value that is not a legal header value.
    return new PagerDutyApiError(
      'bad-request',
      null,
      method,
      path,
      `PagerDuty ${method} ${path}: ${err.message}`,
      null,
      null,
      {
        cause: err,
      },
    );
  }
  const reason = typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : String(err);
  return new PagerDutyApiError(
    'unreachable',
    null,
    method,
    path,
    `PagerDuty ${method} ${path}: ${reason}`,
    null,
    null,
    {
      cause: err,
    },
  );
}
