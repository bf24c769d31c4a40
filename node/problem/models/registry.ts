/**
 * `problem.model` spec → Model, checked against the dataset (static name → factory registry).
 * Model instances with scratch (softmax, mlp, lenet5) are not re-entrant; calls are synchronous, so
 * one instance may serve many simulated nodes in turn.
 */
import { ProxmeshError } from '../../errors.ts';
import type { ModelSpec } from '../spec.ts';
import type { Dataset, Model } from '../types.ts';
import { createLenet5 } from './lenet5.ts';
import { createLogistic } from './logistic.ts';
import { createMlp } from './mlp.ts';
import { createSoftmax } from './softmax.ts';
import type { Precision } from './precision.ts';
import { pluginModelFromSpec } from '../../plugins/registry-hooks.ts';
import { registered } from '../../plugins/registry.ts';

export const MODEL_KINDS = ['logistic', 'softmax', 'mlp', 'lenet5'] as const;

function inconsistent(field: string, msg: string): ProxmeshError {
  return new ProxmeshError('PROXMESH_ERR_CONFIG_INCONSISTENT', `${field}: ${msg}`, { field });
}

/** Model kinds with a float32 implementation (problem.precision: f32). */
export const F32_MODEL_KINDS: readonly string[] = ['lenet5'];

export function modelFromSpec(spec: ModelSpec, data: Dataset, precision: Precision = 'f64'): Model {
  const plugin = (MODEL_KINDS as readonly string[]).includes(spec.kind)
    ? undefined
    : pluginModelFromSpec(spec as Readonly<Record<string, unknown>>, data, precision);
  if (plugin !== undefined) return plugin;
  if (precision === 'f32' && !F32_MODEL_KINDS.includes(spec.kind)) {
    throw inconsistent(
      'problem.precision',
      `f32 is implemented for ${F32_MODEL_KINDS.join(', ')}; model '${spec.kind}' runs in f64 (remove precision or set it to f64)`,
    );
  }
  const d = data.features.cols;
  const C = data.nClasses;
  switch (spec.kind) {
    case 'logistic':
      if (C !== 2)
        throw inconsistent('problem.model.kind', `logistic needs a binary dataset, ${data.name} has ${C} classes (use softmax or mlp)`);
      return createLogistic({ nFeatures: d, intercept: spec.intercept ?? true });
    case 'softmax':
      if (C < 2) throw inconsistent('problem.model.kind', `softmax needs ≥ 2 classes, ${data.name} has ${C}`);
      return createSoftmax({ nFeatures: d, nClasses: C, intercept: spec.intercept ?? true });
    case 'mlp': {
      const hidden = spec.hidden ?? [64];
      hidden.forEach((h, i) => {
        if (!Number.isInteger(h) || h < 1) throw inconsistent(`problem.model.hidden[${i}]`, `width must be an integer ≥ 1, got ${h}`);
      });
      if (C < 2) throw inconsistent('problem.model.kind', `mlp needs ≥ 2 classes, ${data.name} has ${C}`);
      return createMlp({ nFeatures: d, nClasses: C, hidden });
    }
    case 'lenet5':
      if (data.features.kind !== 'dense' || d !== 784 || C > 10) {
        throw inconsistent(
          'problem.model.kind',
          `lenet5 needs dense 1×28×28 images with ≤ 10 classes, ${data.name} has ${data.features.kind} ${d} features and ${C} classes`,
        );
      }
      return createLenet5({ precision });
    default:
      throw new ProxmeshError(
        'PROXMESH_ERR_CONFIG',
        `problem.model.kind: unknown model '${(spec as { kind: string }).kind}' (known: ${[...MODEL_KINDS, ...registered('model').map((r) => r.name)].join(', ')})`,
        {
          field: 'problem.model.kind',
        },
      );
  }
}
