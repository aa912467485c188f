import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostsIn, serviceOf } from '../../src/steps/dependencies.js';

const src = { container: 'app', via: 'env X' };

test('hosts from URLs, host:port and host-like keys', () => {
  assert.deepEqual(
    hostsIn('REDIS_URL', 'redis://:pw@redis-cache:6379/0', src).map((h) => [h.host, h.port]),
    [['redis-cache', 6379]],
  );
  assert.deepEqual(
    hostsIn('DATABASE_URL', 'postgres://u:p@orders-db.commerce.svc.cluster.local:5432/orders', src).map((h) => h.host),
    ['orders-db.commerce.svc.cluster.local'],
  );
  assert.deepEqual(
    hostsIn('CACHE', 'memcached-0.memcached:11211', src).map((h) => [h.host, h.port]),
    [['memcached-0.memcached', 11211]],
  );
  assert.deepEqual(
    hostsIn('KAFKA_BROKERS', 'kafka-0.kafka,kafka-1.kafka', src).map((h) => h.host),
    ['kafka-0.kafka', 'kafka-1.kafka'],
  );
  assert.deepEqual(hostsIn('LOG_LEVEL', 'debug', src), []);
});

test('hosts to Services', () => {
  assert.deepEqual(serviceOf('redis-cache', 'production'), { name: 'redis-cache', namespace: 'production' });
  assert.deepEqual(serviceOf('search-es.data.svc', 'storefront'), { name: 'search-es', namespace: 'data' });
  assert.deepEqual(serviceOf('orders-db.commerce.svc.cluster.local', 'x'), {
    name: 'orders-db',
    namespace: 'commerce',
  });
  assert.equal(serviceOf('api.stripe.com', 'x'), null);
  assert.equal(serviceOf('10.0.0.4', 'x'), null);
  assert.equal(serviceOf('localhost', 'x'), null);
});

test('hosts from command-line flags (`--flag=host:port`, `-flag=host`)', () => {
  const args = { container: 'app', via: 'args' };
  assert.deepEqual(
    hostsIn('ARG', '--backend=etcd-kv:2379', args).map((h) => [h.host, h.port]),
    [['etcd-kv', 2379]],
  );
  assert.deepEqual(
    hostsIn('ARG', '-redis.addr=redis://cache.data.svc:6379/0', args).map((h) => [h.host, h.port]),
    [['cache.data.svc', 6379]],
  );
  assert.deepEqual(
    hostsIn('ARG', '--db-host=orders-db', args).map((h) => h.host),
    ['orders-db'],
  );
  assert.deepEqual(hostsIn('ARG', '--listen=:8443', args), []);
  assert.deepEqual(hostsIn('ARG', '--dial-timeout=3s', args), []);
});
