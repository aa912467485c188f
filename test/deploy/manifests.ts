/**
 * Helpers for the deployment tests: the repository root, rendering kustomize directories with the
 * kubectl (or kustomize) found on PATH, and the few Kubernetes shapes the assertions read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root (works from dist/test/deploy and from test/deploy). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'deploy')) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'causa')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json of causa with deploy/) not found');
    dir = up;
  }
})();

export const DEPLOY = join(ROOT, 'deploy');

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [key: string]: unknown;
}
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
export interface ClusterRole extends Doc {
  rules?: PolicyRule[];
}
/** A namespaced Role has the same shape. */
export type Role = ClusterRole;
export interface Binding extends Doc {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}
export interface Probe {
  httpGet?: { path?: string; port?: number | string };
}
export interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string } }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}
export interface Volume {
  name: string;
  emptyDir?: unknown;
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  [source: string]: unknown;
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    fsGroup?: number;
    seccompProfile?: { type: string };
  };
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: {
        weight: number;
        podAffinityTerm: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } };
      }[];
      requiredDuringSchedulingIgnoredDuringExecution?: unknown[];
    };
  };
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
export interface Deployment extends Doc {
  spec: {
    replicas?: number;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    selector: { matchLabels?: Record<string, string> };
    template: { metadata: { labels?: Record<string, string> }; spec: PodSpec };
  };
}
export interface Service extends Doc {
  spec: {
    selector?: Record<string, string>;
    publishNotReadyAddresses?: boolean;
    ports: { name?: string; port: number; targetPort?: number | string }[];
  };
}
export interface ConfigMap extends Doc {
  data?: Record<string, string>;
}
export interface Ingress extends Doc {
  spec: {
    rules?: {
      host?: string;
      http?: {
        paths: {
          path?: string;
          pathType: string;
          backend: { service?: { name: string; port: { name?: string; number?: number } } };
        }[];
      };
    }[];
  };
}
export interface Pvc extends Doc {
  spec: { accessModes?: string[]; resources?: { requests?: { storage?: string } }; storageClassName?: string };
}

export interface Rendered {
  docs: Doc[];
  text: string;
}

/** A command that renders a kustomization directory, or null when neither kubectl nor kustomize exists. */
export type Renderer = (dir: string) => Rendered;

function parseDocs(text: string, what: string): Doc[] {
  const docs: Doc[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length > 0) throw new Error(`${what}: invalid YAML: ${d.errors[0]!.message}`);
    const js = d.toJS() as Doc | null;
    if (js) docs.push(js);
  }
  return docs;
}

let renderer: Renderer | null | undefined;

/** kubectl kustomize (or kustomize build), found on PATH once; null when neither is installed. */
export function kustomizeRenderer(): Renderer | null {
  if (renderer !== undefined) return renderer;
  const candidates: [string, string[]][] = [
    ['kubectl', ['kustomize']],
    ['kustomize', ['build']],
  ];
  renderer = null;
  for (const [cmd, args] of candidates) {
    const probe = spawnSync(cmd, [...args, '--help'], { encoding: 'utf8' });
    if (probe.error && (probe.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
    renderer = (dir: string) => {
      const r = spawnSync(cmd, [...args, dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (r.error) throw r.error;
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} ${dir} failed (${r.status}): ${r.stderr.trim()}`);
      return { docs: parseDocs(r.stdout, dir), text: r.stdout };
    };
    break;
  }
  return renderer;
}

const cache = new Map<string, Rendered>();

/** Renders deploy/<sub> (cached). */
export function render(r: Renderer, sub: string): Rendered {
  let out = cache.get(sub);
  if (!out) {
    out = r(join(DEPLOY, sub));
    cache.set(sub, out);
  }
  return out;
}

/**
 * Renders a throw-away kustomization of the base plus the given components (kustomize only accepts
 * relative paths, so it is written in a temporary directory and points back into deploy/).
 */
export function renderCombination(r: Renderer, components: string[]): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'causa-kustomize-'));
  try {
    const rel = (p: string) => relative(dir, join(DEPLOY, p)).split('\\').join('/');
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${rel('base')}`,
        'components:',
        ...components.map((c) => `  - ${rel(`components/${c}`)}`),
        '',
      ].join('\n'),
    );
    return r(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function ofKind<T extends Doc>(docs: Doc[], kind: string): T[] {
  return docs.filter((d) => d.kind === kind) as T[];
}

export function one<T extends Doc>(docs: Doc[], kind: string, name: string): T {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} ${name}, found ${found.length}`);
  return found[0] as T;
}

/** A rule set flattened to `group|resource|verb` strings (sorted), for exact comparisons. */
export function permissions(rules: PolicyRule[]): string[] {
  const out = new Set<string>();
  for (const rule of rules)
    for (const g of rule.apiGroups ?? [])
      for (const r of rule.resources ?? []) for (const v of rule.verbs) out.add(`${g}|${r}|${v}`);
  return [...out].sort();
}
