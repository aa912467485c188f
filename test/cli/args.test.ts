import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand, parseDuration, UsageError } from '../../src/cli/args.js';

test('investigate with kubectl flags', () => {
  const c = parseCommand([
    'investigate',
    'deploy/payments-service',
    '-n',
    'production',
    '--output',
    'json',
    '--since',
    '90m',
  ]);
  assert.equal(c.cmd, 'investigate');
  if (c.cmd !== 'investigate') return;
  assert.equal(c.kind, 'Deployment');
  assert.equal(c.name, 'payments-service');
  assert.equal(c.namespace, 'production');
  assert.equal(c.output, 'json');
  assert.equal(c.sinceMs, 90 * 60_000);
});

test('usage errors', () => {
  assert.throws(() => parseCommand(['investigate']), UsageError);
  assert.throws(() => parseCommand(['investigate', 'widget/x']), /unknown kind "widget"/);
  assert.throws(() => parseCommand(['investigate', 'deploy/x', '--output', 'xml']), /unknown --output/);
  assert.throws(() => parseCommand(['investigate', 'deploy/x', '--bogus']), UsageError);
  assert.throws(() => parseCommand(['frobnicate']), /unknown command/);
  assert.throws(() => parseCommand(['snapshot', 'deploy/x']), /needs -o/);
  assert.throws(() => parseDuration('2 hours'), /invalid duration/);
});

test('help', () => {
  assert.equal(parseCommand([]).cmd, 'help');
  assert.equal(parseCommand(['investigate', '--help']).cmd, 'help');
});
