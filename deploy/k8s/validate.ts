/**
 * Schema validation of rendered objects: kubernetes-models' validate() (the OpenAPI schema: types and
 * required fields) for the core kinds, checkServiceMonitor for the prometheus-operator CRD.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { checkServiceMonitor } from './service-monitor.ts';

type Validatable = { validate(): void };
const MODELS: Record<string, new (data: any) => Validatable> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

export const idOf = (o: Record<string, any>) => `${o?.kind}/${o?.metadata?.name}`;

/** Schema problems of plain objects (empty when all pass). */
export function validateSchemas(objects: readonly Record<string, any>[]): string[] {
  const errs: string[] = [];
  for (const o of objects) {
    if (o?.kind === 'ServiceMonitor') {
      errs.push(...checkServiceMonitor(o).map((e) => `${idOf(o)}: ${e}`));
      continue;
    }
    const Model = MODELS[`${o?.apiVersion}/${o?.kind}`];
    if (!Model) {
      errs.push(`${idOf(o)}: no schema for ${o?.apiVersion} ${o?.kind}`);
      continue;
    }
    try {
      new Model(structuredClone(o)).validate();
    } catch (err) {
      errs.push(`${idOf(o)}: ${(err as Error).message.split('\n').slice(0, 4).join(' | ')}`);
    }
  }
  return errs;
}
