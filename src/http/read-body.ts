import type { IncomingMessage } from 'node:http';

/** The raw request body (HMAC checks need the exact bytes), or null when it is larger than `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes = 1024 * 1024): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
