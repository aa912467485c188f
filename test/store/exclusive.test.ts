/** Leader election's fence: a database opened exclusively cannot be opened by a second process until closed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStore } from '../../src/store/index.js';
import { ROOT } from '../helpers/paths.js';

/** Opens the file from another process (locks are per process for SQLite's POSIX locking). */
function openElsewhere(file: string, exclusive: boolean): string {
  const script = `
    import { createStore } from ${JSON.stringify(join(ROOT, 'dist/src/store/index.js'))};
    try { const s = createStore(${JSON.stringify(file)}, { exclusive: ${exclusive}, busyTimeoutMs: 100 });
      s.incidents.listOpen(); s.close(); console.log('opened'); }
    catch (e) { console.log(e.code ?? e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return r.stdout.trim() || r.stderr.trim();
}

test('an exclusive store holds the file: other processes get SQLITE_BUSY until it closes; no shared-memory file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'causa-excl-'));
  const file = join(dir, 'causa.db');
  try {
    const leader = createStore(file, { exclusive: true });
    leader.incidents.upsert({ id: 'P1', title: 'kept across leaders' });
    assert.equal(existsSync(`${file}-shm`), false, 'WAL without shared memory (safe on a shared volume)');
    assert.equal(openElsewhere(file, true), 'SQLITE_BUSY');
    assert.equal(openElsewhere(file, false), 'SQLITE_BUSY');
    leader.close();
    assert.equal(openElsewhere(file, true), 'opened');
    const next = createStore(file, { exclusive: true });
    assert.equal(next.incidents.get('P1')?.title, 'kept across leaders');
    next.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
