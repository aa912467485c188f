/**
 * Static checks of the Dockerfile and .dockerignore (no Docker daemon needed): multi-stage, a small
 * runtime stage with only what the bot needs, a non-root user, no secrets baked in, the right CMD.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/store/migrate.js';
import { ROOT } from './manifests.js';

interface Instruction {
  op: string;
  args: string;
  line: number;
}
interface Stage {
  from: string;
  name: string | null;
  body: Instruction[];
}

const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!buf && (line === '' || line.startsWith('#'))) return;
    if (buf && line.startsWith('#')) return; // comment inside a continued instruction
    if (!buf) start = i + 1;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    buf += line;
    const m = /^(\S+)\s*(.*)$/s.exec(buf)!;
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = '';
  });
  return out;
}

const ALL = instructions(DOCKERFILE);

/** Global ARG defaults (before the first FROM), to resolve `FROM ${NODE_IMAGE}`. */
const ARGS = new Map<string, string>();
for (const ins of ALL) {
  if (ins.op === 'FROM') break;
  if (ins.op === 'ARG') {
    const [k, v] = ins.args.split('=');
    if (k && v !== undefined) ARGS.set(k.trim(), v.trim());
  }
}
const resolve = (s: string) => s.replace(/\$\{?(\w+)\}?/g, (_, k: string) => ARGS.get(k) ?? `\${${k}}`);

const STAGES: Stage[] = [];
for (const ins of ALL) {
  if (ins.op === 'FROM') {
    const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
    assert.ok(m, `FROM at line ${ins.line}`);
    STAGES.push({ from: resolve(m[1]!), name: m[2] ?? null, body: [] });
  } else STAGES.at(-1)?.body.push(ins);
}
const BUILD = STAGES[0]!;
const RUNTIME = STAGES.at(-1)!;
const runs = (s: Stage) =>
  s.body
    .filter((i) => i.op === 'RUN')
    .map((i) => i.args)
    .join('\n');

/** KEY=VALUE pairs of ENV instructions (both syntaxes). */
function envOf(s: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of s.body.filter((x) => x.op === 'ENV')) {
    if (!i.args.includes('=')) {
      const [k, ...v] = i.args.split(/\s+/);
      env.set(k!, v.join(' '));
      continue;
    }
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
  }
  return env;
}

interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}
function copies(s: Stage): Copy[] {
  return s.body
    .filter((i) => i.op === 'COPY' || i.op === 'ADD')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length) ?? null;
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

test('multi-stage: a node:20-bookworm-slim build stage with a toolchain, a node:20-bookworm-slim runtime', () => {
  assert.ok(STAGES.length >= 2, 'at least two stages');
  assert.equal(BUILD.from, 'node:20-bookworm-slim');
  assert.equal(BUILD.name, 'build');
  assert.equal(RUNTIME.from, 'node:20-bookworm-slim');
  const build = runs(BUILD);
  assert.match(build, /apt-get install[^\n]*\bpython3\b/);
  assert.match(build, /apt-get install[^\n]*\bmake\b/);
  assert.match(build, /apt-get install[^\n]*\bg\+\+/);
  assert.match(build, /\bnpm ci\b/);
  assert.match(build, /\bnpm run build\b/);
  assert.match(build, /\bnpm prune --omit=dev\b/);
  // npm ci runs against the lock file
  assert.ok(copies(BUILD).some((c) => c.sources.includes('package-lock.json')));
});

test('the runtime stage holds only dist/, node_modules, migrations/, scenarios/, manifest.yml, package.json', () => {
  const got = copies(RUNTIME);
  assert.ok(
    RUNTIME.body.every((i) => i.op !== 'ADD'),
    'no ADD (no remote URLs or archives)',
  );
  const allowed = new Map<string, { from: string | null; source: string }>([
    ['./package.json', { from: 'build', source: '/app/package.json' }],
    ['./node_modules', { from: 'build', source: '/app/node_modules' }],
    ['./dist/src', { from: 'build', source: '/app/dist/src' }],
    ['./migrations', { from: null, source: 'migrations' }],
    ['./scenarios', { from: null, source: 'scenarios' }],
    ['./manifest.yml', { from: null, source: 'manifest.yml' }],
  ]);
  assert.deepEqual(got.map((c) => c.dest).sort(), [...allowed.keys()].sort());
  for (const c of got) {
    const want = allowed.get(c.dest)!;
    assert.deepEqual({ from: c.from, sources: c.sources }, { from: want.from, sources: [want.source] }, c.dest);
  }
  assert.doesNotMatch(runs(RUNTIME), /apt-get install|npm (ci|install)|g\+\+/, 'no toolchain or installs at run time');
  const workdir = RUNTIME.body.filter((i) => i.op === 'WORKDIR').at(-1)?.args;
  assert.equal(workdir, '/app');
  // The layout /app/dist/src + /app/migrations is the one the code resolves its migrations from.
  assert.equal(
    relative(join(ROOT, 'dist', 'src'), DEFAULT_MIGRATIONS_DIR).replace(/\/$/, ''),
    join('..', '..', 'migrations'),
  );
  for (const p of ['migrations/0001_init.sql', 'manifest.yml', 'package-lock.json', 'tsconfig.json', 'src/main.ts'])
    assert.ok(existsSync(join(ROOT, p)), `${p} exists in the build context`);
});

test('runs as a non-root user (uid 10001) with production defaults, port 3000 and CMD node dist/src/main.js', () => {
  const users = RUNTIME.body.filter((i) => i.op === 'USER');
  assert.ok(users.length > 0, 'the runtime stage sets USER');
  const user = users.at(-1)!.args;
  const [uid, gid] = user.split(':');
  assert.equal(uid, '10001', 'numeric uid, so runAsNonRoot can verify it');
  assert.notEqual(gid, '0');
  const afterUser = RUNTIME.body.filter((i) => i.line > users.at(-1)!.line);
  assert.ok(
    afterUser.every((i) => i.op !== 'RUN'),
    'nothing runs after USER',
  );
  const env = envOf(RUNTIME);
  assert.equal(env.get('NODE_ENV'), 'production');
  assert.equal(env.get('CAUSA_DB'), '/data/causa.db');
  assert.equal(env.get('PORT'), '3000');
  assert.ok(RUNTIME.body.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('3000')));
  const cmd = RUNTIME.body.filter((i) => i.op === 'CMD').at(-1);
  assert.ok(cmd, 'CMD');
  assert.deepEqual(JSON.parse(cmd.args), ['node', 'dist/src/main.js'], 'exec-form CMD (signals reach node)');
  assert.ok(!RUNTIME.body.some((i) => i.op === 'ENTRYPOINT'), 'no ENTRYPOINT wrapper');
  assert.ok(existsSync(join(ROOT, 'dist/src/main.js')), 'the CMD target is what `npm run build` emits');
  const hc = RUNTIME.body.find((i) => i.op === 'HEALTHCHECK');
  if (hc) assert.match(hc.args, /\/healthz/);
});

test('no secrets baked in: no credential ENV/ARG, no secret files copied, secret files ignored', () => {
  const secretName = /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL/i;
  for (const s of STAGES) for (const k of envOf(s).keys()) assert.doesNotMatch(k, secretName, `ENV ${k}`);
  for (const i of ALL.filter((x) => x.op === 'ARG'))
    assert.doesNotMatch(i.args.split('=')[0]!, secretName, `ARG ${i.args}`);
  assert.doesNotMatch(DOCKERFILE, /xox[abpr]-|xapp-|ghp_|AKIA[0-9A-Z]{16}|-----BEGIN/, 'no token-looking literal');
  for (const s of STAGES)
    for (const c of copies(s))
      for (const src of c.sources) {
        assert.notEqual(src, '.', `COPY . at line ${s.name}: copy named paths only`);
        assert.doesNotMatch(src, /(^|\/)(\.env|\.npmrc|kubeconfig|\.kube|causa\.yaml)|\.(pem|key)$/, src);
      }
  const ignore = DOCKERIGNORE.split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['**/node_modules', 'dist', '.git', '**/.env', '**/.env.*', '**/.npmrc', '**/*.pem', '**/*.db'])
    assert.ok(ignore.includes(p), `.dockerignore has ${p}`);
  assert.ok(
    ignore.some((p) => p.includes('kubeconfig')),
    '.dockerignore has kubeconfig',
  );
});

test('.dockerignore does not exclude what the Dockerfile copies from the build context', () => {
  const patterns = DOCKERIGNORE.split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
  // Go filepath.Match-style globs plus `**/` (any directories), anchored at the context root.
  const globPart = (g: string) =>
    g
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
  const toRegex = (p: string) => new RegExp(`^${p.split('**/').map(globPart).join('(?:.*/)?')}(?:/.*)?$`);
  const regexes = patterns.map((p) => ({ p, re: toRegex(p) }));
  const fromContext = STAGES.flatMap((s) => copies(s).filter((c) => c.from === null)).flatMap((c) => c.sources);
  assert.ok(fromContext.length > 0);
  for (const src of fromContext) {
    const path = src.replace(/^\.\//, '');
    const hit = regexes.find(({ re }) => re.test(path));
    assert.equal(hit, undefined, `${path} is excluded by .dockerignore pattern ${hit?.p}`);
    assert.ok(existsSync(join(ROOT, path)), `${path} exists`);
  }
});
