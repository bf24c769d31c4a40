/**
 * prometheus-operator's ServiceMonitor (monitoring.coreos.com/v1). kubernetes-models 4.5.1 ships only
 * the core API groups, so this is the small typed subset proxmesh uses plus a structural check that
 * plays the role of the models' validate() for it.
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';

export interface ServiceMonitorEndpoint {
  /** Name of a Service port (not a number). */
  readonly port: string;
  readonly path?: string;
  readonly interval?: string;
  readonly scrapeTimeout?: string;
}

export interface ServiceMonitor {
  readonly apiVersion: 'monitoring.coreos.com/v1';
  readonly kind: 'ServiceMonitor';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly endpoints: readonly ServiceMonitorEndpoint[];
    readonly namespaceSelector?: { readonly matchNames?: readonly string[]; readonly any?: boolean };
  };
}

const DURATION = /^(\d+(ms|s|m|h))+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Problems with a ServiceMonitor-shaped object (empty when valid), as the CRD's schema would report them. */
export function checkServiceMonitor(obj: unknown): string[] {
  const errs: string[] = [];
  const o = obj as Partial<ServiceMonitor> | null;
  if (!o || typeof o !== 'object') return ['ServiceMonitor: not an object'];
  if (o.apiVersion !== 'monitoring.coreos.com/v1')
    errs.push(`ServiceMonitor: apiVersion must be monitoring.coreos.com/v1 (got ${String(o.apiVersion)})`);
  if (o.kind !== 'ServiceMonitor') errs.push(`ServiceMonitor: kind must be ServiceMonitor (got ${String(o.kind)})`);
  const name = o.metadata?.name;
  if (typeof name !== 'string' || !DNS_LABEL.test(name))
    errs.push(`ServiceMonitor: metadata.name must be a DNS label (got ${String(name)})`);
  const labels = o.spec?.selector?.matchLabels;
  if (!labels || typeof labels !== 'object' || Object.keys(labels).length === 0)
    errs.push('ServiceMonitor: spec.selector.matchLabels must be a non-empty map');
  else
    for (const [k, v] of Object.entries(labels))
      if (typeof v !== 'string') errs.push(`ServiceMonitor: selector label ${k} must be a string`);
  const eps = o.spec?.endpoints;
  if (!Array.isArray(eps) || eps.length === 0) errs.push('ServiceMonitor: spec.endpoints must be a non-empty list');
  else {
    eps.forEach((e: ServiceMonitorEndpoint, i: number) => {
      if (typeof e?.port !== 'string' || !e.port) errs.push(`ServiceMonitor: endpoints[${i}].port must be a port name`);
      if (e?.path !== undefined && (typeof e.path !== 'string' || !e.path.startsWith('/')))
        errs.push(`ServiceMonitor: endpoints[${i}].path must start with /`);
      for (const key of ['interval', 'scrapeTimeout'] as const) {
        const v = e?.[key];
        if (v !== undefined && (typeof v !== 'string' || !DURATION.test(v)))
          errs.push(`ServiceMonitor: endpoints[${i}].${key} must be a duration such as 15s (got ${String(v)})`);
      }
    });
  }
  return errs;
}
