/** Time helpers (pure, deterministic): parsing, differences, human durations, clock formatting. */

/** Milliseconds since the epoch, or null for missing/unparseable/zero times (`1970-01-01` = "not set"). */
export function ms(t: string | null | undefined): number | null {
  if (!t) return null;
  const v = Date.parse(t);
  if (Number.isNaN(v) || v <= 0) return null;
  return v;
}

/** RFC 3339 without a zero millisecond part (`2026-04-26T01:47:00Z`). */
export function iso(v: number): string {
  const s = new Date(v).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** b - a in ms (null when either is unknown). */
export function diff(a: string | null | undefined, b: string | null | undefined): number | null {
  const x = ms(a);
  const y = ms(b);
  return x === null || y === null ? null : y - x;
}

export function earliest(times: readonly (string | null | undefined)[]): string | null {
  let best: { t: string; v: number } | null = null;
  for (const t of times) {
    const v = ms(t);
    if (v !== null && (best === null || v < best.v)) best = { t: t as string, v };
  }
  return best?.t ?? null;
}

export function latest(times: readonly (string | null | undefined)[]): string | null {
  let best: { t: string; v: number } | null = null;
  for (const t of times) {
    const v = ms(t);
    if (v !== null && (best === null || v > best.v)) best = { t: t as string, v };
  }
  return best?.t ?? null;
}

export function between(t: string | null | undefined, from: number, to: number): boolean {
  const v = ms(t);
  return v !== null && v >= from && v <= to;
}

function trim1(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** Human duration: `3.5 s`, `40 s`, `2 min`, `1h 20 min`, `6h`, `2d`. Sign is ignored. */
export function human(durationMs: number): string {
  const d = Math.abs(durationMs);
  if (d < 1000) return d === 0 ? '0 s' : '<1 s';
  const s = d / 1000;
  if (s < 10) return `${trim1(s)} s`;
  if (s < 59.5) return `${Math.round(s)} s`;
  const min = s / 60;
  if (min < 59.5) return `${Math.round(min)} min`;
  const h = min / 60;
  if (h < 3) {
    const whole = Math.floor(h);
    const rest = Math.round(min - whole * 60);
    if (rest >= 60) return `${whole + 1}h`;
    return rest >= 5 ? `${whole}h ${rest} min` : `${whole}h`;
  }
  if (h < 47.5) return `${Math.round(h)}h`;
  return `${Math.round(h / 24)}d`;
}

/** Seconds as a short human number: 3.5 → `3.5 s`, 90 → `90 s`. */
export function seconds(sec: number): string {
  return `${trim1(sec)} s`;
}

/** `HH:MM UTC` (rounded to the nearest minute), with the date when it is more than 20 h away from `now`. */
export function clock(t: string | null | undefined, now?: string): string {
  const raw = ms(t);
  if (raw === null) return 'unknown time';
  const v = Math.round(raw / 60_000) * 60_000;
  const s = new Date(v).toISOString();
  const hm = `${s.slice(11, 16)} UTC`;
  const n = ms(now);
  if (n !== null && Math.abs(n - v) > 20 * 3600_000) return `${s.slice(0, 10)} ${hm}`;
  return hm;
}

/** `HH:MM` only (for compact lists such as "NotReady 01:42, Ready 01:47"). */
export function hhmm(t: string | null | undefined): string {
  const v = ms(t);
  return v === null ? '?' : new Date(Math.round(v / 60_000) * 60_000).toISOString().slice(11, 16);
}

/** `HH:MM:SS` with optional fraction (for log-derived measurements). */
export function hhmmss(v: number): string {
  const s = new Date(v).toISOString();
  const frac = s.slice(19, 23);
  return frac === '.000' ? s.slice(11, 19) : s.slice(11, 23).replace(/0+$/, '');
}

/** "2 min before", "3 min after", "at the same time" (a relative to b). */
export function relative(a: string | null | undefined, b: string | null | undefined): string {
  const d = diff(b, a);
  if (d === null) return '';
  if (Math.abs(d) < 30_000) return 'at the same time as';
  return `${human(d)} ${d < 0 ? 'before' : 'after'}`;
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

function fracMs(frac: string | undefined): number {
  if (!frac) return 0;
  return Math.round(Number(`0.${frac.replace(/^[.,]/, '')}`) * 1000);
}

/**
 * Timestamp at the start of a log line (UTC assumed when no zone is written). Handles RFC 3339 /
 * ISO (`2026-04-26T01:47:03.123Z`, `2026-04-26 01:47:03,123`), kubectl `--timestamps` prefixes,
 * Redis (`1:M 26 Apr 2026 01:47:03.123 *`), Go (`2026/04/26 01:47:03`), klog (`I0426 01:47:03.1`)
 * and JSON lines with a `time`/`ts`/`timestamp`/`@timestamp` field. `year` fills klog's missing year.
 */
export function parseLogTime(line: string, year?: number): number | null {
  const l = line.trimStart();
  let m = /^\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})([.,]\d+)?(Z| ?UTC|[+-]\d{2}:?\d{2})?/.exec(l);
  if (m) {
    let v = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fracMs(m[7]);
    const z = m[8]?.trim();
    if (z && z !== 'Z' && z !== 'UTC') {
      const zm = /([+-])(\d{2}):?(\d{2})/.exec(z);
      if (zm) v -= (zm[1] === '-' ? -1 : 1) * (+zm[2]! * 60 + +zm[3]!) * 60_000;
    }
    return v;
  }
  m = /^\d+:[A-Z] (\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(l);
  if (m) {
    const mon = MONTHS[m[2]!.toLowerCase()];
    if (mon !== undefined) return Date.UTC(+m[3]!, mon, +m[1]!, +m[4]!, +m[5]!, +m[6]!) + fracMs(m[7]);
  }
  m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(l);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fracMs(m[7]);
  m = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?/.exec(l);
  if (m && year !== undefined) return Date.UTC(year, +m[1]! - 1, +m[2]!, +m[3]!, +m[4]!, +m[5]!) + fracMs(m[6]);
  if (l.startsWith('{')) {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      for (const k of ['time', 'ts', 'timestamp', '@timestamp']) {
        const v = o[k];
        if (typeof v === 'string') {
          const p = parseLogTime(v, year);
          if (p !== null) return p;
        } else if (typeof v === 'number' && v > 1e9) {
          return v > 1e12 ? v : v * 1000;
        }
      }
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * `parseLogTime` as an RFC 3339 string (year taken from `now` for klog lines). Times that cannot
 * belong to this incident (after `now`, or more than 3 days before it) are dropped as unreliable.
 */
export function parseLogTimeIso(line: string, now?: string): string | null {
  const n = ms(now);
  const v = parseLogTime(line, n === null ? undefined : new Date(n).getUTCFullYear());
  if (v === null) return null;
  if (n !== null && (v > n + 10 * 60_000 || v < n - 3 * 24 * 3600_000)) return null;
  return iso(v);
}
