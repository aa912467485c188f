/**
 * The three PATCH flavours the apiserver accepts for built-in types:
 *   - strategic merge patch (lists merged by their patch-merge key, `$patch` directives),
 *   - JSON merge patch (RFC 7386),
 *   - JSON patch (RFC 6902).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class PatchError extends Error {
  override name = 'PatchError';
  /** 400 = the patch document is malformed; 422 = well-formed but cannot be applied. */
  constructor(
    readonly code: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 merge patch

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Merge keys of the built-in types' lists (`patchMergeKey` in the Go types), by field name and context. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  secrets: 'name',
};

/** Lists of scalars merged as sets (`patchStrategy:"merge"` on a []string). */
const PRIMITIVE_MERGE = new Set(['finalizers']);

/** `path` = the field names from the root to the list (indices omitted). */
export function mergeKeyFor(path: readonly string[], kind?: string): string | undefined {
  const field = path[path.length - 1];
  if (field === undefined) return undefined;
  if (field === 'ports') {
    const parent = path[path.length - 2];
    if (parent !== undefined && CONTAINER_LISTS.has(parent)) return 'containerPort';
    if (kind === 'Service' && path.length === 2 && path[0] === 'spec') return 'port';
    return undefined;
  }
  if (field === 'addresses' && kind !== 'Node') return undefined;
  if (field === 'secrets' && kind !== 'ServiceAccount') return undefined;
  if (field === 'conditions' && path[0] !== 'status') return undefined;
  return MERGE_KEYS[field];
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v))
    return v.filter((x) => !(isObject(x) && Object.keys(x).length === 1 && '$patch' in x)).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (val === null) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}

function mergeList(original: Json[] | undefined, patch: Json[], path: string[], kind?: string): Json[] {
  if (patch.some((x) => isObject(x) && x.$patch === 'replace')) {
    return stripDirectives(patch.filter((x) => !(isObject(x) && x.$patch === 'replace'))) as Json[];
  }
  const field = path[path.length - 1] ?? '';
  if (PRIMITIVE_MERGE.has(field)) {
    const out = [...(original ?? [])];
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
    return out;
  }
  const key = mergeKeyFor(path, kind);
  if (!key) return stripDirectives(patch) as Json[];
  const out: Json[] = (original ?? []).map((o) => clone(o));
  for (const item of patch) {
    if (!isObject(item)) {
      out.push(clone(item));
      continue;
    }
    const kv = item[key];
    const idx = kv === undefined ? -1 : out.findIndex((o) => isObject(o) && deepEqual(o[key], kv));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergeAt(out[idx] as JsonObject, item, path, kind) ?? {};
    else out.push(stripDirectives(item));
  }
  return out;
}

function strategicMergeAt(
  original: JsonObject | undefined,
  patch: JsonObject,
  path: string[],
  kind?: string,
): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as JsonObject;
  const out: JsonObject = isObject(original) ? { ...original } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (k === '$retainKeys') continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const childPath = [...path, k];
    if (Array.isArray(v)) {
      const cur = out[k];
      out[k] = mergeList(Array.isArray(cur) ? cur : undefined, v, childPath, kind);
    } else if (isObject(v)) {
      const cur = out[k];
      const merged = strategicMergeAt(isObject(cur) ? cur : undefined, v, childPath, kind);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

/**
 * Apply a strategic merge patch to a built-in object. `kind` disambiguates lists whose merge key
 * depends on the type (Service `spec.ports` merge on `port`, container ports on `containerPort`).
 */
export function strategicMerge(original: JsonObject, patch: Json, kind?: string): JsonObject {
  if (!isObject(patch)) {
    throw new PatchError(
      400,
      `json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`,
    );
  }
  return (
    strategicMergeAt(original, patch, [], kind ?? (typeof original.kind === 'string' ? original.kind : undefined)) ?? {}
  );
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch

export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw new PatchError(422, `JSON pointer must be empty or start with a "/": ${ptr}`);
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, allowEnd: boolean, op: string, ptr: string): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new PatchError(422, `${op} operation does not apply: doc is missing path: "${ptr}": invalid index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i >= length)) {
    throw new PatchError(422, `${op} operation does not apply: doc is missing path: "${ptr}": index out of bounds`);
  }
  return i;
}

function getAt(doc: Json, tokens: string[], op: string, ptr: string): Json {
  let cur: Json = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      cur = cur[arrayIndex(t, cur.length, false, op, ptr)] as Json;
    } else if (isObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t] as Json;
    } else {
      throw new PatchError(422, `${op} operation does not apply: doc is missing path: "${ptr}": missing value`);
    }
  }
  return cur;
}

/** Returns the new document (the input is not modified). */
function applyOp(doc: Json, op: JsonPatchOp): Json {
  const tokens = parsePointer(op.path);
  const work = clone(doc);
  const parentOf = (): { parent: Json; last: string } => {
    const last = tokens[tokens.length - 1] as string;
    return { parent: getAt(work, tokens.slice(0, -1), op.op, op.path), last };
  };
  const add = (value: Json): Json => {
    if (tokens.length === 0) return value;
    const { parent, last } = parentOf();
    if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, op.op, op.path), 0, value);
    else if (isObject(parent)) parent[last] = value;
    else
      throw new PatchError(422, `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`);
    return work;
  };
  const remove = (): Json => {
    if (tokens.length === 0) return null;
    const { parent, last } = parentOf();
    if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, op.op, op.path), 1);
    else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
    else
      throw new PatchError(422, `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`);
    return work;
  };
  switch (op.op) {
    case 'add':
      if (!('value' in op)) throw new PatchError(422, 'add operation does not apply: missing value');
      return add(clone(op.value as Json));
    case 'remove':
      return remove();
    case 'replace': {
      if (!('value' in op)) throw new PatchError(422, 'replace operation does not apply: missing value');
      if (tokens.length === 0) return clone(op.value as Json);
      const { parent, last } = parentOf();
      if (Array.isArray(parent))
        parent[arrayIndex(last, parent.length, false, op.op, op.path)] = clone(op.value as Json);
      else if (isObject(parent) && Object.hasOwn(parent, last)) parent[last] = clone(op.value as Json);
      else throw new PatchError(422, `replace operation does not apply: doc is missing key: ${op.path}: missing value`);
      return work;
    }
    case 'test': {
      const cur = getAt(work, tokens, op.op, op.path);
      if (!deepEqual(cur, op.value ?? null)) throw new PatchError(422, `testing value ${op.path} failed: test failed`);
      return work;
    }
    case 'copy':
    case 'move': {
      if (typeof op.from !== 'string')
        throw new PatchError(422, `${op.op} operation does not apply: missing from path`);
      const fromTokens = parsePointer(op.from);
      const value = clone(getAt(work, fromTokens, op.op, op.from));
      let base: Json = work;
      if (op.op === 'move') base = applyOp(work, { op: 'remove', path: op.from });
      return applyOp(base, { op: 'add', path: op.path, value });
    }
    default:
      throw new PatchError(422, `Unexpected kind: ${op.op}`);
  }
}

/** Validate the patch document's shape the way the apiserver's handler decodes it. */
export function decodeJsonPatch(body: unknown): JsonPatchOp[] {
  if (!Array.isArray(body)) {
    throw new PatchError(
      400,
      `error decoding patch: json: cannot unmarshal ${jsonKind(body)} into Go value of type []handlers.jsonPatchOp`,
    );
  }
  return body.map((raw) => {
    if (!isObject(raw)) {
      throw new PatchError(
        400,
        `error decoding patch: json: cannot unmarshal ${jsonKind(raw)} into Go value of type handlers.jsonPatchOp`,
      );
    }
    if (typeof raw.op !== 'string') throw new PatchError(422, 'Unexpected kind: unknown');
    if (typeof raw.path !== 'string') throw new PatchError(422, `${raw.op} operation does not apply: missing path`);
    const op: JsonPatchOp = { op: raw.op, path: raw.path };
    if (typeof raw.from === 'string') op.from = raw.from;
    if ('value' in raw) op.value = raw.value as Json;
    return op;
  });
}

export function jsonPatch(doc: Json, body: unknown): Json {
  let cur = doc;
  for (const op of decodeJsonPatch(body)) cur = applyOp(cur, op);
  return cur;
}
