/** The follower's HTTP listener on PORT: alive (`/healthz` 200) but not ready (`/readyz` 503 standby). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandbyServer {
  port: number;
  close(): Promise<void>;
}

export async function startStandbyServer(port: number, identity: string): Promise<StandbyServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (path === '/healthz' || path === '/livez') reply(200, { status: 'ok', role: 'standby', identity });
    else if (path === '/readyz') reply(503, { status: 'standby', identity });
    else reply(503, { error: 'standby: this replica is not the leader', identity });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
