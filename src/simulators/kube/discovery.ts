/** Legacy discovery documents (/api, /apis, APIResourceLists) and /version. */
import type { Registry, ResourceDef } from './resources.js';
import { splitApiVersion } from './resources.js';

const WRITE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(hostPort: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: hostPort }],
  };
}

function groupEntry(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

function groupsOf(registry: Registry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const gv of registry.groupVersions) {
    const { group, version } = splitApiVersion(gv);
    if (!group) continue;
    const list = groups.get(group) ?? [];
    if (!list.includes(version)) list.push(version);
    groups.set(group, list);
  }
  return groups;
}

export function apiGroupList(registry: Registry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupsOf(registry)].map(([g, vs]) => groupEntry(g, vs)),
  };
}

export function apiGroup(registry: Registry, group: string): object | undefined {
  const versions = groupsOf(registry).get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function resourceEntries(def: ResourceDef): object[] {
  const verbs = def.view ? ['get', 'list', 'watch'] : WRITE_VERBS;
  const main = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs,
    ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length ? { categories: def.categories } : {}),
  };
  const subs = def.subresources.map((sub) => {
    if (sub === 'log')
      return { name: `${def.plural}/log`, singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] };
    if (sub === 'scale') {
      return {
        name: `${def.plural}/scale`,
        singularName: '',
        namespaced: def.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      };
    }
    return {
      name: `${def.plural}/${sub}`,
      singularName: '',
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ['get', 'patch', 'update'],
    };
  });
  return [main, ...subs];
}

export function apiResourceList(registry: Registry, group: string, version: string): object | undefined {
  const defs = registry.inGroupVersion(group, version);
  if (defs.length === 0) return undefined;
  const groupVersion = group ? `${group}/${version}` : version;
  return {
    kind: 'APIResourceList',
    ...(group ? { apiVersion: 'v1' } : {}),
    groupVersion,
    resources: defs.flatMap(resourceEntries),
  };
}

export function versionInfo(gitVersion: string): object {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '30',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z',
    goVersion: 'go1.22.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
