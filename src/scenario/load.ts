import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type Scenario, ScenarioSchema } from './schema.js';

export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${file}${path ? ` at ${path}` : ''}: ${detail}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

/** Parse and validate scenario text; errors name the file and the path inside it. */
export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ScenarioError(file, '', `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new ScenarioError(file, formatPath(issue.path), issue.message);
  }
  const seen = new Set<string>();
  parsed.data.objects.forEach((obj, i) => {
    const key = `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (seen.has(key)) throw new ScenarioError(file, `objects[${i}]`, `duplicate object ${key}`);
    seen.add(key);
  });
  return parsed.data;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, '', (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err));
  }
  return parseScenario(text, file);
}
