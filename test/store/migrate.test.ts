import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { isMigrationError } from '../../src/store/errors.js';
import {
  appliedMigrations,
  checksum,
  DEFAULT_MIGRATIONS_DIR,
  migrate,
  readMigrations,
} from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';
import { fakeClock, tempDir } from './helpers.js';

const EXPECTED_TABLES = [
  'action_runs',
  'actions',
  'audit',
  'feedback',
  'incidents',
  'investigations',
  'pending_approvals',
  'schema_migrations',
  'step_runs',
  'webhook_events',
];

function tables(db: BetterSqlite3.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

/** A copy of the real migrations in `dir/migrations`, to edit freely. */
function copyMigrations(dir: string): string {
  const out = join(dir, 'migrations');
  mkdirSync(out);
  for (const f of readdirSync(DEFAULT_MIGRATIONS_DIR)) copyFileSync(join(DEFAULT_MIGRATIONS_DIR, f), join(out, f));
  return out;
}

/** Asserts `fn` throws a MigrationError whose message names `file` and matches `pattern`. */
function assertMigrationError(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isMigrationError(err), `expected MigrationError, got ${String(err)}`);
    assert.equal(err.name, 'MigrationError');
    assert.equal(err.code, 'MIGRATION');
    assert.equal(err.file, file);
    assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('the default migrations dir is <repo>/migrations, resolved from dist/', () => {
  assert.ok(existsSync(join(DEFAULT_MIGRATIONS_DIR, '0001_init.sql')), DEFAULT_MIGRATIONS_DIR);
  assert.ok(!DEFAULT_MIGRATIONS_DIR.includes(`${join('dist', 'migrations')}`));
});

test('the shipped migrations are well named and consecutive from 0001', () => {
  const files = readMigrations(DEFAULT_MIGRATIONS_DIR);
  assert.ok(files.length >= 1);
  assert.deepEqual(
    files.map((f) => f.version),
    files.map((_, i) => i + 1),
  );
  assert.equal(files[0]?.name, '0001_init.sql');
  for (const f of files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
});

test('every migration applies on :memory:', () => {
  const clock = fakeClock();
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  const result = migrate(db, DEFAULT_MIGRATIONS_DIR, { now: clock.now });
  const files = readMigrations(DEFAULT_MIGRATIONS_DIR);
  assert.equal(result.version, files.length);
  assert.deepEqual(
    result.applied.map((m) => m.name),
    files.map((f) => f.name),
  );
  assert.deepEqual(tables(db), EXPECTED_TABLES);
  assert.deepEqual(appliedMigrations(db), result.applied);
  assert.equal(result.applied[0]?.appliedAt, '2026-04-26T01:49:00.000Z');
  assert.equal(result.applied[0]?.sha256, files[0]?.sha256);
  // The schema is sound: integrity and foreign keys check out.
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  // Applying again is a no-op.
  assert.deepEqual(migrate(db).applied, []);
  db.close();
});

test('every migration applies on a file, in WAL mode; re-opening does not re-apply', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nested', 'deeper', 'causa.db'); // parent directories are created
  const db = openDatabase(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.deepEqual(tables(db), EXPECTED_TABLES);
  const first = appliedMigrations(db);
  assert.equal(first.length, readMigrations(DEFAULT_MIGRATIONS_DIR).length);
  db.close();
  assert.ok(existsSync(file));

  const again = new BetterSqlite3(file);
  const result = migrate(again, DEFAULT_MIGRATIONS_DIR, { now: () => new Date('2030-01-01T00:00:00Z') });
  assert.deepEqual(result.applied, []);
  assert.deepEqual(appliedMigrations(again), first); // same rows, same applied_at
  assert.equal(again.pragma('journal_mode', { simple: true }), 'wal'); // WAL is persistent
  again.close();
});

test(':memory: databases do not use WAL', () => {
  const db = openDatabase(':memory:');
  assert.equal(db.pragma('journal_mode', { simple: true }), 'memory');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
});

test('a new migration file is applied on the next start, alone, in order', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  const file = join(dir, 'causa.db');
  const n = readMigrations(migrations).length;
  openDatabase(file, { migrationsDir: migrations }).close();

  const next = `${String(n + 1).padStart(4, '0')}_investigation_labels.sql`;
  writeFileSync(join(migrations, next), 'ALTER TABLE investigations ADD COLUMN labels_json TEXT;\n');
  const db = new BetterSqlite3(file);
  const result = migrate(db, migrations);
  assert.deepEqual(
    result.applied.map((m) => m.name),
    [next],
  );
  assert.equal(result.version, n + 1);
  const cols = db.prepare("SELECT name FROM pragma_table_info('investigations')").pluck().all();
  assert.ok(cols.includes('labels_json'));
  db.close();
});

test('a changed checksum refuses to start, naming the file', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  const file = join(dir, 'causa.db');
  openDatabase(file, { migrationsDir: migrations }).close();

  appendFileSync(join(migrations, '0001_init.sql'), '\nCREATE TABLE sneaky (id INTEGER);\n');
  assertMigrationError(
    () => openDatabase(file, { migrationsDir: migrations }),
    '0001_init.sql',
    /changed after it was applied.*refusing to start/,
  );
  // Nothing of the edited file was applied.
  const db = new BetterSqlite3(file);
  assert.ok(!tables(db).includes('sneaky'));
  db.close();
});

test('CRLF line endings alone do not count as a change', () => {
  assert.equal(
    checksum('CREATE TABLE a (id INTEGER);\r\nSELECT 1;\r\n'),
    checksum('CREATE TABLE a (id INTEGER);\nSELECT 1;\n'),
  );
  assert.notEqual(checksum('SELECT 1;'), checksum('SELECT 2;'));
});

test('an applied migration whose file is missing refuses to start', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(join(migrations, '0002_extra.sql'), 'CREATE TABLE extra (id INTEGER PRIMARY KEY);\n');
  const file = join(dir, 'causa.db');
  openDatabase(file, { migrationsDir: migrations }).close();
  renameSync(join(migrations, '0002_extra.sql'), join(dir, 'moved-away.sql'));
  assertMigrationError(
    () => openDatabase(file, { migrationsDir: migrations }),
    '0002_extra.sql',
    /applied to this database but its file is missing/,
  );
});

test('an applied migration that was renamed refuses to start', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(join(migrations, '0002_extra.sql'), 'CREATE TABLE extra (id INTEGER PRIMARY KEY);\n');
  const file = join(dir, 'causa.db');
  openDatabase(file, { migrationsDir: migrations }).close();
  renameSync(join(migrations, '0002_extra.sql'), join(migrations, '0002_other.sql'));
  assertMigrationError(
    () => openDatabase(file, { migrationsDir: migrations }),
    '0002_other.sql',
    /was applied as 0002_extra\.sql/,
  );
});

test('a gap in the numbering is rejected, naming the file', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(join(migrations, '0003_skipped_two.sql'), 'SELECT 1;\n');
  assertMigrationError(() => readMigrations(migrations), '0003_skipped_two.sql', /expected 0002_/);
  // …and nothing is applied when the directory is malformed.
  const db = new BetterSqlite3(':memory:');
  assertMigrationError(() => migrate(db, migrations), '0003_skipped_two.sql', /breaks the numbering/);
  assert.deepEqual(tables(db), []);
  db.close();
});

test('numbering must start at 0001', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, '0002_first.sql'), 'SELECT 1;\n');
  assertMigrationError(() => readMigrations(dir), '0002_first.sql', /expected 0001_/);
});

test('a badly named migration is rejected, naming the file', (t) => {
  for (const bad of ['2_init.sql', '0002-extra.sql', '0002_Extra.sql', '00002_extra.sql', '0002_.sql', '0002_x.SQL']) {
    const dir = tempDir(t);
    const migrations = copyMigrations(dir);
    writeFileSync(join(migrations, bad), 'SELECT 1;\n');
    assertMigrationError(() => readMigrations(migrations), bad, /badly named: expected NNNN_name\.sql/);
  }
});

test('two migrations with one number are rejected', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(join(migrations, '0002_a.sql'), 'SELECT 1;\n');
  writeFileSync(join(migrations, '0002_b.sql'), 'SELECT 1;\n');
  assertMigrationError(() => readMigrations(migrations), '0002_b.sql', /same number 0002/);
});

test('files that are not .sql are ignored', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(join(migrations, 'README.md'), '# notes\n');
  assert.equal(readMigrations(migrations).length, readMigrations(DEFAULT_MIGRATIONS_DIR).length);
});

test('a failing migration is rolled back as a whole and names the file; earlier ones stay', (t) => {
  const dir = tempDir(t);
  const migrations = copyMigrations(dir);
  writeFileSync(
    join(migrations, '0002_broken.sql'),
    'CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n',
  );
  const file = join(dir, 'causa.db');
  assertMigrationError(
    () => openDatabase(file, { migrationsDir: migrations }),
    '0002_broken.sql',
    /failed: no such table/,
  );
  const db = new BetterSqlite3(file);
  assert.deepEqual(
    appliedMigrations(db).map((m) => m.name),
    ['0001_init.sql'],
  );
  assert.ok(!tables(db).includes('half_done'));
  db.close();
});

test('a missing migrations directory is a MigrationError', (t) => {
  const dir = tempDir(t);
  const db = new BetterSqlite3(':memory:');
  assert.throws(() => migrate(db, join(dir, 'nope')), /cannot read the migrations directory/);
  db.close();
});
