/**
 * PagerDuty v3 webhook signatures (PagerDuty/developer-docs `docs/webhooks/04-Signatures.md`).
 *
 * `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]` — one value per active subscription secret (several during
 * rotation). Each is the lowercase hex HMAC-SHA256 of the raw request body bytes. The request is authentic when any
 * `v1` value matches the HMAC computed with any configured secret. Other versions are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/** The `v1=` digests of a signature header, decoded; malformed entries and other versions are dropped. */
export function signatureDigests(header: string): Buffer[] {
  const digests: Buffer[] = [];
  for (const part of header.split(',')) {
    const entry = part.trim();
    if (!entry.startsWith('v1=')) continue;
    const hex = entry.slice(3).trim();
    if (HEX_SHA256.test(hex)) digests.push(Buffer.from(hex, 'hex'));
  }
  return digests;
}

/** True when any `v1=` value of `header` is HMAC-SHA256(rawBody) under any of `secrets`. Constant-time compare. */
export function verifySignature(rawBody: Buffer, header: string | undefined, secrets: string[]): boolean {
  if (typeof header !== 'string' || header.length === 0 || header.length > 8192) return false;
  const keys = secrets.filter((s) => typeof s === 'string' && s.length > 0);
  if (keys.length === 0) return false;
  const given = signatureDigests(header);
  if (given.length === 0) return false;
  let ok = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(rawBody).digest();
    for (const digest of given) {
      // Both are 32 bytes here (the hex was validated), so timingSafeEqual cannot throw; keep the guard anyway.
      // No early exit: every pair is compared, so timing does not reveal which secret or value matched.
      if (digest.length === expected.length && timingSafeEqual(digest, expected)) ok = true;
    }
  }
  return ok;
}

/** The header value PagerDuty would send for `rawBody` signed with `secrets` (one `v1=` per secret). */
export function signatureHeader(rawBody: Buffer | string, secrets: string[]): string {
  return secrets.map((s) => `v1=${createHmac('sha256', s).update(rawBody).digest('hex')}`).join(',');
}
