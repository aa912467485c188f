/** `npm run docs:config`: rewrites the configuration reference between its markers in README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configReference } from '../config/reference.js';

export const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const BLOCK = /<!-- config-reference:start[\s\S]*?<!-- config-reference:end -->/;

export function withReference(readme: string): string {
  return BLOCK.test(readme)
    ? readme.replace(BLOCK, configReference())
    : `${readme.trimEnd()}\n\n## Configuration reference\n\n${configReference()}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, withReference(readFileSync(README, 'utf8')));
  process.stdout.write(`updated ${README}\n`);
}
