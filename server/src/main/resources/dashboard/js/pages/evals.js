// Evals: the project's evals (OpenAI's Evals API, /v1/evals), newest first, each with its testing
// criteria and data source; and the helpers the eval and run pages share to read a run in OpenAI's
// shape (status, pass rates, progress, token usage).
import { listAll, ApiError } from '../api.js';
import { h, clear, fmtNumber } from '../ui.js';
import { fmtShortTime } from './jobs.js';

const FINISHED = new Set(['completed', 'failed', 'canceled']);

/** Whether a run's status is final. */
export function runFinished(run) { return FINISHED.has(run.status); }

/** A fraction as a percentage with one decimal, or — without a denominator. */
export function pct(part, whole) {
  return whole > 0 ? `${(100 * part / whole).toFixed(1)}%` : '—';
}

/** The items a run's data source lists when they are inline (file_content), else null. */
export function plannedItems(run) {
  const src = run.data_source && run.data_source.source;
  return src && Array.isArray(src.content) ? src.content.length : null;
}

/** "3 of 5 items" (or "3 items" when the count is not known yet). */
export function progressText(run) {
  const done = (run.result_counts && run.result_counts.total) || 0;
  const planned = plannedItems(run);
  return planned === null ? `${fmtNumber(done)} items` : `${fmtNumber(done)} of ${fmtNumber(planned)} items`;
}

/** The data source in a few words: its type, source and model. */
export function dataSourceText(run) {
  const ds = run.data_source || {};
  const src = ds.source || {};
  const where = src.type === 'file_id' ? `file ${src.id}` : src.type === 'file_content' ? 'inline items'
    : src.type === 'stored_completions' ? 'stored completions' : (src.type || '—');
  return `${ds.type || '—'} · ${where}`;
}

/** Tokens used by every model of a run (sampled model and judges): one line per model. */
export function usageText(run) {
  const usage = run.per_model_usage || [];
  if (!usage.length) return '—';
  return usage.map((u) => `${u.model_name}: ${fmtNumber(u.total_tokens)} tokens in ${fmtNumber(u.invocation_count)} calls`).join('; ');
}

/** A run's pass rate for criterion `name`, as "[passed]/[graded] (rate)". */
export function criterionText(run, name) {
  const c = (run.per_testing_criteria_results || []).find((r) => r.testing_criteria === name);
  if (!c) return '—';
  const graded = c.passed + c.failed;
  return `${pct(c.passed, graded)} (${fmtNumber(c.passed)}/${fmtNumber(graded)})`;
}

/** The badge class of a run or item status. */
export function statusBadge(status) {
  const cls = { completed: 'ok', pass: 'ok', in_progress: 'run', queued: 'wait', failed: 'bad', fail: 'bad',
    error: 'bad', canceled: 'muted' }[status] || 'muted';
  return h('span', { class: `badge ${cls}`, 'data-status': status }, status);
}

/**
 * Runs `load` (the API calls a page starts with); on a 404 shows "`what` not found" with the API's
 * message and resolves null, so the page stops there.
 */
export async function orNotFound(root, what, load) {
  try {
    return await load();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    root.append(h('p', {}, h('a', { href: '#/evals' }, '← Evals')),
      h('h1', { 'data-testid': 'not-found' }, `${what} not found`), h('p', {}, e.message));
    return null;
  }
}

export async function render(root) {
  const rows = h('tbody', { id: 'evals-rows' });
  const empty = h('p', { class: 'muted', id: 'evals-empty', hidden: true },
    'No evals yet. Create one with POST /v1/evals (any OpenAI SDK: client.evals.create), then start runs on it.');
  root.append(
    h('h1', {}, 'Evals'),
    h('p', { class: 'muted' }, 'Each eval with its testing criteria; open one to see its runs side by side and compare two of them item by item.'),
    h('div', { class: 'table-wrap' },
      h('table', { 'data-testid': 'evals-table' },
        h('caption', { class: 'sr-only' }, 'Evals, newest first'),
        h('thead', {}, h('tr', {}, ['Eval', 'Testing criteria', 'Data source', 'Created', 'ID']
          .map((t) => h('th', { scope: 'col' }, t)))),
        rows)),
    empty);
  const evals = await listAll('/evals?order=desc', { limit: 100 });
  clear(rows);
  empty.hidden = evals.length > 0;
  for (const e of evals) {
    const criteria = (e.testing_criteria || []).map((c) => `${c.name} (${c.type})`).join(', ');
    rows.append(h('tr', { 'data-eval': e.id },
      h('td', {}, h('a', { href: `#/evals/${encodeURIComponent(e.id)}`, 'data-testid': 'eval-link' }, e.name || e.id)),
      h('td', {}, criteria || '—'),
      h('td', {}, (e.data_source_config && e.data_source_config.type) || '—'),
      h('td', {}, fmtShortTime(e.created_at)),
      h('td', { class: 'mono' }, e.id)));
  }
}
