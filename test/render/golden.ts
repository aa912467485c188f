/**
 * Golden files: compare renderer output with `test/golden/<name>` at the repository root (not in dist/), or rewrite
 * them when `UPDATE_GOLDEN=1`. JSON goldens are compared as data, so reformatting them (Biome) changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** This module runs as dist/test/render/golden.js: three levels up is the repository root. */
const ROOT = new URL('../../../', import.meta.url);
export const GOLDEN_DIR = new URL('test/golden/', ROOT);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

if (!existsSync(new URL('package.json', ROOT))) {
  throw new Error(`golden: ${fileURLToPath(ROOT)} is not the repository root`);
}

function file(name: string): URL {
  return new URL(name, GOLDEN_DIR);
}

function expected(name: string): string {
  const url = file(name);
  if (!existsSync(url)) assert.fail(`golden file ${fileURLToPath(url)} is missing (run with UPDATE_GOLDEN=1)`);
  return readFileSync(url, 'utf8');
}

function write(name: string, content: string): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  writeFileSync(file(name), content);
}

export function goldenText(name: string, actual: string): void {
  if (UPDATE) {
    write(name, actual);
    return;
  }
  assert.equal(actual, expected(name), `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

export function goldenJson(name: string, actual: unknown): void {
  const data: unknown = JSON.parse(JSON.stringify(actual));
  if (UPDATE) {
    write(name, `${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  assert.deepEqual(
    data,
    JSON.parse(expected(name)),
    `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`,
  );
}
