/**
 * Small pure formatting helpers shared by the CLI text renderer and the Slack Block Kit renderers.
 * No clock, no locale, no time zone: every time is formatted from the RFC 3339 string it comes with, in UTC.
 */
import type { Confidence, InvestigationResult } from '../domain/result.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** Parses an RFC 3339 timestamp that carries its offset; anything else (which `Date` would read as local time) is null. */
export function parseTime(value: string | null | undefined): Date | null {
  if (value == null || !RFC3339.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `01:47 UTC` (or `01:47:05 UTC` with `seconds`). Null for null; a value that is not an RFC 3339 time with an
 * offset is returned as given, so nothing is silently lost.
 */
export function formatClock(
  value: string | null | undefined,
  opts: { seconds?: boolean; suffix?: boolean } = {},
): string | null {
  if (value == null) return null;
  const d = parseTime(value);
  if (d === null) return value;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  const clock = opts.seconds ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
  return opts.suffix === false ? clock : `${clock} UTC`;
}

/** `2026-04-25 19:52 UTC`: for times that may be days old (rollout history). */
export function formatDateTime(value: string | null | undefined): string | null {
  if (value == null) return null;
  const d = parseTime(value);
  if (d === null) return value;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Sort key for a time string: epoch ms, or +Infinity for missing/unparseable times (they sort last). */
export function timeKey(value: string | null | undefined): number {
  const d = parseTime(value);
  return d === null ? Number.POSITIVE_INFINITY : d.getTime();
}

export function formatMs(ms: number): string {
  return `${Math.round(ms)}ms`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const CONFIDENCE_WORD: Record<Confidence, string> = { high: 'High', medium: 'Medium', low: 'Low' };

export function confidenceWord(confidence: Confidence): string {
  return CONFIDENCE_WORD[confidence];
}

/** `High (4 corroborating signals)`, `Low (1 corroborating signal)`, `Low (no corroborating signals)`. */
export function confidenceLabel(confidence: Confidence, signals: number): string {
  const count = signals === 0 ? 'no corroborating signals' : plural(signals, 'corroborating signal');
  return `${confidenceWord(confidence)} (${count})`;
}

/** `Deployment shop/checkout-api` (`Node ip-10-0-3-47` when there is no namespace). */
export function targetLabel(target: Pick<InvestigationResult['target'], 'kind' | 'namespace' | 'name'>): string {
  return target.namespace ? `${target.kind} ${target.namespace}/${target.name}` : `${target.kind} ${target.name}`;
}

/** Cuts `text` to at most `max` characters (code units), ending with `…` when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return text.slice(0, Math.max(0, max));
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Collapses every run of whitespace (newlines included) into one space: for one-line renderings. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
