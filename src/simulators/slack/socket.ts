/**
 * Socket Mode (protocols.md §A.1): single-use tickets from apps.connections.open, `hello` on connect, envelopes to the
 * most recent connection, ack frames `{ envelope_id, payload }`, `disconnect` messages. Pings are answered by `ws`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { IdMinter } from './ids.js';

export interface AckOutcome {
  acked: boolean;
  ackPayload: unknown;
  envelopeId?: string;
  error?: string;
}

interface Connection {
  ws: WebSocket;
  ticket: string;
  connectedAt: number;
}

interface Pending {
  ws: WebSocket;
  resolve: (outcome: AckOutcome) => void;
  timer: NodeJS.Timeout;
}

const TICKET_TTL_MS = 5 * 60_000;

export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private connections: Connection[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Envelopes sent, in order (for debugging and tests). */
  readonly sent: { envelopeId: string; type: string; at: number }[] = [];

  constructor(
    private readonly ids: IdMinter,
    private readonly appId: string,
    private readonly ackTimeoutMs: number,
  ) {}

  mintTicket(): string {
    const ticket = this.ids.ticket();
    this.tickets.set(ticket, Date.now());
    return ticket;
  }

  /** The http server's `upgrade` handler: only `/link/?ticket=<unused ticket>` is accepted. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    const valid =
      url.pathname.replace(/\/$/, '') === '/link' && issued !== undefined && Date.now() - issued < TICKET_TTL_MS;
    if (!valid) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, ticket));
  }

  private onConnection(ws: WebSocket, ticket: string): void {
    const conn: Connection = { ws, ticket, connectedAt: Date.now() };
    this.connections.push(conn);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null) return;
      const { envelope_id: envelopeId, payload } = frame as { envelope_id?: unknown; payload?: unknown };
      if (typeof envelopeId !== 'string') return;
      const waiting = this.pending.get(envelopeId);
      if (!waiting) return;
      this.pending.delete(envelopeId);
      clearTimeout(waiting.timer);
      waiting.resolve({ acked: true, ackPayload: payload ?? {}, envelopeId });
    });
    ws.on('close', () => {
      this.connections = this.connections.filter((c) => c !== conn);
      for (const [id, waiting] of this.pending) {
        if (waiting.ws !== ws) continue;
        this.pending.delete(id);
        clearTimeout(waiting.timer);
        waiting.resolve({ acked: false, ackPayload: undefined, envelopeId: id, error: 'socket_closed' });
      }
    });
    ws.on('error', () => {});
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connected(),
        debug_info: { host: 'applink-causa-sim', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
  }

  connected(): number {
    return this.connections.filter((c) => c.ws.readyState === c.ws.OPEN).length;
  }

  /** Sends an envelope to the most recent open connection and waits for its ack (or the ack timeout). */
  deliver(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: unknown,
    acceptsResponsePayload: boolean,
  ): Promise<AckOutcome> {
    const conn = [...this.connections].reverse().find((c) => c.ws.readyState === c.ws.OPEN);
    if (!conn) return Promise.resolve({ acked: false, ackPayload: undefined, error: 'no_socket_connection' });
    const envelopeId = this.ids.envelopeId();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: acceptsResponsePayload,
    };
    if (type === 'events_api') {
      envelope.retry_attempt = 0;
      envelope.retry_reason = '';
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        resolve({ acked: false, ackPayload: undefined, envelopeId, error: 'ack_timeout' });
      }, this.ackTimeoutMs);
      this.pending.set(envelopeId, { ws: conn.ws, resolve, timer });
      this.sent.push({ envelopeId, type, at: Date.now() });
      conn.ws.send(JSON.stringify(envelope));
    });
  }

  /** Sends `{type:'disconnect', reason}` to every connection, then closes the ones still open. */
  disconnect(reason: 'warning' | 'refresh_requested' | 'link_disabled'): void {
    for (const { ws } of this.connections) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-causa-sim' } }));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (ws.readyState === ws.OPEN) ws.close(1001, reason);
      }, 250);
      this.timers.add(timer);
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.resolve({ acked: false, ackPayload: undefined, envelopeId: id, error: 'simulator_closed' });
    }
    this.pending.clear();
    // Finish close handshakes properly: socket-mode 3.1 leaks a 30 s timer when a closing socket is cut abruptly
    // (which would keep a test process alive), so close politely and only terminate stragglers.
    await Promise.all(
      this.connections.map(
        ({ ws }) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === ws.CLOSED) {
              resolve();
              return;
            }
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 1000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            if (ws.readyState === ws.OPEN) ws.close(1001, 'simulator closing');
          }),
      ),
    );
    this.connections = [];
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
