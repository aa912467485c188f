/**
 * Answers to the buttons (thread replies): events, logs and rollout history. Each shows what fits in a readable
 * message — the most recent part — and, when something was left out, returns the whole thing as plain text in
 * `overflow` for the bot to upload as a file. Pure.
 */
import { formatClock, formatDateTime, oneLine, plural, truncate } from '../../render/format.js';
import { codeFence, context, escapeMrkdwn, fallbackText, fitBlocks, inlineCode, LIMITS, sections } from './limits.js';
import type { Block, RenderedMessage } from './types.js';

export interface EventRow {
  /** RFC 3339 (last seen), or null. */
  time: string | null;
  type: string;
  reason: string;
  /** `pod/checkout-api-7c9d8f6b5d-x2k4q`, `node/ip-10-0-3-47` … */
  object: string;
  message: string;
  count: number;
}

export interface LogSection {
  pod: string;
  container: string;
  /** Logs of the previous (crashed) instance of the container. */
  previous: boolean;
  lines: string[];
}

export interface RolloutRevision {
  revision: number;
  /** RFC 3339, or null. */
  createdAt: string | null;
  images: string[];
  changeCause: string | null;
  current: boolean;
}

/** Characters of one event message / log line shown in a message (the file has them whole). */
export const MAX_LINE_CHARS = 400;

/** The last lines whose escaped size fits `budget` characters. */
function tailWithin(lines: readonly string[], budget: number): { kept: string[]; dropped: number } {
  let used = 0;
  let start = lines.length;
  while (start > 0) {
    const size = escapeMrkdwn(lines[start - 1] ?? '').length + 1;
    if (used + size > budget) break;
    used += size;
    start -= 1;
  }
  return { kept: lines.slice(start), dropped: start };
}

/** The first lines whose escaped size fits `budget` characters. */
function headWithin(lines: readonly string[], budget: number): { kept: string[]; dropped: number } {
  let used = 0;
  let end = 0;
  while (end < lines.length) {
    const size = escapeMrkdwn(lines[end] ?? '').length + 1;
    if (used + size > budget) break;
    used += size;
    end += 1;
  }
  return { kept: lines.slice(0, end), dropped: lines.length - end };
}

function asOfLabel(asOf: string): string {
  return `as of ${escapeMrkdwn(formatClock(asOf) ?? asOf)}`;
}

function finish(text: string, body: Block[], full: string, leftOut: boolean): RenderedMessage {
  const { blocks, omitted } = fitBlocks(body, [], { note: 'full text attached' });
  const message: RenderedMessage = { text: fallbackText(text), blocks };
  if (leftOut || omitted > 0) message.overflow = full;
  return message;
}

// ---------------------------------------------------------------------------------------------------------------
// Events

function eventTable(events: readonly EventRow[], maxMessage: number): string[] {
  const cells = events.map((e) => [
    formatClock(e.time, { seconds: true, suffix: false }) ?? '-',
    oneLine(e.type) || '-',
    truncate(oneLine(e.reason), 40) || '-',
    truncate(oneLine(e.object), 80) || '-',
    truncate(oneLine(e.message) + (e.count > 1 ? ` (x${e.count})` : ''), maxMessage),
  ]);
  const header = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const row = (c: readonly string[]): string =>
    c
      .map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [row(header), ...cells.map(row)];
}

/** Events in kubectl's order (oldest first, as given); shows the most recent ones that fit. Times are UTC. */
export function renderEvents(title: string, asOf: string, events: readonly EventRow[]): RenderedMessage {
  const heading = `*${escapeMrkdwn(oneLine(title) || 'Events')}*`;
  const full = `${oneLine(title)} — as of ${formatClock(asOf) ?? asOf}\n${eventTable(events, Number.POSITIVE_INFINITY).join('\n')}\n`;
  if (events.length === 0) {
    return finish(
      `${oneLine(title)}: no events`,
      [...sections(`${heading}\n_No events found._`), context(asOfLabel(asOf))],
      full,
      false,
    );
  }
  const [header = '', ...rows] = eventTable(events, MAX_LINE_CHARS);
  const { kept, dropped } = tailWithin(rows, LIMITS.listChars);
  const notes = [asOfLabel(asOf), plural(events.length, 'event'), 'times in UTC'];
  if (dropped > 0) notes.push(`${plural(dropped, 'earlier event')} not shown — full list attached`);
  const cut = events.some((e) => oneLine(e.message).length + 8 > MAX_LINE_CHARS);
  const body = [...sections(`${heading}\n${codeFence([header, ...kept].join('\n'))}`), context(notes.join(' · '))];
  return finish(`${oneLine(title)}: ${plural(events.length, 'event')}`, body, full, dropped > 0 || cut);
}

// ---------------------------------------------------------------------------------------------------------------
// Logs

function logTitle(s: LogSection): string {
  return `${s.pod} / ${s.container}${s.previous ? ' (previous instance)' : ''}`;
}

/** The last lines of each container's log that fit; the whole logs go to `overflow` when anything was cut. */
export function renderLogs(title: string, asOf: string, logSections: readonly LogSection[]): RenderedMessage {
  const heading = `*${escapeMrkdwn(oneLine(title) || 'Logs')}*`;
  const split = logSections.map((s) => ({
    ...s,
    lines: s.lines.flatMap((l) => l.replace(/\r\n?/g, '\n').split('\n')),
  }));
  for (const s of split) {
    while (s.lines.length > 0 && s.lines[s.lines.length - 1] === '') s.lines.pop();
  }
  const full = `${oneLine(title)} — as of ${formatClock(asOf) ?? asOf}\n${split
    .map((s) => `==> ${logTitle(s)} <==\n${s.lines.join('\n')}${s.lines.length > 0 ? '\n' : ''}`)
    .join('\n')}`;

  const body: Block[] = [...sections(heading), context(asOfLabel(asOf), 'last lines of each container')];
  if (split.length === 0) body.push(...sections('_No logs found._'));
  let leftOut = false;
  const budget = Math.floor(LIMITS.listChars / Math.max(1, split.filter((s) => s.lines.length > 0).length));
  for (const s of split) {
    const head = `*${escapeMrkdwn(s.pod)}* · container ${inlineCode(s.container)}${s.previous ? ' · _previous instance_' : ''}`;
    if (s.lines.length === 0) {
      body.push(...sections(`${head}\n_no log lines_`));
      continue;
    }
    const shownLines = s.lines.map((l) => truncate(l, MAX_LINE_CHARS));
    if (shownLines.some((l, i) => l !== s.lines[i])) leftOut = true;
    const { kept, dropped } = tailWithin(shownLines, budget);
    if (dropped > 0) leftOut = true;
    const more = dropped > 0 ? `\n_… ${plural(dropped, 'earlier line')} not shown — full log attached_` : '';
    body.push(...sections(`${head}${more}\n${codeFence(kept.join('\n'))}`));
  }
  const text = `${oneLine(title)}: ${split.map(logTitle).join(', ') || 'no logs'}`;
  return finish(text, body, full, leftOut);
}

// ---------------------------------------------------------------------------------------------------------------
// Rollout history

/** Revisions newest first: when, which images, change-cause, and which one is current. */
export function renderRolloutHistory(asOf: string, revisions: readonly RolloutRevision[]): RenderedMessage {
  const ordered = [...revisions].sort((a, b) => b.revision - a.revision);
  const full = `Rollout history — as of ${formatClock(asOf) ?? asOf}\n${ordered
    .map(
      (r) =>
        `revision ${r.revision}${r.current ? ' (current)' : ''}  ${formatDateTime(r.createdAt) ?? '-'}\n  images: ${
          r.images.join(', ') || '-'
        }\n  change-cause: ${r.changeCause ?? '-'}`,
    )
    .join('\n')}\n`;

  const heading = '*Rollout history*';
  if (ordered.length === 0) {
    return finish(
      'Rollout history: no revisions',
      [...sections(`${heading}\n_No revisions found._`), context(asOfLabel(asOf))],
      full,
      false,
    );
  }
  const entries = ordered.map((r) => {
    const when = formatDateTime(r.createdAt);
    const first = `• *revision ${r.revision}*${r.current ? ' ✅ _current_' : ''}${when === null ? '' : ` — ${escapeMrkdwn(when)}`}`;
    const images =
      r.images.length === 0
        ? '_no images_'
        : r.images
            .slice(0, 10)
            .map((i) => inlineCode(truncate(i, 200)))
            .join(', ');
    const cause = r.changeCause === null ? '' : `\n    ${escapeMrkdwn(truncate(oneLine(r.changeCause), 300))}`;
    return `${first}\n    ${images}${cause}`;
  });
  const { kept, dropped } = headWithin(entries, LIMITS.listChars);
  const notes = [asOfLabel(asOf), plural(ordered.length, 'revision')];
  if (dropped > 0) notes.push(`${plural(dropped, 'older revision')} not shown — full history attached`);
  const body = [...sections(`${heading}\n${kept.join('\n')}`), context(notes.join(' · '))];
  const current = ordered.find((r) => r.current);
  const text = `Rollout history: ${plural(ordered.length, 'revision')}${current ? `, current revision ${current.revision}` : ''}`;
  const cut = ordered.some(
    (r) => r.images.length > 10 || (r.changeCause !== null && oneLine(r.changeCause).length > 300),
  );
  return finish(text, body, full, dropped > 0 || cut);
}
