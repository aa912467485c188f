/**
 * Forward-only, numbered SQL migrations with checksums (postgres-migrations style):
 * `migrations/0001_init.sql`, `0002_….sql`, … consecutive from 0001. Each pending file runs inside
 * its own transaction together with its `schema_migrations` row. The bot refuses to start when an
 * applied file was edited (checksum), renamed or removed, or when the directory is malformed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { iso, type Now, systemNow } from './clock.js';
import { MigrationError } from './errors.js';

/**
 * `<repo>/migrations/`. Compiled code runs from `dist/src/store/`, three levels below the root;
 * run from source (`src/store/*.ts`, e.g. with tsx) it is two levels.
 */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? '../../migrations/' : '../../../migrations/', import.meta.url),
);

const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_-]*)\.sql$/;

export interface MigrationFile {
  version: number;
  /** File name, e.g. `0001_init.sql`. */
  name: string;
  sha256: string;
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  sha256: string;
  appliedAt: string;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  applied: AppliedMigration[];
  /** Schema version after the call (0 for an empty directory). */
  version: number;
}

export interface MigrateOptions {
  now?: Now;
}

/** sha256 of the file with CRLF normalised to LF, so a Windows checkout does not look edited. */
export function checksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Reads and checks the migration directory: names, numbering (consecutive from 0001), no duplicates. */
export function readMigrations(dir: string | URL): MigrationFile[] {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (err) {
    throw new MigrationError(`cannot read the migrations directory ${path}: ${(err as Error).message}`, null, {
      cause: err,
    });
  }
  const files: MigrationFile[] = [];
  for (const name of entries) {
    if (!name.toLowerCase().endsWith('.sql')) continue; // README.md and the like
    const m = FILE_NAME.exec(name);
    if (m === null) {
      throw new MigrationError(
        `migration file ${name} is badly named: expected NNNN_name.sql (four digits, lower-case name)`,
        name,
      );
    }
    const sql = readFileSync(join(path, name), 'utf8');
    files.push({ version: Number(m[1]), name, sha256: checksum(sql), sql });
  }
  files.sort((a, b) => a.version - b.version || a.name.localeCompare(b.name));
  files.forEach((f, i) => {
    const expected = i + 1;
    if (f.version === expected) return;
    const prev = files[i - 1];
    if (prev !== undefined && prev.version === f.version) {
      throw new MigrationError(`migrations ${prev.name} and ${f.name} have the same number ${pad(f.version)}`, f.name);
    }
    throw new MigrationError(
      `migration ${f.name} breaks the numbering: expected ${pad(expected)}_….sql (numbers are consecutive from 0001)`,
      f.name,
    );
  });
  return files;
}

/**
 * Brings `db` up to date with the files in `dir`. Throws MigrationError (naming the file) when an
 * applied migration's file is missing, renamed or changed, or when a migration fails (its
 * transaction is rolled back; earlier ones stay applied).
 */
export function migrate(
  db: Database,
  dir: string | URL = DEFAULT_MIGRATIONS_DIR,
  options: MigrateOptions = {},
): MigrateResult {
  const now = options.now ?? systemNow;
  const files = readMigrations(dir);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);

  const selectApplied = db.prepare<[], { version: number; name: string; sha256: string; applied_at: string }>(
    'SELECT version, name, sha256, applied_at FROM schema_migrations ORDER BY version',
  );
  const selectOne = db.prepare<[number], { name: string; sha256: string }>(
    'SELECT name, sha256 FROM schema_migrations WHERE version = ?',
  );
  const insert = db.prepare<[number, string, string, string]>(
    'INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)',
  );

  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of selectApplied.all()) verifyApplied(row, byVersion.get(row.version));

  const applied: AppliedMigration[] = [];
  for (const file of files) {
    // IMMEDIATE: another process migrating the same file waits (busy_timeout), then sees it applied.
    const run = db.transaction((): AppliedMigration | null => {
      const existing = selectOne.get(file.version);
      if (existing !== undefined) {
        verifyApplied({ version: file.version, ...existing }, file);
        return null;
      }
      try {
        db.exec(file.sql);
      } catch (err) {
        throw new MigrationError(`migration ${file.name} failed: ${(err as Error).message}`, file.name, { cause: err });
      }
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new MigrationError(
          `migration ${file.name} leaves ${violations.length} foreign key violation(s): ${JSON.stringify(violations[0])}`,
          file.name,
        );
      }
      const appliedAt = iso(now());
      insert.run(file.version, file.name, file.sha256, appliedAt);
      return { version: file.version, name: file.name, sha256: file.sha256, appliedAt };
    });
    const done = run.immediate();
    if (done !== null) applied.push(done);
  }
  return { applied, version: files.length };
}

/** The migrations recorded in `schema_migrations` (empty before the first `migrate`). */
export function appliedMigrations(db: Database): AppliedMigration[] {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .pluck()
    .get();
  if (exists === undefined) return [];
  return db
    .prepare<[], { version: number; name: string; sha256: string; applied_at: string }>(
      'SELECT version, name, sha256, applied_at FROM schema_migrations ORDER BY version',
    )
    .all()
    .map((r) => ({ version: r.version, name: r.name, sha256: r.sha256, appliedAt: r.applied_at }));
}

function verifyApplied(row: { version: number; name: string; sha256: string }, file: MigrationFile | undefined): void {
  if (file === undefined) {
    throw new MigrationError(
      `migration ${row.name} (version ${pad(row.version)}) is applied to this database but its file is missing; ` +
        'this code is older than the database — refusing to start',
      row.name,
    );
  }
  if (file.name !== row.name) {
    throw new MigrationError(
      `migration ${pad(row.version)} was applied as ${row.name} but the file is now ${file.name}; ` +
        'applied migrations must not be renamed — refusing to start',
      file.name,
    );
  }
  if (file.sha256 !== row.sha256) {
    throw new MigrationError(
      `migration ${file.name} was changed after it was applied (sha256 ${short(row.sha256)} applied, ` +
        `${short(file.sha256)} on disk); migrations are forward-only: restore the file and add a new one — refusing to start`,
      file.name,
    );
  }
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
