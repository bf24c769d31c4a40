// The dashboard page: loads the current run (/api/dashboard/state), then follows it over
// Server-Sent Events (/api/dashboard/events): 'snapshot' on (re)connect, 'row' per evaluation,
// 'state' on run-state changes, 'nodes' for the per-node table. A 'state' or 'row' for another run
// (a new run was created) reloads the whole state. Plain ES module, no build step.
import { createLineChart } from './charts.js';
import { fmtNum, htmlEl } from './format.js';
import { renderNodeTable } from './node-table.js';
import { renderTopology } from './topology.js';

const $ = (id) => document.getElementById(id);

const CHARTS = [
  { id: 'objective', title: 'objective φ(x̄) = f(x̄) + r(x̄)', series: [{ key: 'objective', label: 'φ(x̄)' }] },
  {
    id: 'stationarity',
    title: 'stationarity ‖x̄ − prox_ηr(x̄ − η∇f(x̄))‖/η',
    logY: true,
    series: [{ key: 'stationarity', label: 'stationarity' }],
  },
  { id: 'consensus', title: 'consensus error (1/n)Σ‖x_i − x̄‖²', logY: true, series: [{ key: 'consensus', label: 'consensus' }] },
  {
    id: 'accuracy',
    title: 'accuracy of x̄',
    series: [
      { key: 'testAccuracy', label: 'test' },
      { key: 'trainAccuracy', label: 'train' },
    ],
  },
  { id: 'bits', title: 'payload bits sent (cumulative, all nodes)', yFormat: '.3~s', series: [{ key: 'bitsSent', label: 'bits' }] },
  { id: 'objective-bits', title: 'objective vs bits sent', x: 'bits', logX: true, series: [{ key: 'objective', label: 'φ(x̄)' }] },
];

const view = { run: null, config: null, topology: null, rows: [], nodeStats: [] };
const charts = [];

function renderHeader() {
  const run = view.run;
  const status = $('status');
  status.textContent = run ? run.state : 'no run';
  status.dataset.state = run ? run.state : 'none';
  $('run-id').textContent = run ? run.id : 'no run yet — POST /runs or start `proxmesh run`';
  const last = view.rows[view.rows.length - 1];
  const k = last ? last.iter : null;
  $('progress').textContent = run ? `k = ${k ?? '—'} / ${run.iterations}` : '';
  const bar = $('progress-bar');
  bar.max = run ? run.iterations : 1;
  bar.value = k ?? 0;
  $('failure').textContent = run?.failure ? `${run.failure.code}: ${run.failure.message}` : '';
  $('failure').hidden = !run?.failure;
}

function renderConfig() {
  const dl = $('config');
  dl.replaceChildren();
  const c = view.config;
  const t = view.topology;
  if (!c) {
    dl.appendChild(htmlEl('dd', {}, 'no config yet'));
    return;
  }
  const items = [
    ['algorithm', c.algorithm],
    ['η, γ_x, γ_y', `${fmtNum(c.eta)}, ${fmtNum(c.gammaX)}, ${fmtNum(c.gammaY)}`],
    ['compressor C_x', c.compressorX],
    ['compressor C_y', c.compressorY],
    ['topology', `${c.topology}, n = ${c.n ?? t?.n ?? '?'}`],
    ['mixing W', t ? `${t.mixing}; ρ = ${fmtNum(t.rho)}, gap 1−ρ = ${fmtNum(t.spectralGap)}` : c.weights],
    ['partition', c.partition],
    ['batch', c.batchSize === 'full' ? 'full (exact local gradient)' : String(c.batchSize)],
    ['iterations K', `${c.iterations} (evaluated every ${c.evalEvery})`],
    ['problem', `${c.dataset}, ${c.model}, ${c.regularizer}`],
    ['seed', String(c.seed)],
  ];
  for (const [k, v] of items) {
    dl.appendChild(htmlEl('dt', {}, k));
    dl.appendChild(htmlEl('dd', {}, v));
  }
}

/**
 * #charts data-rows = how many rows every chart has drawn. Each chart applies its changes in order,
 * so these promises settle in the order they were made.
 */
function chartsDrawn(done, nRows) {
  void Promise.all(done).then(() => {
    $('charts').dataset.rows = String(nRows);
  });
}

/** The text summary and header after the rows changed (the charts take rows through reset/append). */
function renderRows() {
  const last = view.rows[view.rows.length - 1];
  $('rows').dataset.count = String(view.rows.length);
  $('rows').textContent = last
    ? `${view.rows.length} evaluations; last at k = ${last.iter}: φ = ${fmtNum(last.objective)}, stationarity = ${fmtNum(last.stationarity)}, consensus = ${fmtNum(last.consensus)}, density = ${fmtNum(last.density)}`
    : 'no evaluations yet';
  renderHeader();
}

function renderNodes() {
  renderTopology($('topology'), view.topology, view.nodeStats);
  renderNodeTable($('nodes'), view.nodeStats, view.run?.nodes ?? view.topology?.n ?? 0);
}

function applyState(state) {
  Object.assign(view, {
    run: state.run,
    config: state.config,
    topology: state.topology,
    rows: [...state.rows],
    nodeStats: state.nodeStats ?? [],
  });
  renderConfig();
  renderNodes();
  chartsDrawn(
    charts.map((ch) => ch.reset(view.rows)),
    view.rows.length,
  );
  renderRows();
  document.body.dataset.ready = '1';
}

let reloading = null;
async function reload() {
  if (reloading) return reloading;
  reloading = fetch('/api/dashboard/state', { cache: 'no-store' })
    .then((r) => r.json())
    .then(applyState)
    .catch((err) => {
      $('conn').textContent = `state fetch failed: ${err.message}`;
    })
    .finally(() => {
      reloading = null;
    });
  return reloading;
}

function onRow({ runId, row }) {
  if (!view.run || runId !== view.run.id) return void reload();
  const last = view.rows[view.rows.length - 1];
  if (last && row.iter <= last.iter) return; // already in the snapshot
  view.rows.push(row);
  chartsDrawn(
    charts.map((ch) => ch.append(row)),
    view.rows.length,
  );
  renderRows();
}

function onRunState({ runId, state, run }) {
  if (!view.run || runId !== view.run.id) return void reload();
  view.run = run ?? { ...view.run, state };
  renderHeader();
  // config.json and topology.json are written when the run is created; a late page may lack them.
  if (!view.topology || !view.config) void reload();
}

function onNodes({ runId, nodes }) {
  if (!view.run || runId !== view.run.id) return;
  view.nodeStats = nodes;
  renderNodes();
}

function connect() {
  const es = new EventSource('/api/dashboard/events');
  const conn = $('conn');
  const parse = (fn) => (ev) => {
    try {
      fn(JSON.parse(ev.data));
    } catch (err) {
      console.error(err);
    }
  };
  es.addEventListener('open', () => {
    conn.textContent = 'live';
    conn.dataset.live = '1';
  });
  es.addEventListener('error', () => {
    conn.textContent = 'reconnecting…';
    conn.dataset.live = '0';
  });
  es.addEventListener('snapshot', parse(applyState));
  es.addEventListener('row', parse(onRow));
  es.addEventListener('state', parse(onRunState));
  es.addEventListener('nodes', parse(onNodes));
}

for (const spec of CHARTS) {
  const fig = htmlEl('figure', { class: 'chart-box' });
  $('charts').appendChild(fig);
  charts.push(createLineChart(fig, spec));
}
connect();
