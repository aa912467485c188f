import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Now } from './clock.js';
import { DEFAULT_MIGRATIONS_DIR, type MigrateResult, migrate } from './migrate.js';

export interface OpenDatabaseOptions {
  /** Default: `<repo>/migrations/`. */
  migrationsDir?: string | URL;
  now?: Now;
  /**
   * Hold the file for this process alone (`locking_mode=EXCLUSIVE`, set before WAL so no shared
   * memory is used: safe on a network volume shared by replicas). Another process opening it gets
   * SQLITE_BUSY until this one closes: the fence that keeps a new leader from writing while an old
   * one still has the file open.
   */
  exclusive?: boolean;
  /** How long statements wait for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  db: Database;
  migrations: MigrateResult;
}

/** `:memory:` and `''` (a private temporary database) have no file and no WAL. */
export function isInMemory(file: string): boolean {
  return file === ':memory:' || file === '' || file.startsWith('file::memory:');
}

/**
 * Opens (creating it and its directory when needed) the SQLite database, sets the pragmas and
 * runs the migrations. Throws MigrationError when the schema cannot be brought up to date safely;
 * the connection is closed then.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  return openDatabaseWithReport(file, options).db;
}

/** Same as `openDatabase`, also returning what the migration step did (for start-up logs). */
export function openDatabaseWithReport(file: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  const memory = isInMemory(file);
  if (!memory) mkdirSync(dirname(file), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!memory && options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    if (!memory) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new Error(`${file}: cannot enable WAL (journal_mode=${mode})`);
    }
    db.pragma('foreign_keys = ON');
    // NORMAL is durable in WAL mode except for the last transactions before a power loss.
    db.pragma('synchronous = NORMAL');
    const migrations = migrate(
      db,
      options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR,
      options.now ? { now: options.now } : {},
    );
    // In exclusive mode the lock is taken by the first write: take it now, not at the first event.
    if (!memory && options.exclusive) db.exec('BEGIN IMMEDIATE; COMMIT');
    return { db, migrations };
  } catch (err) {
    db.close();
    throw err;
  }
}
