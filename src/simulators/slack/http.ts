/** HTTP plumbing: bodies (form, JSON, multipart), Web API argument decoding, response writing, signing. */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY = 20 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge('body too large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export interface MultipartPart {
  name: string;
  filename: string | null;
  data: Buffer;
}

/** Multipart parsing through the platform's own (undici) FormData parser. */
export async function parseMultipart(req: IncomingMessage, body: Buffer): Promise<MultipartPart[]> {
  const request = new Request('http://sim.invalid/', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body,
  });
  const form = await request.formData();
  const parts: MultipartPart[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') parts.push({ name, filename: null, data: Buffer.from(value, 'utf8') });
    else parts.push({ name, filename: value.name, data: Buffer.from(await value.arrayBuffer()) });
  }
  return parts;
}

/** Fields Slack accepts as JSON strings inside form bodies. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'metadata', 'file_uploads']);

export class ArgsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Web API arguments from the query string and a form, JSON or multipart body. JSON-string fields (`blocks`, `view`,
 * `files`, …) are decoded in every case; a field that does not parse raises `ArgsError`.
 */
export async function parseArgs(
  req: IncomingMessage,
  body: Buffer,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of query) args[k] = v;
  const type = mediaType(req);
  if (body.length > 0) {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ArgsError('body', 'invalid_json');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new ArgsError('body', 'invalid_json');
      Object.assign(args, parsed);
    } else if (type === 'multipart/form-data') {
      for (const part of await parseMultipart(req, body)) {
        args[part.name] = part.filename === null ? part.data.toString('utf8') : part.data;
      }
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) args[k] = v;
    }
  }
  for (const field of JSON_FIELDS) {
    const v = args[field];
    if (typeof v !== 'string') continue;
    if (v === '') {
      delete args[field];
      continue;
    }
    try {
      args[field] = JSON.parse(v);
    } catch {
      throw new ArgsError(field, `${field} is not valid JSON`);
    }
  }
  return args;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** `'v0=' + hex(HMAC_SHA256(secret, 'v0:' + timestamp + ':' + body))`, what Slack puts in X-Slack-Signature. */
export function signSlackRequest(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}
