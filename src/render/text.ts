/**
 * The CLI's text answer (`causa investigate --output text`): the layout responders know from the seed postmortem.
 *
 *   ROOT CAUSE: …
 *   EVIDENCE: / FIX: / CONFIDENCE: / RULED OUT: / OTHER HYPOTHESES: / TIMELINE: / STEPS:
 *
 * Pure: no clock, no environment. Colour only when asked for. Text that comes from the cluster is made
 * terminal-safe (control characters such as ESC are shown as `\xNN`, never emitted raw).
 */
import type { Confidence, InvestigationResult, StepStatus } from '../domain/result.js';
import { kubectlPatchCommand, patchYaml } from './fix.js';
import { confidenceLabel, formatClock, formatDateTime, formatMs, parseTime, plural, timeKey } from './format.js';

export interface TextOptions {
  /** ANSI colours: bold headings, confidence in green/yellow/red. Default false. */
  color?: boolean;
}

const ESC = '\x1b[';
const BOLD = [`${ESC}1m`, `${ESC}22m`] as const;
const DIM = [`${ESC}2m`, `${ESC}22m`] as const;
const CONFIDENCE_COLOR: Record<Confidence, readonly [string, string]> = {
  high: [`${ESC}32m`, `${ESC}39m`],
  medium: [`${ESC}33m`, `${ESC}39m`],
  low: [`${ESC}31m`, `${ESC}39m`],
};

interface Paint {
  heading(text: string): string;
  dim(text: string): string;
  confidence(confidence: Confidence, text: string): string;
}

const PLAIN: Paint = { heading: (t) => t, dim: (t) => t, confidence: (_c, t) => t };
const ANSI: Paint = {
  heading: (t) => BOLD[0] + t + BOLD[1],
  dim: (t) => DIM[0] + t + DIM[1],
  confidence: (c, t) => CONFIDENCE_COLOR[c][0] + t + CONFIDENCE_COLOR[c][1],
};

/**
 * Makes text from the cluster safe for a terminal, keeping line breaks: control characters (ESC, CR, BEL, C1 …)
 * become visible `\xNN`; tabs become spaces.
 */
export function terminalSafe(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\t/g, '  ')
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}

/** Terminal-safe, and every line after the first indented by `indent` so multi-line text stays in its section. */
function block(text: string, indent: string): string {
  return terminalSafe(text).split('\n').join(`\n${indent}`);
}

function stepSummary(step: { name: string; status: string; durationMs: number; apiCalls: number }): string {
  return `${terminalSafe(step.name)} ${step.status} ${formatMs(step.durationMs)} ${plural(step.apiCalls, 'call')}`;
}

/** The whole answer as text, without a trailing newline. */
export function renderText(result: InvestigationResult, opts: TextOptions = {}): string {
  const paint = opts.color ? ANSI : PLAIN;
  const rc = result.rootCause;
  const out: string[] = [];

  out.push(`${paint.heading('ROOT CAUSE:')} ${block(rc.summary, '  ')}`);
  if (rc.trigger !== null) out.push(`  Trigger: ${block(rc.trigger, '    ')}`);
  out.push('');

  out.push(paint.heading('EVIDENCE:'));
  if (rc.evidence.length === 0) out.push('  (none)');
  for (const item of rc.evidence) {
    const time = formatClock(item.time);
    const head = time === null ? '' : `${terminalSafe(time)} `;
    out.push(`  • ${head}${block(item.text, '    ')}  ${paint.dim(`(${terminalSafe(item.ref)})`)}`);
  }
  out.push('');

  if (rc.fix !== null) {
    out.push(`${paint.heading('FIX:')} ${block(rc.fix.summary, '  ')}`);
    out.push(`  ${terminalSafe(kubectlPatchCommand(rc.fix, result.target.context))}`);
    out.push(block(`    ${patchYaml(rc.fix).split('\n').join('\n    ')}`, ''));
    if (rc.advice !== null) out.push(`  Note: ${block(rc.advice, '    ')}`);
  } else {
    const advice = rc.advice === null ? '' : ` — ${block(rc.advice, '  ')}`;
    out.push(`${paint.heading('FIX:')} none automatic${advice}`);
  }
  out.push('');

  out.push(
    `${paint.heading('CONFIDENCE:')} ${paint.confidence(rc.confidence, confidenceLabel(rc.confidence, rc.signals))}`,
  );

  if (result.ruledOut.length > 0) {
    out.push('', paint.heading('RULED OUT:'));
    for (const r of result.ruledOut) out.push(`  • ${r.id} — ${block(r.reason, '    ')}`);
  }

  const ruledOut = new Set<string>(result.ruledOut.map((r) => r.id));
  const others = result.hypotheses.filter((h) => h.id !== rc.id && !ruledOut.has(h.id));
  if (others.length > 0) {
    out.push('', paint.heading('OTHER HYPOTHESES:'));
    for (const h of others) {
      const conf = paint.confidence(h.confidence, `${h.confidence}, ${plural(h.signals, 'signal')}`);
      out.push(`  • ${h.id} (${conf}) — ${block(h.summary, '    ')}`);
    }
  }

  if (result.timeline.length > 0) {
    out.push('', paint.heading('TIMELINE:'));
    const ordered = result.timeline
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => timeKey(a.entry.time) - timeKey(b.entry.time) || a.index - b.index);
    // Entries from another day than the incident's last one (old rollouts) carry their date.
    const day = (t: string | null) => parseTime(t)?.toISOString().slice(0, 10) ?? null;
    const lastDay = day(
      ordered
        .map((o) => o.entry.time)
        .filter((t) => parseTime(t) !== null)
        .at(-1) ?? null,
    );
    for (const { entry } of ordered) {
      const sameDay = lastDay === null || day(entry.time) === null || day(entry.time) === lastDay;
      const time = terminalSafe(
        (sameDay ? formatClock(entry.time, { seconds: true }) : formatDateTime(entry.time)) ?? '',
      );
      out.push(`  ${time}  ${block(entry.text, '    ')}  ${paint.dim(`(${terminalSafe(entry.ref)})`)}`);
    }
  }

  out.push('');
  const steps = result.steps.map(stepSummary).join(' · ');
  out.push(`${paint.heading('STEPS:')} ${steps === '' ? '(none)' : steps}`);
  out.push(`  ${plural(result.stats.apiCalls, 'API call')} in ${Math.round(result.stats.durationMs)} ms`);
  for (const step of result.steps) {
    const missing = step.missing ?? [];
    if (step.status !== 'error' && missing.length === 0) continue;
    const parts = [`  ✗ ${terminalSafe(step.name)} ${step.status}`];
    if (step.error !== null) parts.push(`: ${oneLineSafe(step.error)}`);
    if (missing.length > 0) parts.push(`; missing RBAC: ${missing.map(oneLineSafe).join(', ')}`);
    out.push(parts.join(''));
  }

  return out.join('\n');
}

function oneLineSafe(text: string): string {
  return terminalSafe(text.replace(/\s*\n\s*/g, ' '));
}

export interface ProgressStep {
  name: string;
  status: StepStatus | 'running';
  durationMs: number;
  apiCalls: number;
  error?: string | null | undefined;
}

const PROGRESS_MARK: Record<ProgressStep['status'], string> = {
  running: '…',
  ok: '✓',
  empty: '·',
  skipped: '-',
  error: '✗',
};

/** One progress line for stderr (no trailing newline): `✓ pod-events ok 31ms 3 calls`. */
export function renderProgress(step: ProgressStep, opts: TextOptions = {}): string {
  const mark = PROGRESS_MARK[step.status];
  const name = terminalSafe(step.name);
  if (step.status === 'running') return `${mark} ${name} …`;
  let line = `${mark} ${stepSummary({ ...step, name })}`;
  if (step.error != null && step.error !== '') line += `: ${oneLineSafe(step.error)}`;
  if (opts.color && step.status === 'error') line = `${ESC}31m${line}${ESC}39m`;
  return line;
}
