// The per-node table: iteration, local loss, bytes sent, rejected frames, step-time split
// (compute / encode / wait, mean seconds per iteration). Cells a source does not provide show "—".
import { fmtBytes, fmtNum, fmtSeconds, htmlEl } from './format.js';

export function renderNodeTable(table, stats, n) {
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  const byId = new Map((stats ?? []).map((s) => [s.nodeId, s]));
  table.setAttribute('data-rows', String(byId.size));
  if (byId.size === 0) {
    const tr = htmlEl('tr');
    tr.appendChild(htmlEl('td', { colspan: 8, class: 'empty' }, 'no per-node data yet'));
    tbody.appendChild(tr);
    return;
  }
  const count = Math.max(n ?? 0, Math.max(...byId.keys()) + 1);
  for (let i = 0; i < count; i++) {
    const s = byId.get(i);
    const tr = htmlEl('tr', { 'data-node': i });
    const step = s?.stepSeconds ?? null;
    const cells = [
      String(i),
      s ? String(s.iter) : '—',
      fmtNum(s?.localLoss ?? null),
      fmtBytes(s?.bytesSent ?? null),
      s?.rejectedFrames === undefined || s?.rejectedFrames === null ? '—' : String(s.rejectedFrames),
      fmtSeconds(step?.compute ?? null),
      fmtSeconds(step?.encode ?? null),
      fmtSeconds(step?.wait ?? null),
    ];
    for (const c of cells) tr.appendChild(htmlEl('td', {}, c));
    tbody.appendChild(tr);
  }
}
