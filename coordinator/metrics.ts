/**
 * The coordinator's Prometheus view of the cluster (DESIGN.md §6). One registry per app instance
 * (never prom-client's global registry), so several apps in one process (tests) do not collide.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function createCoordinatorMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  // Lag sampled every 100 ms, not prom-client's 10 ms: a 10 ms timer wakes this process 100×/s, which on a
  // loaded machine takes a core from the workers mid-round (node/cluster/worker-metrics.ts, issue 11).
  if (opts.defaultMetrics ?? true)
    collectDefaultMetrics({ register: registry, prefix: 'proxmesh_coordinator_', eventLoopMonitoringPrecision: 100 });
  const g = (name: string, help: string, labelNames: string[] = ['run']) => new Gauge({ name, help, labelNames, registers: [registry] });
  const metrics = {
    registry,
    workersConnected: g('proxmesh_workers_connected', 'Workers connected to the control channel', []),
    runState: g('proxmesh_run_state', 'Current run state (1 for the active state label)', ['run', 'state']),
    iteration: g('proxmesh_iteration', 'Last evaluated iteration k of the run'),
    nodeIteration: g('proxmesh_node_iteration', 'Last iteration reported by each node', ['run', 'node']),
    objective: g('proxmesh_objective', 'Objective φ(x̄) = f(x̄) + r(x̄) at the last evaluation'),
    stationarity: g('proxmesh_stationarity', 'Stationarity ‖x̄ − prox_{ηr}(x̄ − η∇f(x̄))‖/η at the last evaluation'),
    consensus: g('proxmesh_consensus_error', 'Consensus error (1/n)Σ‖x_i − x̄‖² at the last evaluation'),
    density: g('proxmesh_density', 'Fraction of nonzero coordinates of x̄'),
    trainAccuracy: g('proxmesh_train_accuracy', 'Training accuracy of x̄'),
    testAccuracy: g('proxmesh_test_accuracy', 'Test accuracy of x̄ (absent without a test set)'),
    spectralGap: g('proxmesh_spectral_gap', 'Spectral gap 1 − ρ of the mixing matrix, ρ = ‖W − J‖₂'),
    bitsPerIteration: g(
      'proxmesh_bits_per_iteration',
      'Payload bits sent per iteration over all nodes, averaged since the previous evaluation',
    ),
    bitsSentTotal: g('proxmesh_bits_sent', 'Cumulative payload bits sent by all nodes (equals bitsSent in metrics.ndjson)'),
    bytesSent: new Counter({
      name: 'proxmesh_bytes_sent_total',
      help: 'Payload bytes sent, per node (self excluded), as reported at evaluations',
      labelNames: ['run', 'node'],
      registers: [registry],
    }),
    evaluations: new Counter({
      name: 'proxmesh_evaluations_total',
      help: 'Evaluations of x̄ performed',
      labelNames: ['run'],
      registers: [registry],
    }),
    controlRejected: new Counter({
      name: 'proxmesh_control_rejected_total',
      help: 'Control-channel connections or messages rejected',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
  return metrics;
}

export type CoordinatorMetrics = ReturnType<typeof createCoordinatorMetrics>;
