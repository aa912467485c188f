/**
 * The Kubernetes manifests in deploy/: every overlay is rendered with `kubectl kustomize` and
 * checked for the properties operators rely on (hardened pod, probes, the read-only RBAC derived
 * from the code, the opt-in patch role, persistence, leader election with its Lease role derived
 * from the code).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type TestContext, test } from 'node:test';
import { parse } from 'yaml';
import { parseFileConfig } from '../../src/config/load.js';
import { apiGroupOf, RESOURCES } from '../../src/kube/reader.js';
import {
  type Binding,
  type ClusterRole,
  type ConfigMap,
  type Container,
  DEPLOY,
  type Deployment,
  type Doc,
  type Ingress,
  kustomizeRenderer,
  ofKind,
  one,
  type Probe,
  type Pvc,
  permissions,
  type Rendered,
  type Renderer,
  ROOT,
  type Role,
  render,
  renderCombination,
  type Service,
} from './manifests.js';

type Component = 'http-mode' | 'persistent' | 'approve-fix' | 'leader-election';

/** Each overlay is the base plus these components (checked against its kustomization.yaml below). */
const OVERLAYS = {
  'socket-mode': [],
  'http-mode': ['http-mode'],
  persistent: ['persistent'],
  'approve-fix': ['approve-fix'],
  ha: ['leader-election'],
} as const satisfies Record<string, readonly Component[]>;
type Overlay = keyof typeof OVERLAYS;

/**
 * Components rendered together. persistent and leader-election exclude each other (both replace the
 * data volume; rendering them together fails on purpose, see the test below), so "everything" is two
 * combinations.
 */
const COMBINATIONS = {
  'all components': ['http-mode', 'persistent', 'approve-fix'],
  'all components with leader election': ['http-mode', 'leader-election', 'approve-fix'],
} as const satisfies Record<string, readonly Component[]>;
type Combination = keyof typeof COMBINATIONS;

type Variant = 'base' | `overlays/${Overlay}` | Combination;
/** Everything that must hold for any way of deploying: the base, each overlay, the combinations. */
const VARIANTS: readonly Variant[] = [
  'base',
  ...(Object.keys(OVERLAYS) as Overlay[]).map((o) => `overlays/${o}` as const),
  ...(Object.keys(COMBINATIONS) as Combination[]),
];

const NS = 'causa';
const PORT = 3000;
const IMAGE = 'ghcr.io/causa-oss/causa:0.1.0';

/** The reader role the code needs: get/list on every RESOURCE (Secrets: list only), get pods/log. */
const EXPECTED_READER = [
  ...RESOURCES.flatMap((r) =>
    (r === 'secrets' ? ['list'] : ['get', 'list']).map((verb) => `${apiGroupOf(r)}|${r}|${verb}`),
  ),
  '|pods/log|get',
].sort();

/** What the approve-fix overlay may patch. */
const EXPECTED_PATCHER = [
  'apps|deployments',
  'apps|statefulsets',
  'apps|daemonsets',
  'autoscaling|horizontalpodautoscalers',
  'policy|poddisruptionbudgets',
  '|services',
]
  .flatMap((gr) => ['get', 'patch'].map((verb) => `${gr}|${verb}`))
  .sort();

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate'];

/** The RBAC verb each CoordinationV1Api Lease method needs (`<method>NamespacedLease`). */
const LEASE_VERB_OF: Record<string, string> = {
  read: 'get',
  create: 'create',
  replace: 'update',
  patch: 'patch',
  delete: 'delete',
  list: 'list',
};

/** The Lease verbs the elector needs, read from the calls in src/ha/leader.ts. */
function leaseVerbsFromCode(): string[] {
  const src = readFileSync(join(ROOT, 'src/ha/leader.ts'), 'utf8');
  const calls = [...src.matchAll(/(\w+)NamespacedLease\(/g)].map((m) => m[1]!);
  assert.ok(calls.length > 0, 'src/ha/leader.ts calls no *NamespacedLease method: update this test');
  const verbs = new Set<string>();
  for (const call of calls) {
    const verb = LEASE_VERB_OF[call];
    assert.ok(verb, `src/ha/leader.ts calls ${call}NamespacedLease: add its RBAC verb to LEASE_VERB_OF`);
    verbs.add(verb);
  }
  return [...verbs].sort();
}

/** The Lease name the code uses when CAUSA_LEASE_NAME is unset (src/ha/config.ts). */
function defaultLeaseName(): string {
  const src = readFileSync(join(ROOT, 'src/ha/config.ts'), 'utf8');
  const m = /env\.CAUSA_LEASE_NAME \|\| '([^']+)'/.exec(src);
  assert.ok(m, 'src/ha/config.ts: default Lease name (CAUSA_LEASE_NAME || ...) not found');
  return m[1]!;
}

const combined = new Map<Combination, Rendered>();

/** The renderer, or null after skipping the test (loudly) when there is no kubectl/kustomize on PATH. */
function renderer(t: TestContext): Renderer | null {
  const r = kustomizeRenderer();
  if (!r) {
    const msg = 'kubectl not installed: kustomize rendering not checked';
    process.stderr.write(`WARNING: ${msg} (${t.name})\n`);
    t.diagnostic(msg);
    t.skip(msg);
    return null;
  }
  return r;
}

/** Renders a variant, or skips the test (loudly) when there is no kubectl/kustomize on PATH. */
function rendered(t: TestContext, variant: Variant): Rendered | null {
  const r = renderer(t);
  if (!r) return null;
  if (!(variant in COMBINATIONS)) return render(r, variant);
  const name = variant as Combination;
  let out = combined.get(name);
  if (!out) {
    out = renderCombination(r, [...COMBINATIONS[name]]);
    combined.set(name, out);
  }
  return out;
}

function componentsOf(variant: Variant): readonly Component[] {
  if (variant === 'base') return [];
  if (variant in COMBINATIONS) return COMBINATIONS[variant as Combination];
  return OVERLAYS[variant.slice('overlays/'.length) as Overlay];
}

const hasComponent = (variant: Variant, c: Component) => componentsOf(variant).includes(c);

function causaContainer(d: Deployment): Container {
  const c = d.spec.template.spec.containers.find((x) => x.name === 'causa');
  assert.ok(c, 'container "causa" in Deployment causa');
  return c;
}

function probePort(c: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet?.port;
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function envOf(c: Container): Map<string, string | undefined> {
  return new Map((c.env ?? []).map((e) => [e.name, e.value]));
}

const LEADER_ELECTION_ENV = [
  'CAUSA_LEADER_ELECTION',
  'POD_NAME',
  'POD_NAMESPACE',
  'POD_IP',
  'CAUSA_LEASE_NAMESPACE',
  'CAUSA_LEASE_NAME',
  'CAUSA_LEASE_CONTEXT',
  'CAUSA_LEASE_DURATION_SECONDS',
  'CAUSA_LEASE_RENEW_MS',
];

for (const variant of VARIANTS) {
  test(`${variant}: the Deployment runs hardened, non-root, read-only, with probes on /healthz and /readyz`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    const d = one<Deployment>(out.docs, 'Deployment', 'causa');
    assert.equal(d.metadata.namespace, NS);
    if (hasComponent(variant, 'leader-election'))
      assert.equal(d.spec.replicas, 2, 'leader election: a leader and a standby');
    else assert.equal(d.spec.replicas, 1, 'one replica: state is one SQLite file, one Slack connection');
    const pod = d.spec.template.spec;
    const c = causaContainer(d);
    assert.equal(c.image, IMAGE);
    assert.equal(pod.containers.length, 1);
    assert.equal(pod.initContainers, undefined);

    // identity and privileges
    assert.equal(pod.securityContext?.runAsNonRoot, true, 'pod runAsNonRoot');
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, 'pod runAsUser is not root');
    assert.equal(c.securityContext?.runAsNonRoot, true, 'container runAsNonRoot');
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem');
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation false');
    assert.notEqual(c.securityContext?.privileged, true);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL']);
    assert.equal(c.securityContext?.capabilities?.add, undefined, 'no added capabilities');
    const seccomp = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    assert.equal(seccomp, 'RuntimeDefault');
    assert.equal(pod.serviceAccountName, 'causa');
    assert.notEqual(pod.automountServiceAccountToken, false, 'in-cluster config needs the token');
    one<Doc>(out.docs, 'ServiceAccount', 'causa');

    // HTTP listener and probes
    assert.deepEqual(
      c.ports?.map((p) => p.containerPort),
      [PORT],
    );
    assert.equal(envOf(c).get('PORT'), String(PORT));
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(probePort(c, c.livenessProbe), PORT);
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(probePort(c, c.readinessProbe), PORT);

    // resources
    assert.ok(c.resources?.requests?.cpu, 'cpu request');
    assert.ok(c.resources?.requests?.memory, 'memory request');
    assert.ok(c.resources?.limits?.memory, 'memory limit');

    // writable paths: only mounted volumes (the root filesystem is read-only)
    const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    const env = envOf(c);
    assert.equal(env.get('CAUSA_DB'), '/data/causa.db');
    for (const path of ['/data', '/tmp']) {
      const m = mounts.get(path);
      assert.ok(m, `a volume is mounted at ${path}`);
      assert.notEqual(m.readOnly, true, `${path} is writable`);
      assert.ok(
        pod.volumes?.some((v) => v.name === m.name),
        `volume ${m.name} exists`,
      );
    }

    // configuration: CAUSA_CONFIG points into the mounted ConfigMap, whose causa.yaml is valid
    const configPath = env.get('CAUSA_CONFIG');
    assert.equal(configPath, '/etc/causa/causa.yaml');
    const cfgMount = mounts.get(dirname(configPath));
    assert.ok(cfgMount, `a volume is mounted at ${dirname(configPath)}`);
    assert.equal(cfgMount.readOnly, true);
    const cfgVolume = pod.volumes?.find((v) => v.name === cfgMount.name);
    assert.ok(cfgVolume?.configMap, 'the config mount is a ConfigMap volume');
    const cm = one<ConfigMap>(out.docs, 'ConfigMap', cfgVolume.configMap.name);
    assert.match(cm.metadata.name, /^causa-config(-[a-z0-9]+)?$/);
    const file = cfgVolume.configMap.items?.find((i) => i.path === 'causa.yaml')?.key ?? 'causa.yaml';
    const text = cm.data?.[file];
    assert.ok(text, `ConfigMap ${cm.metadata.name} has key ${file}`);
    assert.doesNotThrow(() => parseFileConfig(text, configPath), 'the sample causa.yaml passes the real schema');

    // tokens: from the operator's Secret, never from these manifests
    assert.deepEqual(
      c.envFrom?.map((e) => e.secretRef?.name),
      ['causa-secrets'],
    );
    assert.equal(ofKind(out.docs, 'Secret').length, 0, 'no Secret is rendered: the operator creates causa-secrets');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PAGERDUTY_API_TOKEN',
      'PAGERDUTY_WEBHOOK_SECRETS',
    ])
      assert.equal(env.has(name), false, `${name} is not set inline`);
    assert.doesNotMatch(out.text, /xox[abpr]-|xapp-|-----BEGIN/, 'no token-looking literal in the manifests');
  });

  test(`${variant}: everything is in namespace ${NS}; the Service maps port 80 to the container's ${PORT}`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    one<Doc>(out.docs, 'Namespace', NS);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const d of out.docs)
      if (!clusterScoped.has(d.kind)) assert.equal(d.metadata.namespace, NS, `${d.kind}/${d.metadata.name}`);
    const svc = one<Service>(out.docs, 'Service', 'causa');
    const dep = one<Deployment>(out.docs, 'Deployment', 'causa');
    const c = causaContainer(dep);
    assert.equal(svc.spec.ports.length, 1);
    const port = svc.spec.ports[0]!;
    assert.equal(port.port, 80);
    const target =
      typeof port.targetPort === 'number'
        ? port.targetPort
        : c.ports?.find((p) => p.name === port.targetPort)?.containerPort;
    assert.equal(target, PORT);
    const podLabels = dep.spec.template.metadata.labels ?? {};
    assert.ok(svc.spec.selector && Object.keys(svc.spec.selector).length > 0);
    for (const [k, v] of Object.entries(svc.spec.selector ?? {})) assert.equal(podLabels[k], v, `selector ${k}`);
    for (const [k, v] of Object.entries(dep.spec.selector.matchLabels ?? {})) assert.equal(podLabels[k], v);
    // Only Ready pods get traffic: with leader election that is the leader alone (standbys: /readyz 503).
    assert.notEqual(svc.spec.publishNotReadyAddresses, true, 'the Service never routes to a pod that is not ready');
  });

  test(`${variant}: causa-reader grants exactly the get/list the code performs (RESOURCES + pods/log)`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    const reader = one<ClusterRole>(out.docs, 'ClusterRole', 'causa-reader');
    const rules = reader.rules ?? [];
    for (const rule of rules) {
      assert.equal(rule.nonResourceURLs, undefined, 'no nonResourceURLs');
      assert.equal(rule.resourceNames, undefined, 'no resourceNames');
      for (const v of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs])
        assert.ok(!v.includes('*'), `no wildcard (${JSON.stringify(rule)})`);
      for (const verb of rule.verbs) assert.ok(verb === 'get' || verb === 'list', `only get/list, found ${verb}`);
    }
    const actual = permissions(rules);
    const missing = EXPECTED_READER.filter((p) => !actual.includes(p));
    const extra = actual.filter((p) => !EXPECTED_READER.includes(p));
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      'deploy/base/clusterrole-reader.yaml must match RESOURCES/apiGroupOf in src/kube/reader.ts (group|resource|verb)',
    );
    assert.deepEqual(
      actual.filter((p) => p.startsWith('|secrets|')),
      ['|secrets|list'],
      'Secrets: list (metadata only), never get',
    );
    assert.ok(!actual.some((p) => p.endsWith('|watch')), 'no watch: the code never watches');
    assert.ok(!actual.some((p) => p.startsWith('events.k8s.io|')), 'events are read from core/v1 only');

    const binding = one<Binding>(out.docs, 'ClusterRoleBinding', 'causa-reader');
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'causa-reader',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'causa', namespace: NS }]);
  });

  test(`${variant}: cluster-wide write access exists only with approve-fix, and only get/patch on the fixable kinds`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    // Namespaced roles: only the Lease role of leader election (checked in detail below).
    const withLease = hasComponent(variant, 'leader-election');
    assert.deepEqual(
      ofKind(out.docs, 'Role').map((r) => r.metadata.name),
      withLease ? ['causa-leader-election'] : [],
    );
    assert.deepEqual(
      ofKind(out.docs, 'RoleBinding').map((r) => r.metadata.name),
      withLease ? ['causa-leader-election'] : [],
    );
    const roles = ofKind<ClusterRole>(out.docs, 'ClusterRole');
    const bindings = ofKind<Binding>(out.docs, 'ClusterRoleBinding');
    const withPatcher = hasComponent(variant, 'approve-fix');
    assert.deepEqual(
      roles.map((r) => r.metadata.name).sort(),
      withPatcher ? ['causa-patcher', 'causa-reader'] : ['causa-reader'],
    );
    assert.deepEqual(
      bindings.map((b) => b.metadata.name).sort(),
      withPatcher ? ['causa-patcher', 'causa-reader'] : ['causa-reader'],
    );
    for (const role of roles)
      for (const rule of role.rules ?? [])
        for (const verb of rule.verbs) {
          assert.ok(!verb.includes('*'), `${role.metadata.name}: no wildcard verbs`);
          if (WRITE_VERBS.includes(verb))
            assert.equal(role.metadata.name, 'causa-patcher', `${role.metadata.name} must not grant ${verb}`);
        }
    if (!withPatcher) return;

    const patcher = one<ClusterRole>(out.docs, 'ClusterRole', 'causa-patcher');
    for (const rule of patcher.rules ?? []) {
      assert.deepEqual([...rule.verbs].sort(), ['get', 'patch'], 'causa-patcher: get and patch only');
      assert.equal(rule.resourceNames, undefined);
      assert.equal(rule.nonResourceURLs, undefined);
      for (const v of [...(rule.apiGroups ?? []), ...(rule.resources ?? [])]) assert.ok(!v.includes('*'));
    }
    assert.deepEqual(permissions(patcher.rules ?? []), EXPECTED_PATCHER);
    const binding = one<Binding>(out.docs, 'ClusterRoleBinding', 'causa-patcher');
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'causa-patcher',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'causa', namespace: NS }]);
  });

  const storage = hasComponent(variant, 'persistent')
    ? 'the PVC causa-data (ReadWriteOnce) with the Recreate strategy'
    : hasComponent(variant, 'leader-election')
      ? 'the PVC causa-data-shared (ReadWriteMany), shared by the replicas, with the Recreate strategy'
      : 'an emptyDir';
  test(`${variant}: SQLite lives on ${storage}`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    const d = one<Deployment>(out.docs, 'Deployment', 'causa');
    const c = causaContainer(d);
    const dataMount = c.volumeMounts?.find((m) => m.mountPath === '/data');
    assert.ok(dataMount);
    const data = d.spec.template.spec.volumes?.find((v) => v.name === dataMount.name);
    assert.ok(data);
    const sources = Object.keys(data).filter((k) => k !== 'name');
    if (hasComponent(variant, 'leader-election')) {
      assert.deepEqual(sources, ['persistentVolumeClaim'], 'the emptyDir is replaced, not kept next to the PVC');
      assert.equal(data.persistentVolumeClaim?.claimName, 'causa-data-shared');
      assert.deepEqual(
        ofKind(out.docs, 'PersistentVolumeClaim').map((p) => p.metadata.name),
        ['causa-data-shared'],
        'only the shared claim (never the single-replica causa-data next to it)',
      );
      const pvc = one<Pvc>(out.docs, 'PersistentVolumeClaim', 'causa-data-shared');
      assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany'], 'replicas on different nodes open the same file');
      assert.equal(pvc.spec.resources?.requests?.storage, '1Gi');
      assert.equal(pvc.spec.storageClassName, undefined, "the RWX class is the operator's choice (commented)");
      // Standbys are never Ready, so a RollingUpdate that keeps any pod available waits forever for
      // new pods that only become Ready once the old leader is gone. Recreate replaces them all.
      assert.equal(d.spec.strategy?.type, 'Recreate', 'a rolling update would never remove the old leader');
      assert.equal(d.spec.strategy?.rollingUpdate, undefined);
      return;
    }
    if (!hasComponent(variant, 'persistent')) {
      assert.deepEqual(sources, ['emptyDir']);
      assert.equal(ofKind(out.docs, 'PersistentVolumeClaim').length, 0);
      return;
    }
    assert.deepEqual(sources, ['persistentVolumeClaim'], 'the emptyDir is replaced, not kept next to the PVC');
    assert.equal(data.persistentVolumeClaim?.claimName, 'causa-data');
    const pvc = one<Pvc>(out.docs, 'PersistentVolumeClaim', 'causa-data');
    assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
    assert.equal(pvc.spec.resources?.requests?.storage, '1Gi');
    assert.equal(d.spec.strategy?.type, 'Recreate', 'two pods never share the SQLite file');
    assert.equal(d.spec.strategy?.rollingUpdate, undefined);
  });

  test(`${variant}: ${hasComponent(variant, 'leader-election') ? 'Lease leader election: env from the downward API, replicas on different nodes, a Role with exactly the verbs src/ha/leader.ts calls' : 'no leader election'}`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    const d = one<Deployment>(out.docs, 'Deployment', 'causa');
    const c = causaContainer(d);
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    if (!hasComponent(variant, 'leader-election')) {
      for (const name of LEADER_ELECTION_ENV) assert.equal(env.has(name), false, `${name} is not set`);
      assert.equal(ofKind(out.docs, 'Role').length, 0);
      return;
    }

    // The elector's settings (src/ha/config.ts): on, identity = pod name, Lease in the pod's namespace.
    assert.equal(env.get('CAUSA_LEADER_ELECTION')?.value, 'lease');
    assert.deepEqual(env.get('POD_NAME')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
    assert.deepEqual(env.get('POD_NAMESPACE')?.valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
    // Written on the Lease (src/ha/config.ts advertisedUrl) so standbys forward webhooks to the leader.
    assert.deepEqual(env.get('POD_IP')?.valueFrom, { fieldRef: { fieldPath: 'status.podIP' } });
    for (const name of ['POD_NAME', 'POD_NAMESPACE', 'POD_IP']) assert.equal(env.get(name)?.value, undefined, name);
    assert.equal(env.has('CAUSA_LEASE_NAMESPACE'), false, 'the Lease lives in the pod namespace, where the Role is');
    assert.equal(env.has('CAUSA_LEASE_CONTEXT'), false, 'in-cluster: the home cluster');
    const leaseName = env.get('CAUSA_LEASE_NAME')?.value ?? defaultLeaseName();

    // A standby on another node when there is one.
    const pod = d.spec.template.spec;
    const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const podLabels = d.spec.template.metadata.labels ?? {};
    assert.ok(
      terms.some(
        (term) =>
          term.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' &&
          Object.keys(term.podAffinityTerm.labelSelector?.matchLabels ?? {}).length > 0 &&
          Object.entries(term.podAffinityTerm.labelSelector?.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v),
      ),
      'preferred podAntiAffinity on kubernetes.io/hostname selecting the causa pods',
    );
    assert.equal(
      pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      undefined,
      'preferred, not required: a single-node cluster still runs both replicas',
    );

    // The Lease role: exactly the verbs the elector's calls need, on leases only, in namespace causa.
    const role = one<Role>(out.docs, 'Role', 'causa-leader-election');
    assert.equal(role.metadata.namespace, NS);
    const rules = role.rules ?? [];
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      assert.deepEqual(rule.apiGroups, ['coordination.k8s.io'], JSON.stringify(rule));
      assert.deepEqual(rule.resources, ['leases'], JSON.stringify(rule));
      assert.equal(rule.nonResourceURLs, undefined);
      for (const v of [...rule.verbs, ...(rule.resourceNames ?? [])])
        assert.ok(!v.includes('*'), `no wildcard (${JSON.stringify(rule)})`);
      if (rule.resourceNames !== undefined)
        assert.deepEqual(rule.resourceNames, [leaseName], 'resourceNames: the Lease the code uses');
      if (rule.verbs.includes('create'))
        assert.equal(rule.resourceNames, undefined, 'a create rule with resourceNames never matches');
    }
    assert.deepEqual(
      [...new Set(rules.flatMap((r) => r.verbs))].sort(),
      leaseVerbsFromCode(),
      'deploy/components/leader-election/role-leader-election.yaml must grant exactly the Lease calls of src/ha/leader.ts',
    );
    const binding = one<Binding>(out.docs, 'RoleBinding', 'causa-leader-election');
    assert.equal(binding.metadata.namespace, NS);
    assert.deepEqual(binding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'causa-leader-election',
    });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'causa', namespace: NS }]);
  });

  test(`${variant}: ${hasComponent(variant, 'http-mode') ? 'the Ingress exposes only /slack/events and /pagerduty/webhook' : 'no Ingress'}`, (t) => {
    const out = rendered(t, variant);
    if (!out) return;
    const ingresses = ofKind<Ingress>(out.docs, 'Ingress');
    if (!hasComponent(variant, 'http-mode')) {
      assert.equal(ingresses.length, 0);
      return;
    }
    assert.equal(ingresses.length, 1);
    const svc = one<Service>(out.docs, 'Service', 'causa');
    const paths = ingresses[0]!.spec.rules?.flatMap((r) => r.http?.paths ?? []) ?? [];
    assert.deepEqual(paths.map((p) => p.path).sort(), ['/pagerduty/webhook', '/slack/events']);
    for (const p of paths) {
      assert.equal(p.backend.service?.name, 'causa');
      const port = p.backend.service?.port;
      assert.ok(
        svc.spec.ports.some((sp) => (port?.name !== undefined && sp.name === port.name) || sp.port === port?.number),
        `${p.path} points at a port of Service causa`,
      );
    }
  });
}

test('the reader role is the same in every overlay: overlays never widen read access', (t) => {
  const base = rendered(t, 'base');
  if (!base) return;
  const expected = one<ClusterRole>(base.docs, 'ClusterRole', 'causa-reader').rules;
  for (const variant of VARIANTS) {
    const out = rendered(t, variant);
    if (!out) return;
    assert.deepEqual(one<ClusterRole>(out.docs, 'ClusterRole', 'causa-reader').rules, expected, variant);
  }
});

test('each overlay is the base plus exactly the components this test assumes', () => {
  for (const [overlay, components] of Object.entries(OVERLAYS)) {
    const k = parse(readFileSync(join(DEPLOY, 'overlays', overlay, 'kustomization.yaml'), 'utf8')) as {
      resources?: string[];
      components?: string[];
    };
    assert.deepEqual(k.resources, ['../../base'], overlay);
    assert.deepEqual(
      k.components ?? [],
      components.map((c) => `../../components/${c}`),
      overlay,
    );
  }
});

test('persistent and leader-election refuse to be rendered together, in either order', (t) => {
  const r = renderer(t);
  if (!r) return;
  // Both replace the data volume: the second one would win silently (two replicas on one RWO claim,
  // or a single replica on the shared claim). Each component's `op: test` guard stops the render.
  assert.throws(
    () => renderCombination(r, ['persistent', 'leader-election']),
    /components\/leader-election[\s\S]*testing value \/spec\/strategy failed/,
  );
  assert.throws(
    () => renderCombination(r, ['leader-election', 'persistent']),
    /components\/persistent[\s\S]*testing value \/spec\/replicas failed/,
  );
});

test('only the leader elector touches Leases (what causa-leader-election assumes)', () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && /NamespacedLease|CoordinationV1Api/.test(readFileSync(p, 'utf8')))
        found.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(join(ROOT, 'src'));
  assert.deepEqual(found, ['src/ha/leader.ts']);
  assert.deepEqual(leaseVerbsFromCode(), ['create', 'get', 'update'], 'what the Role comments describe');
});

test('the kube reader only lists and reads (what causa-reader assumes), Secrets as metadata only', () => {
  const src = readFileSync(join(ROOT, 'src/kube/client-node-reader.ts'), 'utf8');
  assert.match(
    src,
    /as=PartialObjectMetadataList/,
    'Secrets are listed with the PartialObjectMetadataList Accept header',
  );
  assert.match(src, /resource === 'secrets' && !metadataOnly/, 'full Secret lists are refused in code');
  assert.match(src, /if \(resource === 'secrets'\) throw/, 'Secrets are never read by name');
  const calls = [...src.matchAll(/`(list|read|create|replace|patch|delete|watch|connect)[A-Z$][^`]*`/g)].map(
    (m) => m[1],
  );
  assert.ok(calls.length > 0);
  assert.deepEqual([...new Set(calls)].sort(), ['list', 'read']);
  assert.doesNotMatch(
    src,
    /\.watch\(|new k8s\.Watch|makeApiClient\(k8s\.(?!CoreV1Api|AppsV1Api|BatchV1Api|AutoscalingV2Api|PolicyV1Api|StorageV1Api|DiscoveryV1Api|NetworkingV1Api|SchedulingV1Api)/,
  );
});

test('deploy/base/causa.yaml is a valid config and uses the in-cluster context', () => {
  const file = join(DEPLOY, 'base/causa.yaml');
  const text = readFileSync(file, 'utf8');
  const cfg = parseFileConfig(text, file);
  assert.ok(cfg.clusters.some((c) => c.context === 'inClusterContext'));
  assert.deepEqual(cfg.approvals.approvers, [], 'nobody can approve fixes until the operator says who');
});

test('the Deployment and the image agree on the non-root uid', () => {
  const dep = parse(readFileSync(join(DEPLOY, 'base/deployment.yaml'), 'utf8')) as Deployment;
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
  const uid = Number(users.at(-1)?.split(':')[0]);
  assert.equal(dep.spec.template.spec.securityContext?.runAsUser, uid);
  assert.equal(causaContainer(dep).securityContext?.runAsUser, uid);
});
