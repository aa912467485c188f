/** URL routing, RBAC denials from the scenario, and dispatch to the handlers. */

import type { z } from 'zod';
import type { ForbiddenRuleSchema } from '../../scenario/schema.js';
import { json, type Reply, type SimContext, type SimRequest } from './context.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { getReply, listReply, watchReply } from './list.js';
import { parseLogQuery, readLog } from './logs.js';
import type { ResourceDef } from './resources.js';
import { errors } from './status.js';
import { deleteReply, getScaleReply, patchReply, postReply, putReply } from './writes.js';

type ForbiddenRule = z.infer<typeof ForbiddenRuleSchema>;

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ResourceRequest {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
  verb: Verb;
}

function text(status: number, body: string): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

/** Parse `/api/v1/...` and `/apis/{group}/{version}/...` resource paths (undefined = not a resource path). */
export function parseResourcePath(ctx: SimContext, method: string, segs: string[], watch: boolean): ResourceRequest {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    group = '';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else {
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  }
  const registry = ctx.store.registry;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nsDef = registry.find(group, version, rest[2] as string);
    if (nsDef?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  if (rest.length === 0 || rest.length > 3) throw errors.pathNotFound();
  const [plural, name, sub] = rest as [string, string | undefined, string | undefined];
  const def = registry.find(group, version, plural);
  if (!def) throw errors.pathNotFound();
  if (name !== undefined && def.namespaced && namespace === undefined) throw errors.pathNotFound();
  if (sub !== undefined && !def.subresources.includes(sub)) throw errors.pathNotFound();
  let verb: Verb;
  if (name === undefined) {
    if (method === 'GET') verb = watch ? 'watch' : 'list';
    else if (method === 'POST') verb = 'create';
    else throw errors.methodNotAllowed();
  } else if (sub === 'log') {
    if (method !== 'GET') throw errors.methodNotAllowed();
    verb = 'get';
  } else {
    const byMethod: Record<string, Verb> = { GET: 'get', PATCH: 'patch', PUT: 'update', DELETE: 'delete' };
    const v = byMethod[method];
    if (!v || (sub !== undefined && v === 'delete')) throw errors.methodNotAllowed();
    verb = v;
  }
  if (def.view && !['get', 'list', 'watch'].includes(verb)) throw errors.methodNotAllowed();
  return { def, namespace, name, sub, verb };
}

/**
 * RBAC as the scenario describes it. A rule with a namespace also denies the cluster-wide
 * (all-namespaces) list/watch of that resource, as real RBAC would: nobody can list across
 * namespaces when one of them is off limits.
 */
export function checkForbidden(ctx: SimContext, rules: readonly ForbiddenRule[], r: ResourceRequest): void {
  const resource = r.sub ? `${r.def.plural}/${r.sub}` : r.def.plural;
  // RBAC sees `/api/v1/namespaces/x` as a request in namespace x.
  const authzNamespace = r.def.plural === 'namespaces' && r.def.group === '' && r.name ? r.name : r.namespace;
  for (const rule of rules) {
    if (rule.resource !== resource) continue;
    const verbMatches = rule.verb === '*' || rule.verb === r.verb || (rule.verb === 'list' && r.verb === 'watch');
    if (!verbMatches) continue;
    if (rule.namespace !== undefined) {
      const clusterWideOfNamespaced = r.def.namespaced && authzNamespace === undefined;
      if (authzNamespace !== rule.namespace && !clusterWideOfNamespaced) continue;
    }
    throw errors.forbidden(ctx.user, r.verb, r.def, resource, authzNamespace, r.name);
  }
}

function boolQuery(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

export function route(ctx: SimContext, req: SimRequest): Reply {
  const path = req.url.pathname.replace(/\/+$/, '') || '/';
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = req.url.searchParams;
  const accept = typeof req.headers.accept === 'string' ? req.headers.accept : undefined;
  const registry = ctx.store.registry;
  const isGet = req.method === 'GET';

  switch (path) {
    case '/version':
      if (!isGet) throw errors.methodNotAllowed();
      return json(200, versionInfo(ctx.scenario.kubernetesVersion));
    case '/healthz':
    case '/readyz':
    case '/livez':
      if (!isGet) throw errors.methodNotAllowed();
      return text(200, 'ok');
    case '/api':
      if (!isGet) throw errors.methodNotAllowed();
      return json(200, apiVersions(ctx.hostPort()));
    case '/apis':
      if (!isGet) throw errors.methodNotAllowed();
      return json(200, apiGroupList(registry));
  }
  if (segs[0] === 'api' && segs.length === 2) {
    if (!isGet) throw errors.methodNotAllowed();
    const doc = apiResourceList(registry, '', segs[1] as string);
    if (!doc) throw errors.pathNotFound();
    return json(200, doc);
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    if (!isGet) throw errors.methodNotAllowed();
    const doc = apiGroup(registry, segs[1] as string);
    if (!doc) throw errors.pathNotFound();
    return json(200, doc);
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    if (!isGet) throw errors.methodNotAllowed();
    const doc = apiResourceList(registry, segs[1] as string, segs[2] as string);
    if (!doc) throw errors.pathNotFound();
    return json(200, doc);
  }
  if (!((segs[0] === 'api' && segs.length > 2) || (segs[0] === 'apis' && segs.length > 3))) {
    throw errors.pathNotFound();
  }

  const r = parseResourcePath(ctx, req.method, segs, isGet && boolQuery(q, 'watch'));
  checkForbidden(ctx, ctx.scenario.forbidden, r);
  const { def, namespace, name, sub } = r;
  switch (r.verb) {
    case 'list':
      return listReply(ctx, def, namespace, q, accept);
    case 'watch':
      return watchReply(ctx, def, namespace, q);
    case 'create':
      return postReply(ctx, req, def, namespace);
    case 'get': {
      const n = name as string;
      if (sub === 'log') {
        const pod = ctx.store.get(def, namespace, n);
        if (!pod) throw errors.notFound(def, n);
        const body = readLog(ctx.scenario, pod, parseLogQuery(q), ctx.now());
        return { status: 200, contentType: 'text/plain', body };
      }
      if (sub === 'scale') return getScaleReply(ctx, def, namespace, n);
      return getReply(ctx, def, namespace, n, q, sub ? undefined : accept);
    }
    case 'patch':
      return patchReply(ctx, req, def, namespace, name as string, sub);
    case 'update':
      return putReply(ctx, req, def, namespace, name as string, sub);
    case 'delete':
      return deleteReply(ctx, req, def, namespace, name as string);
  }
}
