/** Human-readable summary of a built topology (what `proxmesh topology` prints). */
import type { BuiltTopology } from './spec.ts';
import { degrees, edgeCount } from './graph.ts';
import { mixingToDense } from './mixing.ts';

/** W is printed in full up to this many nodes. */
export const REPORT_MAX_DENSE = 16;

export function topologyReport(built: BuiltTopology): string {
  const { graph, mixing, spectral } = built;
  const d = degrees(graph);
  let dmin = Infinity;
  let dmax = 0;
  let dsum = 0;
  for (const x of d) {
    dmin = Math.min(dmin, x);
    dmax = Math.max(dmax, x);
    dsum += x;
  }
  const f6 = (x: number): string => x.toFixed(6);
  const lines = [
    `topology ${graph.name}`,
    `  nodes n               ${graph.n}`,
    `  edges |E|             ${edgeCount(graph)}`,
    `  degree min/mean/max   ${dmin} / ${(dsum / graph.n).toFixed(3)} / ${dmax}`,
    `  mixing W              ${mixing.name}`,
    `  rho = ||W - J||_2     ${f6(spectral.rho)}`,
    `  spectral gap 1 - rho  ${f6(spectral.spectralGap)}`,
    `  lambda2(W)            ${spectral.lambda2 === null ? '-' : f6(spectral.lambda2)}`,
    `  lambda_min(W)         ${f6(spectral.lambdaMin)}`,
  ];
  if (graph.n <= REPORT_MAX_DENSE) {
    lines.push(`W (${graph.n}x${graph.n}):`);
    for (const row of mixingToDense(mixing)) {
      lines.push(`  ${Array.from(row, (w) => (w === 0 ? '0'.padEnd(6) : w.toFixed(4))).join(' ')}`);
    }
  } else {
    lines.push(`W (${graph.n}x${graph.n}) not printed (n > ${REPORT_MAX_DENSE}); use --json or --out-json for its rows.`);
  }
  return `${lines.join('\n')}\n`;
}
