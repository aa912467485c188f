/** Identifiers shaped like Slack's: message timestamps, view/file ids, trigger ids, hashes, block ids. */
import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Message timestamps: `seconds.micros` (6 digits), from the wall clock, strictly increasing. */
export class TsClock {
  private last = 0;

  next(): string {
    const now = Date.now() * 1000;
    this.last = Math.max(now, this.last + 100);
    const seconds = Math.floor(this.last / 1_000_000);
    const micros = this.last % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }
}

export function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af.padEnd(6, '0')) - Number(bf.padEnd(6, '0'));
}

export class IdMinter {
  private views = 0;
  private files = 0;
  private triggers = 0;

  viewId(): string {
    this.views += 1;
    return `V0SIM${String(this.views).padStart(6, '0')}`;
  }

  fileId(): string {
    this.files += 1;
    return `F0SIM${String(this.files).padStart(6, '0')}`;
  }

  /** Like `13345224609.738474920.8088930838d88f008e0`. */
  triggerId(): string {
    this.triggers += 1;
    return `${Math.floor(Date.now() / 1000)}.${this.triggers}.${randomBytes(12).toString('hex')}`;
  }

  hash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomFrom(ALNUM, 8)}`;
  }

  blockId(): string {
    return randomFrom(ALNUM, 5);
  }

  envelopeId(): string {
    return randomUUID();
  }

  ticket(): string {
    return randomUUID();
  }

  responseUrlId(): string {
    return randomBytes(12).toString('hex');
  }

  eventId(): string {
    return `Ev0${randomFrom(UPPER, 9)}`;
  }
}
