// One eval run (OpenAI's report_url points here): its status, model, data source, progress, pass
// rates and token usage, and every graded item with its output and each criterion's verdict. With
// `?vs=RUN` it compares the two runs item by item (items matched by datasource_item_id): which pass
// in one and fail in the other, the two outputs side by side.
import { get, listAll } from '../api.js';
import { h, clear, every, hashQuery } from '../ui.js';
import { orNotFound, runFinished, pct, progressText, dataSourceText, usageText, criterionText, statusBadge } from './evals.js';
import { runHref } from './eval.js';

const SHOWN = 500;

function outputOf(item) {
  const s = item.sample || {};
  if (s.error && s.error.message) return h('span', { class: 'field-error' }, `sampling failed: ${s.error.message}`);
  const out = (s.output || []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  return h('div', { class: 'eval-output' }, out === '' ? h('span', { class: 'muted' }, '(empty)') : out);
}

function verdicts(item) {
  return h('ul', { class: 'verdicts' }, (item.results || []).map((r) => h('li', {
    class: r.passed ? 'pass' : 'fail', 'data-criterion': r.name,
    title: `${r.name}: ${r.passed ? 'passed' : 'failed'}${typeof r.score === 'number' ? `, score ${r.score}` : ''}${r.error ? ` (${r.error})` : ''}`,
  }, r.passed ? '✓ ' : '✗ ', r.name)));
}

function itemText(item) {
  return h('code', { class: 'eval-item' }, JSON.stringify(item.datasource_item));
}

/** The outcome of one item in two runs: which of A and B passed it. */
function pairKind(a, b) {
  if (!a || !b) return 'missing';
  const pa = a.status === 'pass', pb = b.status === 'pass';
  return pa && pb ? 'both-pass' : pa ? 'only-a' : pb ? 'only-b' : 'both-fail';
}

const KIND_WORDS = {
  'only-a': 'passes only in A', 'only-b': 'passes only in B', 'both-pass': 'passes in both',
  'both-fail': 'fails in both', missing: 'in one run only',
};

function summary(run, label, criteria) {
  const c = run.result_counts || { total: 0, passed: 0 };
  return h('section', { class: 'panel run-summary', 'data-testid': `run-summary${label ? `-${label}` : ''}`, 'data-run': run.id },
    h('h2', {}, label ? `${label}: ` : '', run.name || run.id, ' ', statusBadge(run.status)),
    h('dl', { class: 'kv' },
      h('dt', {}, 'Run'), h('dd', { class: 'mono' }, run.id),
      h('dt', {}, 'Model'), h('dd', { class: 'mono', 'data-testid': 'run-model' }, run.model || '— (given samples)'),
      h('dt', {}, 'Data source'), h('dd', {}, dataSourceText(run)),
      h('dt', {}, 'Progress'), h('dd', { 'data-testid': 'run-progress' }, progressText(run)),
      h('dt', {}, 'Passed'), h('dd', { 'data-testid': 'run-passed' }, `${pct(c.passed, c.total)} (${c.passed}/${c.total})`),
      criteria.map((name) => [h('dt', {}, name), h('dd', { 'data-criterion': name }, criterionText(run, name))]),
      h('dt', {}, 'Token usage'), h('dd', { 'data-testid': 'run-usage' }, usageText(run)),
      run.error ? [h('dt', {}, 'Error'), h('dd', { class: 'field-error' }, run.error.message)] : null));
}

export async function render(root, evalId, runId) {
  const vs = hashQuery().get('vs');
  const base = `/evals/${encodeURIComponent(evalId)}`;
  const ev = await orNotFound(root, 'Run', async () => {
    const found = await get(base);
    await get(`${base}/runs/${encodeURIComponent(runId)}`);
    if (vs) await get(`${base}/runs/${encodeURIComponent(vs)}`);
    return found;
  });
  if (!ev) return;
  const criteria = (ev.testing_criteria || []).map((c) => c.name);
  const others = h('select', { id: 'run-vs', 'aria-label': 'Compare with run' });
  const filter = h('select', { id: 'run-filter', 'data-testid': 'run-filter', 'aria-label': 'Show items' });
  const counts = h('p', { class: 'muted', id: 'run-counts', 'data-testid': 'run-counts', 'aria-live': 'polite' });
  const summaries = h('div', { class: vs ? 'grid' : '' });
  const head = h('tr', {});
  const rows = h('tbody', { id: 'run-items' });
  root.append(
    h('p', {}, h('a', { href: `#/evals/${encodeURIComponent(evalId)}` }, `← ${ev.name || ev.id}`)),
    h('h1', { id: 'run-title' }, vs ? 'Two runs, item by item' : 'Eval run'),
    summaries,
    h('div', { class: 'toolbar' }, h('label', { for: 'run-vs' }, 'Compare with'), others,
      h('label', { for: 'run-filter' }, 'Show'), filter, counts),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'run-items' }, h('thead', {}, head), rows)));

  others.addEventListener('change', () => { location.hash = runHref(evalId, runId, others.value || null); });
  const filters = vs
    ? [['diff', 'Items that pass in one run and fail in the other'], ['all', 'All items'],
      ['both-pass', 'Passing in both'], ['both-fail', 'Failing in both']]
    : [['all', 'All items'], ['pass', 'Passing'], ['fail', 'Failing']];
  filter.append(...filters.map(([v, t]) => h('option', { value: v }, t)));
  filter.addEventListener('change', () => drawItems());

  let state = null;
  async function load() {
    const runs = await listAll(`${base}/runs?order=asc`, { limit: 100 });
    const a = runs.find((r) => r.id === runId), b = vs ? runs.find((r) => r.id === vs) : null;
    const items = (id) => listAll(`${base}/runs/${encodeURIComponent(id)}/output_items?order=asc`, { limit: 100 });
    const [ia, ib] = await Promise.all([items(runId), vs ? items(vs) : Promise.resolve([])]);
    return { runs, a, b, ia, ib };
  }

  function drawHeader() {
    const { runs, a, b } = state;
    clear(summaries).append(summary(a, vs ? 'A' : null, criteria), ...(b ? [summary(b, 'B', criteria)] : []));
    clear(others).append(h('option', { value: '' }, '(no other run)'),
      ...runs.filter((r) => r.id !== runId).map((r) => h('option', { value: r.id, selected: r.id === vs }, `${r.name || r.id} (${r.id})`)));
  }

  function drawItems() {
    const { a, b, ia, ib } = state;
    const want = filter.value;
    let shown;
    if (!vs) {
      clear(head).append(...['#', 'Status', 'Item', `Output (${a.model || 'given'})`, 'Criteria'].map((t) => h('th', { scope: 'col' }, t)));
      shown = ia.filter((i) => want === 'all' || i.status === want);
      counts.textContent = `${ia.filter((i) => i.status === 'pass').length} of ${ia.length} items pass.`;
      clear(rows).append(...shown.slice(0, SHOWN).map((i) => h('tr', { 'data-item': i.datasource_item_id, 'data-status': i.status },
        h('td', {}, String(i.datasource_item_id)), h('td', {}, statusBadge(i.status)), h('td', {}, itemText(i)),
        h('td', {}, outputOf(i)), h('td', {}, verdicts(i)))));
    } else {
      clear(head).append(...['#', 'Outcome', 'Item', `A: ${a.model || a.name}`, `B: ${b.model || b.name}`].map((t) => h('th', { scope: 'col' }, t)));
      const byId = (list) => new Map(list.map((i) => [i.datasource_item_id, i]));
      const ma = byId(ia), mb = byId(ib);
      const ids = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x - y);
      const pairs = ids.map((id) => ({ id, a: ma.get(id), b: mb.get(id), kind: pairKind(ma.get(id), mb.get(id)) }));
      const n = (k) => pairs.filter((p) => p.kind === k).length;
      counts.textContent = `${n('only-a')} pass only in A, ${n('only-b')} pass only in B, ${n('both-pass')} pass in both,`
        + ` ${n('both-fail')} fail in both${n('missing') ? `, ${n('missing')} in one run only` : ''}.`;
      shown = pairs.filter((p) => want === 'all' || p.kind === want || (want === 'diff' && (p.kind === 'only-a' || p.kind === 'only-b')));
      const side = (i) => (i ? h('td', { class: `side ${i.status}` }, statusBadge(i.status), outputOf(i), verdicts(i))
        : h('td', { class: 'muted' }, 'not in this run'));
      clear(rows).append(...shown.slice(0, SHOWN).map((p) => h('tr', { 'data-item': p.id, 'data-kind': p.kind, class: `pair ${p.kind}` },
        h('td', {}, String(p.id)), h('td', { 'data-testid': 'pair-kind' }, KIND_WORDS[p.kind]),
        h('td', {}, itemText(p.a || p.b)), side(p.a), side(p.b))));
    }
    if (!shown.length) rows.append(h('tr', {}, h('td', { colspan: 5, class: 'muted', 'data-testid': 'run-items-none' }, 'No items to show here.')));
    else if (shown.length > SHOWN) rows.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, `The first ${SHOWN} of ${shown.length} items.`)));
  }

  state = await load();
  drawHeader();
  drawItems();
  let stop = null;
  const done = () => runFinished(state.a) && (!state.b || runFinished(state.b));
  if (!done()) {
    stop = every(2000, async () => {
      state = await load();
      drawHeader();
      drawItems();
      if (done() && stop) { stop(); stop = null; }
    });
  }
  return () => { if (stop) stop(); };
}
