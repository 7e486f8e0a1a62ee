// One eval: its testing criteria and its runs side by side, one column per run (status, model,
// data source, progress, pass rates overall and per criterion, token usage), live while a run is
// going. Two ticked runs open their item-by-item comparison on the run page.
import { get, listAll } from '../api.js';
import { h, clear, every } from '../ui.js';
import { fmtShortTime } from './jobs.js';
import { orNotFound, runFinished, pct, progressText, dataSourceText, usageText, criterionText, statusBadge } from './evals.js';

/** The run page's address, comparing with run `vs` when given. */
export function runHref(evalId, runId, vs) {
  return `#/evals/${encodeURIComponent(evalId)}/runs/${encodeURIComponent(runId)}${vs ? `?vs=${encodeURIComponent(vs)}` : ''}`;
}

export async function render(root, evalId) {
  const ev = await orNotFound(root, 'Eval', () => get(`/evals/${encodeURIComponent(evalId)}`));
  if (!ev) return;
  const criteria = (ev.testing_criteria || []).map((c) => c.name);
  const selected = new Set();
  const compare = h('button', { type: 'button', class: 'primary', id: 'eval-compare', 'data-testid': 'eval-compare', disabled: true,
    onclick: () => { const [a, b] = [...selected]; location.hash = runHref(evalId, a, b); } }, 'Compare the two ticked runs');
  const hint = h('span', { class: 'muted', id: 'eval-compare-hint' }, 'Tick two runs to compare them item by item.');
  const head = h('tr', {});
  const body = h('tbody', { id: 'eval-runs' });
  const empty = h('p', { class: 'muted', id: 'eval-runs-empty', hidden: true },
    'No runs yet: POST /v1/evals/{id}/runs with a data source (client.evals.runs.create).');
  root.append(
    h('p', {}, h('a', { href: '#/evals' }, '← Evals')),
    h('h1', { id: 'eval-title' }, ev.name || ev.id, h('span', { class: 'mono muted' }, ev.id)),
    h('section', { class: 'panel', 'aria-labelledby': 'eval-criteria-h' },
      h('h2', { id: 'eval-criteria-h' }, 'Testing criteria'),
      h('ul', { id: 'eval-criteria' }, (ev.testing_criteria || []).map((c) =>
        h('li', {}, h('strong', {}, c.name), ` (${c.type}${c.operation ? `, ${c.operation}` : ''})`,
          c.input ? h('span', { class: 'mono muted' }, ` ${c.input}`) : null,
          typeof c.reference === 'string' ? h('span', { class: 'mono muted' }, ` vs ${c.reference || '""'}`) : null)))),
    h('section', { class: 'panel', 'aria-labelledby': 'eval-runs-h' },
      h('h2', { id: 'eval-runs-h' }, 'Runs side by side'),
      h('div', { class: 'toolbar' }, compare, hint),
      h('div', { class: 'table-wrap' }, h('table', { class: 'runs-side', 'data-testid': 'eval-runs' },
        h('caption', { class: 'sr-only' }, 'Each run of this eval in its own column'),
        h('thead', {}, head), body)),
      empty));

  function syncCompare() {
    compare.disabled = selected.size !== 2;
    hint.textContent = selected.size === 2 ? '' : `Tick two runs to compare them item by item (${selected.size} ticked).`;
  }

  function draw(runs) {
    empty.hidden = runs.length > 0;
    for (const id of [...selected]) if (!runs.some((r) => r.id === id)) selected.delete(id);
    clear(head).append(h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Measure')),
      ...runs.map((r) => h('th', { scope: 'col', 'data-run': r.id },
        h('a', { href: runHref(evalId, r.id), 'data-testid': 'run-link' }, r.name || r.id),
        h('div', {}, h('label', {}, h('input', { type: 'checkbox', class: 'run-pick', 'data-run': r.id,
          checked: selected.has(r.id), 'aria-label': `Compare ${r.name || r.id}`,
          onchange: (ev2) => { if (ev2.target.checked) selected.add(r.id); else selected.delete(r.id); syncCompare(); } }),
        ' compare')))));
    const line = (label, key, cell) => h('tr', { 'data-row': key }, h('th', { scope: 'row' }, label),
      runs.map((r) => h('td', { 'data-run': r.id }, cell(r))));
    const counts = (r) => r.result_counts || { total: 0, passed: 0, failed: 0, errored: 0 };
    clear(body).append(
      line('Status', 'status', (r) => [statusBadge(r.status), r.error ? h('div', { class: 'field-error' }, r.error.message) : null]),
      line('Model', 'model', (r) => h('span', { class: 'mono' }, r.model || '— (given samples)')),
      line('Data source', 'data-source', (r) => dataSourceText(r)),
      line('Progress', 'progress', (r) => progressText(r)),
      line('Passed', 'passed', (r) => `${pct(counts(r).passed, counts(r).total)} (${counts(r).passed}/${counts(r).total})`),
      line('Failed / errored', 'failed', (r) => `${counts(r).failed} / ${counts(r).errored}`),
      ...criteria.map((name) => line(`Criterion: ${name}`, `criterion:${name}`, (r) => criterionText(r, name))),
      line('Token usage', 'usage', (r) => usageText(r)),
      line('Created', 'created', (r) => fmtShortTime(r.created_at)));
    syncCompare();
  }

  const load = () => listAll(`/evals/${encodeURIComponent(evalId)}/runs?order=asc`, { limit: 100 });
  let runs = await load();
  draw(runs);
  let stop = null;
  if (!runs.every(runFinished)) {
    stop = every(2000, async () => {
      runs = await load();
      draw(runs);
      if (runs.every(runFinished) && stop) { stop(); stop = null; }
    });
  }
  return () => { if (stop) stop(); };
}
