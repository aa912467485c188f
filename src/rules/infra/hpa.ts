/** HorizontalPodAutoscaler views shared by the HPA rules (pure; autoscaling/v2 and v1 shapes). */
import type { Facts } from '../../domain/facts.js';
import type { Condition, KubeObject } from '../../domain/k8s.js';
import type { ResourceRef } from '../../domain/result.js';
import { objName, parseQuantity, perPodQuotaUsage, type Scope } from './common.js';

export interface HpaMetric {
  name: string;
  /** Target/current as percentages of request (Utilization) or raw values (AverageValue). */
  target: number | null;
  current: number | null;
  unit: '%' | '';
}

export interface HpaView {
  obj: KubeObject;
  name: string;
  ref: ResourceRef;
  min: number;
  max: number | null;
  current: number | null;
  desired: number | null;
  conditions: Condition[];
  metrics: HpaMetric[];
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : typeof v === 'string' ? parseQuantity(v) : null;
}

function metricsOf(h: KubeObject): HpaMetric[] {
  const out: HpaMetric[] = [];
  if (typeof h.spec?.targetCPUUtilizationPercentage === 'number') {
    out.push({
      name: 'cpu',
      target: h.spec.targetCPUUtilizationPercentage,
      current: num(h.status?.currentCPUUtilizationPercentage),
      unit: '%',
    });
  }
  const current: KubeObject[] = Array.isArray(h.status?.currentMetrics) ? h.status.currentMetrics : [];
  for (const m of (Array.isArray(h.spec?.metrics) ? h.spec.metrics : []) as KubeObject[]) {
    const spec = m.resource ?? m.containerResource;
    if (!spec?.name) continue;
    const cur = current.find((c) => (c.resource ?? c.containerResource)?.name === spec.name);
    const curVal = (cur?.resource ?? cur?.containerResource)?.current ?? {};
    const util = spec.target?.averageUtilization;
    if (typeof util === 'number') {
      out.push({ name: spec.name, target: util, current: num(curVal.averageUtilization), unit: '%' });
    } else {
      out.push({
        name: spec.name,
        target: num(spec.target?.averageValue),
        current: num(curVal.averageValue),
        unit: '',
      });
    }
  }
  return out;
}

/** HPAs whose scaleTargetRef is the target's workload. */
export function targetHpas(facts: Facts, scope: Scope): HpaView[] {
  const w = scope.workload;
  if (!w) return [];
  return facts.hpas
    .filter((h) => (h.metadata?.namespace ?? scope.namespace) === scope.namespace)
    .filter((h) => h.spec?.scaleTargetRef?.name === w.name && (h.spec?.scaleTargetRef?.kind ?? w.kind) === w.kind)
    .map((h) => ({
      obj: h,
      name: objName(h),
      ref: {
        apiVersion: h.apiVersion ?? 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        namespace: h.metadata?.namespace ?? scope.namespace,
        name: objName(h),
      },
      min: typeof h.spec?.minReplicas === 'number' ? h.spec.minReplicas : 1,
      max: typeof h.spec?.maxReplicas === 'number' ? h.spec.maxReplicas : null,
      current: typeof h.status?.currentReplicas === 'number' ? h.status.currentReplicas : null,
      desired: typeof h.status?.desiredReplicas === 'number' ? h.status.desiredReplicas : null,
      conditions: Array.isArray(h.status?.conditions) ? h.status.conditions : [],
      metrics: metricsOf(h),
    }));
}

export function hpaCondition(h: HpaView, type: string): Condition | undefined {
  return h.conditions.find((c) => c.type === type);
}

export function formatMetric(m: HpaMetric): string {
  const fmt = (v: number | null) => (v === null ? '<unknown>' : `${v}${m.unit}`);
  return `${m.name} ${fmt(m.current)}${m.unit === '%' ? ' of request' : ''} vs target ${fmt(m.target)}`;
}

/**
 * How many more pods the namespace quotas allow (per pod usage from the template), and which quota
 * binds first; null when no quota constrains the template's resources.
 */
export function quotaHeadroom(
  facts: Facts,
  scope: Scope,
): { pods: number; quota: string; key: string; used: string; hard: string } | null {
  let best: { pods: number; quota: string; key: string; used: string; hard: string } | null = null;
  for (const q of facts.quotas) {
    if ((q.metadata?.namespace ?? scope.namespace) !== scope.namespace) continue;
    const hard: Record<string, string> = q.status?.hard ?? q.spec?.hard ?? {};
    const used: Record<string, string> = q.status?.used ?? {};
    for (const [key, h] of Object.entries(hard)) {
      const perPod = perPodQuotaUsage(scope.template, key);
      const hv = parseQuantity(h);
      const uv = parseQuantity(used[key] ?? '0');
      if (perPod === null || perPod <= 0 || hv === null || uv === null) continue;
      const pods = Math.max(0, Math.floor((hv - uv + 1e-9) / perPod));
      if (!best || pods < best.pods) best = { pods, quota: objName(q), key, used: used[key] ?? '0', hard: h };
    }
  }
  return best;
}
