import assert from 'node:assert/strict';
import crypto, { createHmac } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it, mock } from 'node:test';
import { signatureDigests, signatureHeader, verifySignature } from '../../src/pagerduty/verify-signature.js';

const BODY = Buffer.from(
  '{"event":{"id":"5ac64822","event_type":"incident.triggered","data":{"title":"Café ☕ down"}}}',
  'utf8',
);
const hmac = (secret: string, body: Buffer = BODY) => createHmac('sha256', secret).update(body).digest('hex');

describe('verifySignature', () => {
  it('accepts the HMAC-SHA256 of the raw body', () => {
    assert.equal(verifySignature(BODY, `v1=${hmac('s3cret')}`, ['s3cret']), true);
  });

  it('matches signatureHeader (one v1 per secret)', () => {
    const header = signatureHeader(BODY, ['a', 'b']);
    assert.equal(header, `v1=${hmac('a')},v1=${hmac('b')}`);
    assert.equal(verifySignature(BODY, header, ['b']), true);
  });

  it('supports rotation: any v1 value against any configured secret', () => {
    const both = `v1=${hmac('old')},v1=${hmac('new')}`;
    assert.equal(verifySignature(BODY, both, ['new']), true);
    assert.equal(verifySignature(BODY, both, ['old']), true);
    assert.equal(verifySignature(BODY, `v1=${hmac('new')}`, ['old', 'new']), true);
    assert.equal(verifySignature(BODY, `v1=${hmac('old')}`, ['old', 'new']), true);
    assert.equal(verifySignature(BODY, both, ['other']), false);
  });

  it('tolerates spaces around values and upper-case hex', () => {
    assert.equal(verifySignature(BODY, ` v1=${hmac('k')} , v1=${'0'.repeat(64)} `, ['k']), true);
    assert.equal(verifySignature(BODY, `v1=${hmac('k').toUpperCase()}`, ['k']), true);
  });

  it('rejects forged signatures and altered bodies', () => {
    assert.equal(verifySignature(BODY, `v1=${hmac('wrong')}`, ['s3cret']), false);
    assert.equal(verifySignature(BODY, `v1=${'f'.repeat(64)}`, ['s3cret']), false);
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 1));
    assert.equal(verifySignature(reserialized, `v1=${hmac('s3cret')}`, ['s3cret']), false);
  });

  it('rejects a missing or empty header, and no usable secrets', () => {
    assert.equal(verifySignature(BODY, undefined, ['s3cret']), false);
    assert.equal(verifySignature(BODY, '', ['s3cret']), false);
    assert.equal(verifySignature(BODY, `v1=${hmac('s3cret')}`, []), false);
    assert.equal(verifySignature(BODY, `v1=${hmac('')}`, ['']), false);
  });

  it('rejects malformed headers and ignores other versions', () => {
    const good = hmac('s3cret');
    for (const header of [
      good, // no version prefix
      `v0=${good}`,
      `v2=${good}`,
      'v1=',
      'v1',
      ',,,',
      `v1=${good.slice(0, 63)}z`,
      `v1=${good}00`,
      `v1=${good.slice(2)}`,
      'v1=not-hex-at-all',
      `sha256=${good}`,
    ]) {
      assert.equal(verifySignature(BODY, header, ['s3cret']), false, header);
    }
    assert.equal(signatureDigests(`v0=${good},v1=${good},v1=xyz`).length, 1);
  });

  it('compares in constant time on equal-length buffers, never throwing on length mismatch', (t) => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    syncBuiltinESMExports();
    t.after(() => {
      spy.mock.restore();
      syncBuiltinESMExports();
    });
    // Short, long and odd-length values: rejected without calling timingSafeEqual on unequal lengths.
    assert.equal(verifySignature(BODY, 'v1=abcd,v1=abc,v1=' + 'a'.repeat(66), ['s3cret']), false);
    assert.equal(spy.mock.callCount(), 0);
    // Two candidate values × two secrets: every pair compared (no early exit), all on 32-byte buffers.
    assert.equal(verifySignature(BODY, `v1=${hmac('x')},v1=${hmac('new')}`, ['old', 'new']), true);
    assert.equal(spy.mock.callCount(), 4);
    for (const call of spy.mock.calls) {
      const [a, b] = call.arguments as [Buffer, Buffer];
      assert.equal(a.length, 32);
      assert.equal(b.length, 32);
    }
  });
});
