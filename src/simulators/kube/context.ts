/** Shared request/response types for the route handlers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { KubeObject } from '../../domain/k8s.js';
import type { Scenario } from '../../scenario/schema.js';
import { coreToEventsV1 } from './events.js';
import type { ResourceDef } from './resources.js';
import type { Store } from './store.js';
import { stripSecret } from './store.js';

export interface SimContext {
  store: Store;
  /** The scenario after time shifting (logs are read from it). */
  scenario: Scenario;
  now: () => Date;
  /** host:port of the listening server (for /api serverAddressByClientCIDRs). */
  hostPort: () => string;
  /** The user named in 403 messages. */
  user: string;
}

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Sink {
  /** Resolves when the chunk is flushed enough to continue (back-pressure). */
  write(chunk: string): Promise<void>;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
}

export interface Reply {
  status: number;
  contentType: string;
  body?: string;
  stream?: (sink: Sink) => Promise<void>;
}

export function json(status: number, value: unknown): Reply {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}

/**
 * An object as the apiserver serves it for `def`: events.k8s.io events converted, secrets without
 * values, and (for list items of built-in types) no kind/apiVersion.
 */
export function served(def: ResourceDef, obj: KubeObject, withTypeMeta: boolean): KubeObject {
  if (def.view === 'events.k8s.io') return coreToEventsV1(obj, withTypeMeta);
  let out = obj;
  if (def.kind === 'Secret' && def.group === '') out = stripSecret(out);
  if (!withTypeMeta && def.builtin) {
    const { kind: _k, apiVersion: _a, ...rest } = out;
    return rest;
  }
  if (withTypeMeta && (out.kind === undefined || out.apiVersion === undefined)) {
    return { kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, ...out };
  }
  return out;
}
