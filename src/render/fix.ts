/** How a proposed fix is shown: the equivalent kubectl command and the patch as YAML. Pure. */
import { stringify } from 'yaml';
import type { Fix } from '../domain/result.js';

/** Wraps `value` in single quotes for a POSIX shell (`'` becomes `'\''`). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The patch as compact JSON (`{}` when the patch is missing). */
export function patchJson(fix: Fix): string {
  return JSON.stringify(fix.patch ?? {}) ?? '{}';
}

/** The patch as block YAML, without the trailing newline. */
export function patchYaml(fix: Fix): string {
  return stringify(fix.patch ?? {}, { lineWidth: 0 }).replace(/\n+$/, '');
}

/**
 * `kubectl [--context C] -n NS patch kind/name --type=strategic -p '{…}'`: what a responder would run by hand.
 * The context is named when known, so the command never lands on whatever cluster happens to be current.
 */
export function kubectlPatchCommand(fix: Fix, context: string | null): string {
  const { resource } = fix;
  const parts = ['kubectl'];
  if (context) parts.push('--context', shellWord(context));
  if (resource.namespace) parts.push('-n', shellWord(resource.namespace));
  parts.push(
    'patch',
    shellWord(`${resource.kind.toLowerCase()}/${resource.name}`),
    `--type=${fix.patchType}`,
    '-p',
    shellQuote(patchJson(fix)),
  );
  return parts.join(' ');
}

/** Leaves Kubernetes-style names bare; quotes anything else. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._/:@=-]+$/.test(value) ? value : shellQuote(value);
}
