/**
 * What a fix does to the live object, worked out before anyone approves it. Pure: given the live object
 * (and, when the server-side dry run succeeded, the object the API server would store), it lists the fields
 * that change with their values before and after, and renders a unified diff of the object as YAML.
 */
import { stringify } from 'yaml';
import type { KubeObject } from '../domain/k8s.js';
import type { Fix, ResourceRef } from '../domain/result.js';
import { patchYaml } from '../render/fix.js';
// The simulator's patch engine is pure (no server state): the same strategic/merge/JSON patch semantics
// its tests pin down, reused here to preview a patch when the server's dry run is not available.
import {
  deepEqual,
  type Json,
  type JsonObject,
  jsonPatch,
  mergePatch,
  strategicMerge,
} from '../simulators/kube/patch.js';

export interface FieldChange {
  /** Readable path: `spec.template.spec.containers[payments].livenessProbe.timeoutSeconds`. */
  path: string;
  /** JSON pointer of the field in the object after the patch (list items by index). */
  pointer: string;
  /** undefined = the field is absent on that side. */
  before: unknown;
  after: unknown;
}

export interface FixPlan {
  /** `apps/v1 Deployment shop/checkout-api` */
  resource: string;
  patchYaml: string;
  changes: FieldChange[];
  /** Unified diff of the object (metadata noise and status left out); '' when nothing changes. */
  diff: string;
  /** True when the change rolls the workload's pods (its pod template changes). */
  restartsPods: boolean;
}

/** `apps/v1 Deployment shop/checkout-api` */
export function resourceLabel(ref: ResourceRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** The object the patch would produce, computed locally (throws PatchError for a patch that cannot apply). */
export function applyLocally(fix: Fix, live: KubeObject): KubeObject {
  const doc = live as JsonObject;
  switch (fix.patchType) {
    case 'strategic':
      return strategicMerge(doc, fix.patch as Json, live.kind);
    case 'merge':
      return mergePatch(doc, fix.patch as Json) as KubeObject;
    case 'json':
      return jsonPatch(doc, fix.patch) as KubeObject;
  }
}

const VOLATILE_METADATA = ['resourceVersion', 'generation', 'managedFields', 'uid', 'creationTimestamp', 'selfLink'];

/** The object as a reviewer compares it: no status, no server-maintained metadata. */
export function comparable(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const metadata: Record<string, unknown> = { ...(obj.metadata ?? {}) };
  for (const k of VOLATILE_METADATA) delete metadata[k];
  return { ...rest, metadata };
}

const WORKLOADS_WITH_TEMPLATE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function planFix(fix: Fix, live: KubeObject, after: KubeObject = applyLocally(fix, live)): FixPlan {
  const before = comparable(live);
  const next = comparable(after);
  const changes = changedFields(before, next);
  const label = resourceLabel(fix.resource);
  const rv = live.metadata?.resourceVersion;
  const diff =
    changes.length === 0
      ? ''
      : unifiedDiff(toYaml(before), toYaml(next), {
          from: `live ${label}${rv ? ` (resourceVersion ${rv})` : ''}`,
          to: 'after the patch',
        });
  return {
    resource: label,
    patchYaml: patchYaml(fix),
    changes,
    diff,
    restartsPods:
      WORKLOADS_WITH_TEMPLATE.has(fix.resource.kind) && changes.some((c) => c.path.startsWith('spec.template.')),
  };
}

function toYaml(obj: KubeObject): string {
  return stringify(obj, { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------------------------
// Field changes

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const displayKey = (k: string) => (/^[A-Za-z_$][\w$-]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/** Names of a list's items when every item is an object with a distinct string `name` (containers, env, volumes…). */
function names(list: unknown[]): string[] | null {
  const out: string[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || out.includes(item.name)) return null;
    out.push(item.name);
  }
  return out;
}

/**
 * The leaf fields that differ between two objects. Lists of named items are matched by name, other lists of
 * equal length by index; a list whose items were added or removed is one change of the whole list.
 */
export function changedFields(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (b: unknown, a: unknown, path: string, pointer: string): void => {
    if (deepEqual(b, a)) return;
    if (isRecord(b) && isRecord(a)) {
      const keys = [...Object.keys(b), ...Object.keys(a).filter((k) => !Object.hasOwn(b, k))];
      for (const k of keys) walk(b[k], a[k], `${path}${displayKey(k)}`, `${pointer}/${escapePointer(k)}`);
      return;
    }
    if (Array.isArray(b) && Array.isArray(a)) {
      const nb = names(b);
      const na = names(a);
      if (nb && na && nb.length === na.length && nb.every((n) => na.includes(n))) {
        na.forEach((n, i) => {
          walk(b[nb.indexOf(n)], a[i], `${path}[${n}]`, `${pointer}/${i}`);
        });
        return;
      }
      if (!nb && !na && b.length === a.length) {
        a.forEach((item, i) => {
          walk(b[i], item, `${path}[${i}]`, `${pointer}/${i}`);
        });
        return;
      }
    }
    out.push({ path: path.replace(/^\./, ''), pointer, before: b, after: a });
  };
  walk(before, after, '', '');
  return out;
}

/**
 * The patch that undoes `changes` (computed against the object the fix produced): a JSON patch that first
 * tests every field still holds the value the fix set, so it never overwrites someone else's later edit.
 */
export function inverseFix(fix: Fix, changes: readonly FieldChange[]): Fix | null {
  if (changes.length === 0) return null;
  const ops = changes.flatMap((c) => {
    if (c.after === undefined) return [{ op: 'add', path: c.pointer, value: c.before }];
    const test = { op: 'test', path: c.pointer, value: c.after };
    if (c.before === undefined) return [test, { op: 'remove', path: c.pointer }];
    return [test, { op: 'replace', path: c.pointer, value: c.before }];
  });
  return { summary: `roll back: ${fix.summary}`, resource: fix.resource, patchType: 'json', patch: ops };
}

// ---------------------------------------------------------------------------------------------------------------
// Unified diff

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Longest-common-subsequence line diff of the middle part (common prefix and suffix trimmed first). */
function diffLines(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  const middle: Op[] = [];
  if (ma.length * mb.length > 4_000_000) {
    // Too large to align line by line: show the region as replaced.
    middle.push(
      ...ma.map((line) => ({ kind: '-' as const, line })),
      ...mb.map((line) => ({ kind: '+' as const, line })),
    );
  } else {
    const w = mb.length + 1;
    const lcs = new Uint32Array((ma.length + 1) * w);
    for (let i = ma.length - 1; i >= 0; i--) {
      for (let j = mb.length - 1; j >= 0; j--) {
        lcs[i * w + j] =
          ma[i] === mb[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < ma.length || j < mb.length) {
      if (i < ma.length && j < mb.length && ma[i] === mb[j]) {
        middle.push({ kind: ' ', line: ma[i]! });
        i++;
        j++;
      } else if (i < ma.length && (j === mb.length || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        middle.push({ kind: '-', line: ma[i]! });
        i++;
      } else {
        middle.push({ kind: '+', line: mb[j]! });
        j++;
      }
    }
  }
  return [
    ...a.slice(0, start).map((line) => ({ kind: ' ' as const, line })),
    ...middle,
    ...a.slice(endA).map((line) => ({ kind: ' ' as const, line })),
  ];
}

const indent = (line: string) => line.length - line.trimStart().length;

/** Like git's function context: the nearest line above a hunk's first change that encloses it (YAML parent key). */
function heading(ops: Op[], from: number, to: number): string {
  const first = ops.slice(from, to).find((op) => op.kind !== ' ');
  if (!first) return '';
  const depth = indent(first.line);
  for (let i = ops.indexOf(first) - 1; i >= 0; i--) {
    const op = ops[i]!;
    if (op.kind !== '+' && op.line.trim() !== '' && indent(op.line) < depth) return ` ${op.line.trim()}`;
  }
  return '';
}

/**
 * A unified diff: `---`/`+++` headers, then `@@ -a,n +b,m @@ parent:` hunks with `context` lines around each change.
 */
export function unifiedDiff(
  before: string,
  after: string,
  opts: { from: string; to: string; context?: number },
): string {
  const split = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const ops = diffLines(split(before), split(after));
  const context = opts.context ?? 3;
  const changed = ops.map((op, i) => (op.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into hunks of op indices [from, to).
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(ops.length, i + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }
  // Line numbers (1-based) in each file at each op index.
  const lineA: number[] = [];
  const lineB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const op of ops) {
    lineA.push(la);
    lineB.push(lb);
    if (op.kind !== '+') la++;
    if (op.kind !== '-') lb++;
  }
  const out = [`--- ${opts.from}`, `+++ ${opts.to}`];
  for (const [from, to] of hunks) {
    const slice = ops.slice(from, to);
    const countA = slice.filter((op) => op.kind !== '+').length;
    const countB = slice.filter((op) => op.kind !== '-').length;
    const startA = countA === 0 ? lineA[from]! - 1 : lineA[from]!;
    const startB = countB === 0 ? lineB[from]! - 1 : lineB[from]!;
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@${heading(ops, from, to)}`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return out.join('\n');
}
