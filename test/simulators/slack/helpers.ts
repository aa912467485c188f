/** Shared bits of the Slack simulator tests. */
import { createServer } from 'node:net';
import type { Logger } from '@slack/logger';
import { LogLevel } from '@slack/logger';

/** A logger that drops everything (WebClient logs `[ERROR]` response_metadata lines even at LogLevel.ERROR). */
export function silentLogger(): Logger {
  let level: LogLevel = LogLevel.ERROR;
  return {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
