/** PATCH / PUT / POST / DELETE handlers (and the scale subresource). */
import { randomInt } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../domain/k8s.js';
import { json, type Reply, type SimContext, type SimRequest, served } from './context.js';
import {
  clone,
  isObject,
  type Json,
  type JsonObject,
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge,
} from './patch.js';
import { apiVersionOf, type ResourceDef } from './resources.js';
import { ApiError, errors } from './status.js';
import type { WriteOptions } from './store.js';
import { formatLabelSelector } from './table.js';

const MICROTIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

function contentType(req: SimRequest): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase() as string;
}

function parseJsonBody(req: SimRequest): Json {
  const text = req.body.toString('utf8');
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

function parseObjectBody(req: SimRequest, def: ResourceDef): JsonObject {
  const ct = contentType(req);
  if (ct && ct !== 'application/json' && ct !== 'application/yaml' && ct !== '*/*') {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor`,
    );
  }
  let body: unknown;
  try {
    body = ct === 'application/yaml' ? parseYaml(req.body.toString('utf8')) : JSON.parse(req.body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${(err as Error).message}`,
    );
  }
  if (!isObject(body)) {
    throw errors.badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go value of type struct`,
    );
  }
  return body;
}

function writeOptions(ctx: SimContext, req: SimRequest, operation: WriteOptions['operation']): WriteOptions {
  const q = req.url.searchParams;
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun) {
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  }
  const ua = String(req.headers['user-agent'] ?? '');
  const fieldManager = q.get('fieldManager') || ua.split('/')[0] || 'unknown';
  return { dryRun: dryRun.length > 0, fieldManager, operation, now: ctx.now() };
}

/** The checks a real apiserver does on the object it is about to store. */
function validate(def: ResourceDef, name: string, obj: KubeObject): void {
  if (def.kind === 'Lease' && def.group === 'coordination.k8s.io') {
    for (const f of ['acquireTime', 'renewTime'] as const) {
      const v = obj.spec?.[f];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || !MICROTIME.test(v)) {
        throw errors.badRequest(
          `Lease in version "v1" cannot be handled as a Lease: parsing time "${String(v)}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "${String(v).slice(19)}" as ".000000"`,
        );
      }
    }
  }
  const replicas = obj.spec?.replicas;
  if (replicas !== undefined && ['Deployment', 'ReplicaSet', 'StatefulSet'].includes(def.kind)) {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid(
        def,
        name,
        'spec.replicas',
        `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    }
  }
}

function checkIdentity(def: ResourceDef, prev: KubeObject, next: KubeObject, name: string, namespace?: string): void {
  const meta = next.metadata ?? {};
  if (meta.name !== name) {
    throw errors.badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${name})`);
  }
  if (def.namespaced && meta.namespace !== undefined && meta.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const rv = meta.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== prev.metadata?.resourceVersion) throw errors.conflict(def, name);
  if (meta.uid !== undefined && meta.uid !== prev.metadata?.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${def.group ? `${def.plural}.${def.group}` : def.plural} "${name}": Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${prev.metadata?.uid}`,
      { name, ...(def.group ? { group: def.group } : {}), kind: def.plural },
    );
  }
}

/** Apply a PATCH body to `target` according to the request's Content-Type. */
function applyPatch(def: ResourceDef, target: JsonObject, req: SimRequest, kind: string): JsonObject {
  const ct = contentType(req);
  const accepted = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH, ...(def.builtin ? [STRATEGIC_PATCH] : [])];
  if (!accepted.includes(ct)) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  }
  try {
    if (ct === APPLY_PATCH) {
      if (!req.url.searchParams.get('fieldManager')) {
        throw new ApiError(
          422,
          'Invalid',
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          {
            group: 'meta.k8s.io',
            kind: 'PatchOptions',
            causes: [
              {
                reason: 'FieldValueRequired',
                message: 'Required value: is required for apply patch',
                field: 'fieldManager',
              },
            ],
          },
        );
      }
      let body: unknown;
      try {
        body = parseYaml(req.body.toString('utf8'));
      } catch (err) {
        throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
      }
      return def.builtin
        ? strategicMerge(target, body as Json, kind)
        : (mergePatch(target, body as Json) as JsonObject);
    }
    const body = parseJsonBody(req);
    if (ct === JSON_PATCH) {
      const out = jsonPatch(target, body);
      if (!isObject(out)) throw new PatchError(422, 'the patched document is not an object');
      return out;
    }
    if (!isObject(body)) {
      throw errors.badRequest(
        `error decoding patch: json: cannot unmarshal ${Array.isArray(body) ? 'array' : typeof body} into Go value of type map[string]interface {}`,
      );
    }
    if (ct === MERGE_PATCH) return mergePatch(target, body) as JsonObject;
    return strategicMerge(target, body, kind);
  } catch (err) {
    if (err instanceof PatchError) {
      throw err.code === 400 ? errors.badRequest(err.message) : errors.patchNotApplicable(err.message);
    }
    throw err;
  }
}

/** Keep what a write through `subresource` may not change (status via main resource; spec via /status). */
function scopeToSubresource(def: ResourceDef, prev: KubeObject, next: KubeObject, sub: string | undefined): KubeObject {
  if (!def.subresources.includes('status')) return next;
  if (sub === 'status') return { ...prev, status: next.status };
  const out = { ...next };
  if (prev.status === undefined) delete out.status;
  else out.status = prev.status;
  return out;
}

function scaleOf(obj: KubeObject): KubeObject {
  const m = obj.metadata ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: formatLabelSelector(obj.spec?.selector).replace('<none>', ''),
    },
  } as KubeObject;
}

function lookup(ctx: SimContext, def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
  const obj = ctx.store.get(def, namespace, name);
  if (!obj) throw errors.notFound(def, name);
  return obj;
}

export function patchReply(
  ctx: SimContext,
  req: SimRequest,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  sub: string | undefined,
): Reply {
  const prev = lookup(ctx, def, namespace, name);
  const opts = writeOptions(ctx, req, contentType(req) === APPLY_PATCH ? 'Apply' : 'Update');
  if (sub === 'scale') {
    const scale = scaleOf(prev);
    const patched = applyPatch(def, clone(scale) as JsonObject, req, 'Scale') as KubeObject;
    return json(200, writeScale(ctx, def, prev, scale, patched, name, opts));
  }
  const patched = applyPatch(def, clone(prev) as JsonObject, req, def.kind) as KubeObject;
  checkIdentity(def, prev, patched, name, namespace);
  const next = scopeToSubresource(def, prev, patched, sub);
  validate(def, name, next);
  const stored = ctx.store.write(def, prev, next, opts);
  return json(200, served(def, stored, true));
}

function writeScale(
  ctx: SimContext,
  def: ResourceDef,
  prev: KubeObject,
  scale: KubeObject,
  next: KubeObject,
  name: string,
  opts: WriteOptions,
): KubeObject {
  const rv = next.metadata?.resourceVersion;
  if (rv && rv !== scale.metadata?.resourceVersion) throw errors.conflict(def, name);
  const replicas = next.spec?.replicas;
  const updated = { ...prev, spec: { ...prev.spec, replicas } };
  validate(def, name, updated);
  const stored = ctx.store.write(def, prev, updated, opts);
  return scaleOf(stored);
}

export function putReply(
  ctx: SimContext,
  req: SimRequest,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
  sub: string | undefined,
): Reply {
  const body = parseObjectBody(req, def) as KubeObject;
  const prev = lookup(ctx, def, namespace, name);
  const opts = writeOptions(ctx, req, 'Update');
  if (sub === 'scale') {
    return json(200, writeScale(ctx, def, prev, scaleOf(prev), body, name, opts));
  }
  checkIdentity(def, prev, body, name, namespace);
  const next = scopeToSubresource(def, prev, body, sub);
  if (def.namespaced) next.metadata = { ...next.metadata, namespace: namespace as string };
  validate(def, name, next);
  const stored = ctx.store.write(def, prev, next, opts);
  return json(200, served(def, stored, true));
}

const NAME_SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export function postReply(ctx: SimContext, req: SimRequest, def: ResourceDef, namespace: string | undefined): Reply {
  const body = parseObjectBody(req, def) as KubeObject;
  const meta = { ...(body.metadata ?? {}) };
  if (!meta.name && meta.generateName) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += NAME_SUFFIX_CHARS[randomInt(NAME_SUFFIX_CHARS.length)];
    meta.name = `${meta.generateName}${suffix}`;
  }
  if (!meta.name) {
    throw new ApiError(
      422,
      'Invalid',
      `${def.kind}${def.group ? `.${def.group}` : ''} "" is invalid: metadata.name: Required value: name or generateName is required`,
      {
        ...(def.group ? { group: def.group } : {}),
        kind: def.kind,
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: name or generateName is required',
            field: 'metadata.name',
          },
        ],
      },
    );
  }
  if (def.namespaced) {
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace as string;
    if (!ctx.store.namespaceExists(namespace as string)) {
      const nsDef = ctx.store.registry.find('', 'v1', 'namespaces') as ResourceDef;
      throw errors.notFound(nsDef, namespace as string);
    }
  } else {
    delete meta.namespace;
  }
  if (ctx.store.get(def, namespace, meta.name)) throw errors.alreadyExists(def, meta.name);
  delete meta.resourceVersion;
  delete meta.uid;
  const obj: KubeObject = { ...body, apiVersion: apiVersionOf(def), kind: def.kind, metadata: meta };
  validate(def, meta.name, obj);
  const stored = ctx.store.write(def, undefined, obj, writeOptions(ctx, req, 'Create'));
  return json(201, served(def, stored, true));
}

export function deleteReply(
  ctx: SimContext,
  req: SimRequest,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
): Reply {
  const prev = lookup(ctx, def, namespace, name);
  const dryRun = req.url.searchParams.getAll('dryRun').includes('All');
  ctx.store.remove(def, prev, dryRun);
  return json(200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: prev.metadata?.uid },
  });
}

export function getScaleReply(ctx: SimContext, def: ResourceDef, namespace: string | undefined, name: string): Reply {
  return json(200, scaleOf(lookup(ctx, def, namespace, name)));
}
