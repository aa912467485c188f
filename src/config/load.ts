/**
 * Load and validate configuration at start-up. Any problem is one clear line naming the variable or
 * config path; the caller exits 78 (EX_CONFIG). Secrets are never echoed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type Env, EnvSchema, type FileConfig, FileConfigSchema } from './schema.js';

export const EX_CONFIG = 78;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Config {
  env: Env;
  file: FileConfig;
  /** Path of the config file in use, or null for embedded defaults. */
  configPath: string | null;
  mode: 'socket' | 'http';
}

function issuePath(issue: z.core.$ZodIssue): string {
  return issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
}

export function loadEnv(source: NodeJS.ProcessEnv, opts: { requireSlack: boolean }): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issuePath(issue)}: ${issue.message}`);
  }
  const env = parsed.data;
  if (opts.requireSlack) {
    if (!env.SLACK_BOT_TOKEN) throw new ConfigError('SLACK_BOT_TOKEN: required (a bot token, xoxb-…)');
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET)
      throw new ConfigError('SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for socket mode)');
  }
  return env;
}

export function parseFileConfig(text: string, file: string): FileConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = FileConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issuePath(issue);
    const detail =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : issue.message;
    throw new ConfigError(`${file}${path ? ` ${path}` : ''}: ${detail}`);
  }
  const cfg = parsed.data;
  const clusters = new Set(cfg.clusters.map((c) => c.name));
  cfg.routes.forEach((r, i) => {
    if (r.cluster && !clusters.has(r.cluster))
      throw new ConfigError(
        `${file} routes[${i}].cluster: "${r.cluster}" is not one of clusters[].name (${[...clusters].join(', ') || 'none defined'})`,
      );
  });
  return cfg;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, opts = { requireSlack: true }): Config {
  const env = loadEnv(source, opts);
  const path = env.CAUSA_CONFIG ?? (existsSync('./causa.yaml') ? './causa.yaml' : null);
  let file: FileConfig = FileConfigSchema.parse({});
  if (path) {
    if (!existsSync(path)) throw new ConfigError(`CAUSA_CONFIG: file not found: ${path}`);
    file = parseFileConfig(readFileSync(path, 'utf8'), path);
  }
  return { env, file, configPath: path, mode: env.SLACK_APP_TOKEN ? 'socket' : 'http' };
}
