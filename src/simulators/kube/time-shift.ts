/**
 * Scenario time shifting: every RFC 3339 date-time in the scenario's objects and logs is moved by
 * `realNow - scenario.now`, keeping its precision (fraction digits) and its UTC offset.
 */
import type { Scenario } from '../../scenario/schema.js';

/** A full RFC 3339 date-time (date, `T`, time, optional fraction, zone). */
const RFC3339_SOURCE =
  '(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?([Zz]|[+-]\\d{2}:\\d{2})';
const WHOLE = new RegExp(`^${RFC3339_SOURCE}$`);
const EMBEDDED = new RegExp(`(?<![\\d.:-])${RFC3339_SOURCE}(?![\\d:])`, 'g');

/** True when `s` is exactly one full RFC 3339 date-time. */
export function isRfc3339(s: string): boolean {
  return WHOLE.test(s);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Shift one matched timestamp. Works in nanoseconds (BigInt) so that microsecond and nanosecond
 * fractions survive; the result has the same number of fraction digits and the same zone text.
 */
function shiftMatch(groups: string[], deltaMs: number): string | undefined {
  const [y, mo, d, h, mi, s, frac, zone] = groups;
  if (!y || !mo || !d || !h || !mi || !s || !zone) return undefined;
  const offsetMin =
    zone === 'Z' || zone === 'z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const wallMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wallMs)) return undefined;
  const fracDigits = frac?.length ?? 0;
  const fracNs = frac ? BigInt(frac.padEnd(9, '0')) : 0n;
  const utcNs = BigInt(wallMs - offsetMin * 60_000) * 1_000_000n + fracNs;
  const shiftedNs = utcNs + BigInt(Math.round(deltaMs)) * 1_000_000n;
  // Back to the original zone's wall clock.
  const localNs = shiftedNs + BigInt(offsetMin * 60_000) * 1_000_000n;
  let secs = localNs / 1_000_000_000n;
  let rem = localNs % 1_000_000_000n;
  if (rem < 0n) {
    rem += 1_000_000_000n;
    secs -= 1n;
  }
  const date = new Date(Number(secs) * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`;
  const fracOut = fracDigits > 0 ? `.${rem.toString().padStart(9, '0').slice(0, fracDigits)}` : '';
  return `${base}${fracOut}${zone}`;
}

/** Shift every RFC 3339 date-time inside `text` (whole string or embedded, e.g. in messages and log lines). */
export function shiftTimestampsInText(text: string, deltaMs: number): string {
  if (deltaMs === 0 || !Number.isFinite(deltaMs) || text.length < 20) return text;
  return text.replace(EMBEDDED, (match: string, ...rest: unknown[]) => {
    const groups = rest.slice(0, 8) as string[];
    return shiftMatch(groups, deltaMs) ?? match;
  });
}

/** Deep copy of a JSON value with every timestamp string shifted. */
export function shiftValue<T>(value: T, deltaMs: number): T {
  if (typeof value === 'string') return shiftTimestampsInText(value, deltaMs) as T;
  if (Array.isArray(value)) return value.map((v) => shiftValue(v, deltaMs)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = shiftValue(v, deltaMs);
    return out as T;
  }
  return value;
}

/**
 * Pure: a copy of `scenario` whose timestamps (objects and log text) are moved so that
 * `scenario.now` becomes `realNow`. The returned scenario's `now` is `realNow`.
 */
export function shiftScenarioTimes(scenario: Scenario, realNow: Date): Scenario {
  const deltaMs = realNow.getTime() - new Date(scenario.now).getTime();
  return {
    ...scenario,
    now: realNow.toISOString(),
    objects: scenario.objects.map((o) => shiftValue(o, deltaMs)),
    logs: scenario.logs.map((l) => ({ ...l, text: shiftTimestampsInText(l.text, deltaMs) })),
    forbidden: scenario.forbidden.map((f) => ({ ...f })),
  };
}
