/**
 * FM-21: a ResourceQuota (or LimitRange) rejects pod creation, so the pods never exist.
 * Keys on `FailedCreate` of the target's ReplicaSet/StatefulSet/Job (`exceeded quota: …` /
 * `failed quota: …: must specify …` / LimitRange `… usage per Container is …`), the ResourceQuota's
 * used vs hard (status), the template's missing limits (spec) and the replica shortfall (status).
 * A FailedCreate followed by SuccessfulCreate with all replicas present is ruled out.
 *
 * `must specify` comes in two shapes: up to 1.2x `must specify limits.cpu,limits.memory` (the
 * resources any container lacks), newer `must specify limits.cpu for: app,sidecar; limits.memory
 * for: app` (per resource, the containers that lack it). Bare `cpu`/`memory` mean requests. The patch
 * sets every required resource on every container that lacks it, each value derived from the
 * container's own resources (a limit is 2x its request, a request is its limit, as the API server
 * defaults it); when one value has no such basis, or a named container is not in the template, or
 * the quota has no room for the patched pods, there is no patch and the advice says why.
 */
import { list } from '../../analysis/format.js';
import type { CauseId } from '../../domain/causes.js';
import type { Ev } from '../../domain/facts.js';
import type { Container, KubeObject } from '../../domain/k8s.js';
import type { Evidence, Fix } from '../../domain/result.js';
import type { Rule, RuleOutcome } from '../rule.js';
import {
  buildScope,
  clock,
  eventSignal,
  formatCpu,
  formatQuantity,
  latestOf,
  ms,
  objName,
  ownerEvents,
  parseQuantity,
  patchable,
  perPodQuotaUsage,
  quote,
  ref,
  replicaShortfall,
  rolloutExplains,
  rolloutTrigger,
  scaleUpTrigger,
  specSignal,
  statusSignal,
  templatePatch,
  times,
} from './common.js';

const EXCEEDED = /exceeded quota: ([^,\s]+), requested: (.*?), used: (.*?), limited: (.*)$/;
const MUST = /failed quota: ([^:\s]+): must specify (.+)$/;
const STALE = /status unknown for quota: ([^,\s]+)/;
const LIMIT_RANGE = /(?:maximum|minimum) [\w./-]+ usage per (?:Container|Pod) is|limit to request ratio per/;

function pairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w./-]+)=([^,\s]+)/g)) if (m[1] && m[2]) out[m[1]] = m[2];
  return out;
}

/** A parsed `failed quota: <name>: must specify …` rejection. */
export interface MustSpecify {
  quota: string;
  /** Required resources as quota keys, in message order (bare `cpu` → `requests.cpu`). */
  keys: string[];
  /** Per key, the containers the message names (newer format), or null (older format: not said). */
  containers: Map<string, string[] | null>;
}

const BARE = new Set(['cpu', 'memory', 'ephemeral-storage']);

function quotaKey(resource: string): string {
  return BARE.has(resource) ? `requests.${resource}` : resource;
}

/**
 * Every clause of a `must specify` rejection: `limits.cpu,limits.memory` (older) or
 * `limits.cpu for: app,sidecar; limits.memory for: app` (newer); null when the message is neither.
 */
export function parseMustSpecify(message: string): MustSpecify | null {
  const m = MUST.exec(message.trim());
  if (!m) return null;
  const body = (m[2] ?? '').replace(/["'.\s]+$/, '');
  const keys: string[] = [];
  const containers = new Map<string, string[] | null>();
  for (const clause of body.split(';')) {
    const [resPart, forPart] = clause.split(/\s*\bfor:\s*/) as [string, string | undefined];
    const resources = resPart
      .split(',')
      .map((r) => r.trim())
      .filter((r) => /^[A-Za-z][\w./-]*$/.test(r));
    const names =
      forPart === undefined
        ? null
        : forPart
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n !== '');
    for (const r of resources) {
      const key = quotaKey(r);
      if (!keys.includes(key)) keys.push(key);
      if (!containers.has(key)) containers.set(key, names);
      else {
        const had = containers.get(key) ?? null;
        containers.set(key, had === null || names === null ? null : [...new Set([...had, ...names])]);
      }
    }
  }
  return keys.length > 0 ? { quota: m[1] ?? '', keys, containers } : null;
}

export function isQuotaMessage(message: string): boolean {
  return EXCEEDED.test(message) || MUST.test(message) || STALE.test(message) || LIMIT_RANGE.test(message);
}

function splitKey(key: string): { kind: 'requests' | 'limits'; res: string } | null {
  const m = /^(requests|limits)\.(.+)$/.exec(key);
  return m ? { kind: m[1] as 'requests' | 'limits', res: m[2] ?? '' } : null;
}

/** Whether the container satisfies a required quota key (a request defaults to the limit). */
function sets(c: Container, key: string): boolean {
  const k = splitKey(key);
  if (!k) return false;
  const { requests = {}, limits = {} } = c.resources ?? {};
  return k.kind === 'limits' ? limits[k.res] !== undefined : (requests[k.res] ?? limits[k.res]) !== undefined;
}

/**
 * The value for a missing `limits.x` / `requests.x`, from the container's own resources only: a
 * limit is twice the request (at least 100m of CPU), a request is the limit (as the API server
 * defaults it). Null when the container gives no basis (then no value is invented).
 */
function derivedValue(c: Container, key: string): string | null {
  const k = splitKey(key);
  if (!k) return null;
  if (k.kind === 'requests') return c.resources?.limits?.[k.res] ?? null;
  const req = parseQuantity(c.resources?.requests?.[k.res]);
  if (req === null || req <= 0) return null;
  if (k.res === 'cpu') return formatCpu(Math.max(req * 2, 0.1));
  if (BARE.has(k.res)) return formatQuantity(k.res, req * 2);
  // Extended resources and hugepages must have limit == request.
  return c.resources?.requests?.[k.res] ?? null;
}

/** A quota map's value for a key, also under its bare name (`cpu` is `requests.cpu`). */
function quotaValue(map: Record<string, string>, key: string): string | undefined {
  return map[key] ?? map[key.replace(/^requests\.(cpu|memory|ephemeral-storage)$/, '$1')];
}

function basisOf(key: string): string {
  const k = splitKey(key);
  if (!k) return key;
  return k.kind === 'limits' ? `requests.${k.res}` : `limits.${k.res}`;
}

/** `container a does not set limits.cpu or limits.memory; containers b, c do not set limits.memory`. */
function describeMissing(missing: readonly { name: string; keys: readonly string[] }[]): string {
  const groups = new Map<string, string[]>();
  for (const m of missing) {
    const k = m.keys.join(' or ');
    groups.set(k, [...(groups.get(k) ?? []), m.name]);
  }
  return [...groups]
    .map(([keys, names]) =>
      names.length === 1
        ? `container ${names[0]} does not set ${keys}`
        : `containers ${list(names, 4)} do not set ${keys}`,
    )
    .join('; ');
}

export const quotaExceeded: Rule = {
  id: 'quota-exceeded',
  evaluate(facts, derived): RuleOutcome {
    const scope = buildScope(facts, derived);
    const all = ownerEvents(facts, scope, ['FailedCreate']);
    const failed = all.filter((e) => isQuotaMessage(e.message));
    const last = latestOf(failed, (e) => e.last);
    if (!last) {
      const other = latestOf(all, (e) => e.last);
      if (!other) return null;
      return {
        kind: 'ruled-out',
        reason: `FailedCreate on ${other.kind} ${other.object} is not a quota/LimitRange rejection: ${quote(other.message.replace(/^.*?forbidden:\s*/, ''), 160)}.`,
      };
    }
    const ns = scope.namespace;
    const shortfall = replicaShortfall(facts, scope);
    const created = ownerEvents(facts, scope, ['SuccessfulCreate']).filter(
      (e) => e.object === last.object && ms(e.last) > ms(last.last),
    );
    if (created.length > 0 && !shortfall) {
      return {
        kind: 'ruled-out',
        reason: `FailedCreate (quota) on ${last.kind} ${last.object} at ${clock(last.last)} was followed by SuccessfulCreate at ${clock(latestOf(created, (e) => e.last)?.last)}; all replicas exist now.`,
      };
    }

    const signals: Evidence[] = [
      eventSignal(last, `FailedCreate on ${last.kind} ${last.object}${times(last)}: ${quote(last.message, 400)}`),
    ];
    const exceeded = EXCEEDED.exec(last.message);
    const must = parseMustSpecify(last.message);
    const quotaName = exceeded?.[1] ?? must?.quota ?? STALE.exec(last.message)?.[1] ?? null;
    const quota: KubeObject | null = quotaName ? (facts.quotas.find((q) => objName(q) === quotaName) ?? null) : null;
    const quotaRef = ref(ns, 'ResourceQuota', quotaName ?? '');
    let needText = '';

    if (exceeded) {
      const requested = pairs(exceeded[2] ?? '');
      const used = pairs(exceeded[3] ?? '');
      const limited = pairs(exceeded[4] ?? '');
      const parts = Object.keys(limited).map(
        (k) => `${k}: requested ${requested[k] ?? '?'}, used ${used[k] ?? '?'}, hard ${limited[k]}`,
      );
      needText = parts.join('; ');
      if (quota) {
        const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
        const usedNow = quota.status?.used ?? {};
        const full = Object.keys(limited).filter((k) => {
          const h = parseQuantity(hard[k]);
          const u = parseQuantity(usedNow[k]);
          const r = parseQuantity(requested[k]);
          return h !== null && u !== null && u + (r ?? 0) > h;
        });
        if (full.length > 0) {
          signals.push(
            statusSignal(
              quotaRef,
              null,
              `ResourceQuota ${quotaName}: ${full.map((k) => `${k} used ${usedNow[k] ?? '?'} of hard ${hard[k] ?? '?'}`).join(', ')} (no room for one more pod).`,
            ),
          );
        }
      }
    }

    let fix: Fix | null = null;
    /** Why there is no patch for a `must specify` rejection (empty when there is one, or nothing is missing). */
    const noPatch: string[] = [];
    /** Per container: the values the patch (or the advice) sets, null where no value has a basis. */
    let plan: { name: string; init: boolean; values: [string, string | null][] }[] = [];
    let missingText = '';
    if (must) {
      const containers = [
        ...(scope.template?.spec?.containers ?? []).map((c) => ({ c, init: false })),
        ...(scope.template?.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
      ];
      // Newer messages say which containers lack which resource; older ones only which resources.
      const named = (key: string, name: string) => {
        const names = must.containers.get(key);
        return names === null || names === undefined || names.includes(name);
      };
      const missing = containers
        .map(({ c, init }) => ({
          c,
          init,
          keys: must.keys.filter((k) => named(k, c.name) && !sets(c, k)),
        }))
        .filter((x) => x.keys.length > 0);
      const templateNames = new Set(containers.map((x) => x.c.name));
      const absent = [
        ...new Set([...must.containers.values()].flatMap((n) => n ?? []).filter((n) => !templateNames.has(n))),
      ];
      const fromMessage = must.keys.every((k) => must.containers.get(k))
        ? [...new Set(must.keys.flatMap((k) => must.containers.get(k) ?? []))].map((name) => ({
            name,
            keys: must.keys.filter((k) => must.containers.get(k)?.includes(name)),
          }))
        : [];
      missingText = describeMissing(
        fromMessage.length > 0 ? fromMessage : missing.map((x) => ({ name: x.c.name, keys: x.keys })),
      );
      if (quota) {
        const hard = quota.spec?.hard ?? quota.status?.hard ?? {};
        signals.push(
          specSignal(
            quotaRef,
            `ResourceQuota ${quotaName} tracks ${must.keys.map((k) => `${k} (hard ${quotaValue(hard, k) ?? '?'})`).join(', ')}, so every container of every pod must set ${must.keys.length > 1 ? 'them' : 'it'}.`,
          ),
        );
      }
      if (missing.length > 0 && scope.workload) {
        signals.push(
          specSignal(
            ref(ns, scope.workload.kind, scope.workload.name),
            `Container ${missing.map((x) => `${x.c.name} sets no ${x.keys.join(', ')}`).join('; ')}.`,
          ),
        );
      }
      plan = missing.map((x) => ({
        name: x.c.name,
        init: x.init,
        values: x.keys.map((k): [string, string | null] => [k, derivedValue(x.c, k)]),
      }));
      for (const n of absent) {
        noPatch.push(
          `container ${n} is not in the pod template (added at admission, e.g. an injected sidecar): set its resources where it is injected`,
        );
      }
      for (const p of plan) {
        const unknown = p.values.filter(([, v]) => v === null).map(([k]) => k);
        for (const res of [...new Set(unknown.map((k) => splitKey(k)?.res ?? k))]) {
          const ks = unknown.filter((k) => (splitKey(k)?.res ?? k) === res);
          noPatch.push(
            ks.length > 1
              ? `container ${p.name} sets no ${res} request or limit to size ${ks.join(' and ')} from`
              : `container ${p.name} sets no ${basisOf(ks[0] ?? res)} to derive ${ks[0]} from`,
          );
        }
      }
      if (missing.length === 0 && absent.length === 0 && !scope.template) {
        noPatch.push('the pod template could not be read');
      }
      const workloadKind = scope.workload?.kind;
      if (plan.length > 0 && !patchable(scope.workload)) {
        noPatch.push(`${workloadKind ? `a ${workloadKind}` : 'the target'} has no pod template Causa patches`);
      }
      const replicas = facts.target.workload?.spec?.replicas;
      if (plan.length > 0 && noPatch.length === 0 && quota && typeof replicas === 'number' && scope.template) {
        // After the rollout every replica carries the new values: do they fit what the quota has left?
        const after = structuredClone(scope.template);
        for (const p of plan) {
          const c = (p.init ? after.spec?.initContainers : after.spec?.containers)?.find((x) => x.name === p.name);
          if (!c) continue;
          for (const [k, v] of p.values) {
            const sk = splitKey(k);
            if (!sk || v === null) continue;
            c.resources = { ...(c.resources ?? {}), [sk.kind]: { ...(c.resources?.[sk.kind] ?? {}), [sk.res]: v } };
          }
        }
        const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
        const usedNow = quota.status?.used ?? {};
        const running = facts.pods.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).length;
        for (const k of must.keys) {
          const h = parseQuantity(quotaValue(hard, k));
          const u = parseQuantity(quotaValue(usedNow, k));
          const perPod = perPodQuotaUsage(after, k);
          if (h === null || u === null || perPod === null) continue;
          const before = perPodQuotaUsage(scope.template, k) ?? 0;
          const need = u - running * before + replicas * perPod;
          if (need > h) {
            noPatch.push(
              `ResourceQuota ${quotaName} has ${formatQuantity(k, Math.max(h - u, 0))} of ${k} left (hard ${quotaValue(hard, k)}, used ${quotaValue(usedNow, k)}), and ${replicas} pods at ${formatQuantity(k, perPod)} each would exceed it: raise the quota as well`,
            );
          }
        }
      }
      if (plan.length > 0 && noPatch.length === 0 && patchable(scope.workload)) {
        const entries = plan.map((p) => {
          const resources: { requests?: Record<string, string>; limits?: Record<string, string> } = {};
          for (const [k, v] of p.values) {
            const sk = splitKey(k);
            if (sk && v !== null) resources[sk.kind] = { ...(resources[sk.kind] ?? {}), [sk.res]: v };
          }
          return { name: p.name, init: p.init, resources };
        });
        const strip = (xs: typeof entries) => xs.map(({ name, resources }) => ({ name, resources }));
        const main = strip(entries.filter((p) => !p.init));
        const init = strip(entries.filter((p) => p.init));
        const bases = [...new Set(plan.flatMap((p) => p.values.map(([k]) => splitKey(k)?.kind)))];
        fix = {
          summary: `add ${plan
            .map((p) => `${p.name} ${p.values.map(([k, v]) => `${k}=${v}`).join(' ')}`)
            .join('; ')} (required by quota ${quotaName}; ${bases
            .map((b) =>
              b === 'limits' ? "each limit is 2x the container's request" : "each request is the container's limit",
            )
            .join(', ')})`,
          resource: scope.workload,
          patchType: 'strategic',
          patch: templatePatch(scope.workload.kind, {
            ...(main.length > 0 ? { containers: main } : {}),
            ...(init.length > 0 ? { initContainers: init } : {}),
          }),
        };
      }
    }
    if (shortfall) signals.push(shortfall);

    // Trigger: a rollout (surge / new ReplicaSet) or a scale-up.
    const w = scope.workload;
    const rescale = latestOf(
      facts.events.filter(
        (e: Ev) =>
          e.kind === 'HorizontalPodAutoscaler' &&
          e.reason === 'SuccessfulRescale' &&
          facts.hpas.some((h) => objName(h) === e.object && h.spec?.scaleTargetRef?.name === w?.name),
      ),
      (e) => e.last,
    );
    const trigger =
      rolloutTrigger(facts) ??
      (rescale
        ? `HPA ${rescale.object} scale-up at ${clock(rescale.last)} (${quote(rescale.message, 80)})`
        : scaleUpTrigger(facts, scope, last.first ?? last.last));
    const explains: CauseId[] = [...rolloutExplains(facts)];
    if (facts.hpas.some((h) => h.spec?.scaleTargetRef?.name === w?.name)) explains.push('hpa-at-max');

    const owner = `${last.kind} ${last.object}`;
    let summary: string;
    let advice: string;
    if (must) {
      const wl = w ? `${w.kind.toLowerCase()}/${w.name}` : '<workload>';
      const required = list(must.keys, 10);
      summary = `${owner} cannot create pods: ResourceQuota ${quotaName} requires ${required} on every container, and ${missingText || `the pod template does not set ${must.keys.length > 1 ? 'them' : 'it'}`}.`;
      const flags = (p: (typeof plan)[number]) =>
        (['limits', 'requests'] as const)
          .map((kind) => {
            const vs = p.values
              .map(([k, v]) => ({ sk: splitKey(k), v }))
              .filter((x) => x.sk?.kind === kind)
              .map((x) => `${x.sk?.res}=${x.v ?? `<${x.sk?.res}>`}`);
            return vs.length > 0 ? ` --${kind}=${vs.join(',')}` : '';
          })
          .join('');
      const commands = plan.map((p) => `kubectl -n ${ns} set resources ${wl} -c ${p.name}${flags(p)}`).join('; ');
      if (fix) {
        advice = `Apply the patch, or set the values yourself: ${commands}. A LimitRange with default ${required} in ${ns} would cover the next workload too.`;
      } else {
        advice = `No automatic patch: ${noPatch.join('; ') || `every container of the template already sets ${required} (the rejected pods predate the change; check the rollout)`}. Set ${required} on every container of ${wl}${commands ? ` (${commands})` : ''}, or add a LimitRange with default ${required} in ${ns}.`;
      }
    } else if (exceeded) {
      summary = `${owner} cannot create pods: ResourceQuota ${quotaName} is exhausted (${needText}).`;
      advice = `Raise the quota (kubectl -n ${ns} edit resourcequota ${quotaName}; ${needText}) or lower the requests/replicas of ${w ? `${w.kind.toLowerCase()}/${w.name}` : 'the workload'}; kubectl -n ${ns} describe resourcequota ${quotaName} shows what uses it.`;
    } else if (LIMIT_RANGE.test(last.message)) {
      summary = `${owner} cannot create pods: a LimitRange rejects the pod's resources (${quote(last.message.replace(/^.*forbidden:\s*/, ''), 160)}).`;
      advice = `Bring the container resources within the namespace LimitRange (kubectl -n ${ns} describe limitrange) or adjust the LimitRange.`;
    } else {
      summary = `${owner} cannot create pods: quota ${quotaName} status is unknown (the quota controller has not recalculated it).`;
      advice = `kubectl -n ${ns} describe resourcequota ${quotaName}; check kube-controller-manager health (resource quota controller).`;
    }
    return { kind: 'match', summary, signals, trigger, fix, advice, explains };
  },
};
