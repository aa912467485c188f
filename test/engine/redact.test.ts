import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretKey, redact } from '../../src/engine/redact.js';

test('redacts credentials in connection URLs', () => {
  assert.equal(
    redact('connecting to postgres://orders:s3cr3t-P4ss@orders-db.commerce.svc:5432/orders'),
    'connecting to postgres://orders:***@orders-db.commerce.svc:5432/orders',
  );
});

test('redacts tokens and secret-looking key=value pairs', () => {
  const out = redact(
    'Authorization: Bearer abcdefghijklmnop123 password=hunter22 api_key: "k-123456" xoxb-1234567890-abcdef',
  );
  assert.ok(!out.includes('abcdefghijklmnop123'));
  assert.ok(!out.includes('hunter22'));
  assert.ok(!out.includes('k-123456'));
  assert.ok(!out.includes('xoxb-1234567890'));
  assert.match(out, /password=\*\*\*/);
});

test('leaves ordinary log lines alone', () => {
  const line = '2026-04-26T01:58:01Z INFO connecting to redis-cache:6379 (attempt 1)';
  assert.equal(redact(line), line);
});

test('secret key names', () => {
  assert.ok(isSecretKey('DB_PASSWORD'));
  assert.ok(isSecretKey('stripeApiKey'));
  assert.ok(!isSecretKey('REDIS_HOST'));
});
