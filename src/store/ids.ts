import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower case, no padding

/** Base32 (lower case) of `bytes` random bytes: 8 bytes → 13 chars, 16 bytes → 26 chars. */
export function randomBase32(bytes: number): string {
  const buf = randomBytes(bytes);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of buf) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** Prefixes make ids self-describing in logs; the rest is opaque and unguessable. */
export const IdPrefix = {
  investigation: 'inv',
  action: 'act',
  approval: 'apr',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/** `inv_…` 16 bytes = 128 bits of randomness, 30 characters in all (≤ 32; button values allow 64). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase32(16)}`;
}
