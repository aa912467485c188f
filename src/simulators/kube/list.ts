/** GET handlers: list (paginated, streamed page by page), get, and watch. */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../../domain/k8s.js';
import { json, type Reply, type SimContext, type Sink, served } from './context.js';
import { apiVersionOf, type ResourceDef, resourceId } from './resources.js';
import {
  type FieldRequirement,
  type LabelRequirement,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';
import { ApiError, errors } from './status.js';
import { type ChangeEvent, keyOf } from './store.js';
import { type IncludeObject, printerFor, tableRow, wantsTable } from './table.js';

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

/** Flush serialised items in chunks of about this many characters. */
const CHUNK = 64 * 1024;

export interface Selection {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
  empty: boolean;
  match(obj: KubeObject): boolean;
}

export function parseSelection(def: ResourceDef, q: URLSearchParams): Selection {
  let labels: LabelRequirement[];
  let fields: FieldRequirement[];
  try {
    labels = parseLabelSelector(q.get('labelSelector') ?? '');
    fields = parseFieldSelector(q.get('fieldSelector') ?? '');
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message);
    throw err;
  }
  for (const f of fields) {
    const supported =
      f.field === 'metadata.name' || (f.field === 'metadata.namespace' && def.namespaced) || f.field in def.fields;
    if (!supported) throw errors.badRequest(`field label not supported: ${f.field}`);
  }
  const get =
    (obj: KubeObject) =>
    (field: string): string => {
      if (field === 'metadata.name') return obj.metadata?.name ?? '';
      if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
      return (def.fields[field] as (o: KubeObject) => string)(obj);
    };
  return {
    labels,
    fields,
    empty: labels.length === 0 && fields.length === 0,
    match: (obj) => matchLabels(labels, obj.metadata?.labels) && matchFields(fields, get(obj)),
  };
}

function selectionHash(def: ResourceDef, namespace: string | undefined, q: URLSearchParams): string {
  return createHash('sha256')
    .update(
      `${resourceId(def)}|${def.version}|${namespace ?? ''}|${q.get('labelSelector') ?? ''}|${q.get('fieldSelector') ?? ''}`,
    )
    .digest('hex')
    .slice(0, 16);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
  h: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(raw: string, expectedHash: string): ContinueToken {
  let parsed: unknown;
  if (!/^[A-Za-z0-9_=+/-]+$/.test(raw)) throw errors.badRequest(`continue key is not valid: illegal base64 data`);
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: invalid character in continue key');
  }
  const t = parsed as Partial<ContinueToken>;
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    t.v !== 'meta.k8s.io/v1' ||
    typeof t.start !== 'string' ||
    typeof t.h !== 'string' ||
    typeof t.rv !== 'number'
  ) {
    throw errors.badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (t.h !== expectedHash) throw errors.expired(EXPIRED_CONTINUE);
  return t as ContinueToken;
}

function includeObjectParam(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  if (v === 'None' || v === 'Object') return v;
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  throw errors.badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
}

/** Write `[a,b,c]`-style element lists in ~64 KiB chunks, honouring back-pressure. */
async function writeElements<T>(sink: Sink, items: readonly T[], render: (item: T) => string): Promise<void> {
  let buf = '';
  for (let i = 0; i < items.length; i++) {
    if (sink.signal.aborted) return;
    buf += (i > 0 ? ',' : '') + render(items[i] as T);
    if (buf.length >= CHUNK) {
      await sink.write(buf);
      buf = '';
    }
  }
  if (buf) await sink.write(buf);
}

export function wantsMetadataOnly(accept: string | undefined): boolean {
  return /as=PartialObjectMetadataList/.test(accept ?? '');
}

export function listReply(
  ctx: SimContext,
  def: ResourceDef,
  namespace: string | undefined,
  q: URLSearchParams,
  accept: string | undefined,
): Reply {
  const sel = parseSelection(def, q);
  const limitRaw = q.get('limit');
  const limit = limitRaw && /^\d+$/.test(limitRaw) ? Number(limitRaw) : 0;
  const hash = selectionHash(def, namespace, q);
  const cont = q.get('continue');
  const token = cont ? decodeContinue(cont, hash) : undefined;
  // An equality on events' involvedObject/regarding name (or else kind) uses an index instead of a full scan.
  const eq = (fields: string[]) => sel.fields.find((f) => f.op === '=' && fields.includes(f.field));
  const byName = eq(['involvedObject.name', 'regarding.name']);
  const byKind = eq(['involvedObject.kind', 'regarding.kind']);
  const indexed = byName ? `name=${byName.value}` : byKind ? `kind=${byKind.value}` : null;
  const { items } =
    (indexed && ctx.store.rangeWhere(def, namespace, indexed, token?.start)) ||
    ctx.store.range(def, namespace, token?.start);
  const page: KubeObject[] = [];
  let i = 0;
  let hasMore = false;
  for (; i < items.length; i++) {
    const obj = items[i] as KubeObject;
    if (!sel.match(obj)) continue;
    if (limit > 0 && page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(obj);
  }
  const rv = ctx.store.resourceVersion;
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (hasMore) {
    const last = page[page.length - 1] as KubeObject;
    metadata.continue = encodeContinue({ v: 'meta.k8s.io/v1', rv: Number(rv), start: keyOf(last), h: hash });
    if (sel.empty) metadata.remainingItemCount = items.length - i;
  }
  const now = ctx.now();
  if (wantsTable(accept)) {
    const printer = printerFor(def);
    const include = includeObjectParam(q);
    const head = JSON.stringify({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata,
      columnDefinitions: printer.columns,
    });
    return {
      status: 200,
      contentType: 'application/json',
      stream: async (sink) => {
        await sink.write(`${head.slice(0, -1)},"rows":[`);
        await writeElements(sink, page, (o) =>
          JSON.stringify(tableRow(printer, o, include === 'Object' ? served(def, o, true) : o, now, include)),
        );
        await sink.write(']}');
      },
    };
  }
  if (wantsMetadataOnly(accept)) {
    // `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`: names and labels only,
    // the way a client lists Secrets without ever receiving their data.
    const head = JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata });
    return {
      status: 200,
      contentType: 'application/json',
      stream: async (sink) => {
        await sink.write(`${head.slice(0, -1)},"items":[`);
        await writeElements(sink, page, (o) =>
          JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata ?? {} }),
        );
        await sink.write(']}');
      },
    };
  }
  const head = JSON.stringify({ kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata });
  return {
    status: 200,
    contentType: 'application/json',
    stream: async (sink) => {
      await sink.write(`${head.slice(0, -1)},"items":[`);
      await writeElements(sink, page, (o) => JSON.stringify(served(def, o, false)));
      await sink.write(']}');
    },
  };
}

export function getReply(
  ctx: SimContext,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  q: URLSearchParams,
  accept: string | undefined,
): Reply {
  const obj = ctx.store.get(def, namespace, name);
  if (!obj) throw errors.notFound(def, name);
  if (wantsTable(accept)) {
    const printer = printerFor(def);
    const include = includeObjectParam(q);
    return json(200, {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: obj.metadata?.resourceVersion ?? ctx.store.resourceVersion },
      columnDefinitions: printer.columns,
      rows: [tableRow(printer, obj, include === 'Object' ? served(def, obj, true) : obj, ctx.now(), include)],
    });
  }
  return json(200, served(def, obj, true));
}

/** `watch=true`: newline-delimited watch events until timeoutSeconds, the client leaves, or close(). */
export function watchReply(
  ctx: SimContext,
  def: ResourceDef,
  namespace: string | undefined,
  q: URLSearchParams,
): Reply {
  const sel = parseSelection(def, q);
  const rvParam = q.get('resourceVersion') ?? '';
  const sendInitial = q.get('sendInitialEvents') === 'true' || rvParam === '' || rvParam === '0';
  const fromRV = rvParam === '' || rvParam === '0' ? Number(ctx.store.resourceVersion) : Number(rvParam);
  if (!Number.isInteger(fromRV) || fromRV < 0) throw errors.badRequest(`invalid resource version: ${rvParam}`);
  const timeoutRaw = Number(q.get('timeoutSeconds') ?? '');
  const timeoutMs = Number.isFinite(timeoutRaw) && timeoutRaw > 0 ? timeoutRaw * 1000 : 30 * 60 * 1000;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const storage = resourceId(ctx.store.storageDef(def));
  const inScope = (o: KubeObject) => namespace === undefined || o.metadata?.namespace === namespace;
  const line = (type: string, o: KubeObject) => `${JSON.stringify({ type, object: served(def, o, true) })}\n`;
  return {
    status: 200,
    contentType: 'application/json',
    stream: (sink) =>
      new Promise<void>((resolve) => {
        const queue: ChangeEvent[] = [];
        let flushing = false;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          unsubscribe();
          clearTimeout(timer);
          sink.signal.removeEventListener('abort', finish);
          resolve();
        };
        const flush = async () => {
          if (flushing) return;
          flushing = true;
          while (queue.length && !done) {
            const e = queue.shift() as ChangeEvent;
            await sink.write(line(e.type, e.object));
          }
          flushing = false;
        };
        const unsubscribe = ctx.store.onChange((e) => {
          if (e.resource !== storage || !inScope(e.object) || !sel.match(e.object)) return;
          queue.push(e);
          void flush();
        });
        const timer = setTimeout(finish, timeoutMs);
        sink.signal.addEventListener('abort', finish);
        void (async () => {
          if (!sendInitial && fromRV < ctx.store.loadedRV) {
            await sink.write(
              `${JSON.stringify({
                type: 'ERROR',
                object: new ApiError(
                  410,
                  'Expired',
                  `too old resource version: ${fromRV} (${ctx.store.loadedRV})`,
                ).toStatus(),
              })}\n`,
            );
            finish();
            return;
          }
          if (sendInitial) {
            for (const o of ctx.store.range(def, namespace).items) {
              if (done) return;
              if (sel.match(o)) await sink.write(line('ADDED', o));
            }
            if (bookmarks && q.get('sendInitialEvents') === 'true') {
              await sink.write(
                `${JSON.stringify({
                  type: 'BOOKMARK',
                  object: {
                    kind: def.kind,
                    apiVersion: apiVersionOf(def),
                    metadata: {
                      resourceVersion: ctx.store.resourceVersion,
                      annotations: { 'k8s.io/initial-events-end': 'true' },
                    },
                  },
                })}\n`,
              );
            }
          } else {
            for (const e of ctx.store.changes) {
              if (e.rv > fromRV && e.resource === storage && inScope(e.object) && sel.match(e.object)) {
                queue.push(e);
              }
            }
            void flush();
          }
        })();
      }),
  };
}
