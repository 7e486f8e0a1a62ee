// Jobs: the project's fine-tuning jobs, newest first, updated live while any of them runs.
// Rows are kept per job id and only rebuilt when the job changed, so a focused link or a ticked
// checkbox survives the refresh; ticked jobs lead to the compare page.
import { get, listAll } from '../api.js';
import { h, clear, badge, fmtDuration, fmtNumber, errorBox, every } from '../ui.js';

const STATUSES = ['validating_files', 'queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Seconds the job took (finished) or has taken so far (not finished), from the server's times. */
export function jobDuration(job, nowSeconds = Date.now() / 1000) {
  if (job.finished_at) return job.finished_at - job.created_at;
  if (TERMINAL.has(job.status)) return null;
  return nowSeconds - job.created_at;
}

export function isTerminal(status) { return TERMINAL.has(status); }

/** A table's short time: "Dec 6, 04:32:30" (the year only when it is not this one). */
export function fmtShortTime(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined) return '—';
  const d = new Date(epochSeconds * 1000);
  const opts = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  if (d.getFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  return d.toLocaleString(undefined, opts);
}

export async function render(root) {
  const jobs = new Map(); // id -> job, kept in the server's order (newest first)
  const rows = new Map(); // id -> {tr, sig}
  const selected = new Set();

  const filter = h('select', { id: 'jobs-filter', 'data-testid': 'jobs-filter' },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s }, s)));
  const compare = h('button', { type: 'button', id: 'compare-selected', 'data-testid': 'compare-selected', disabled: true,
    onclick: () => { location.hash = `#/compare?jobs=${[...selected].map(encodeURIComponent).join(',')}`; } },
  'Compare selected');
  const count = h('span', { class: 'muted', id: 'jobs-count', 'aria-live': 'polite' });
  const errors = h('div', { id: 'jobs-error' });
  const tbody = h('tbody', { id: 'jobs-rows' });
  const empty = h('p', { class: 'muted', id: 'jobs-empty', hidden: true }, 'No jobs yet. ',
    h('a', { href: '#/new' }, 'Create one'), '.');

  root.append(
    h('h1', {}, 'Fine-tuning jobs', h('a', { href: '#/new', class: 'button primary', id: 'new-job' }, 'New job')),
    h('div', { class: 'toolbar' },
      h('label', { for: 'jobs-filter' }, 'Status'), filter, compare, count),
    errors,
    h('div', { class: 'table-wrap' },
      h('table', { id: 'jobs-table', 'data-testid': 'jobs-table' },
        h('caption', { class: 'sr-only' }, 'Fine-tuning jobs, newest first'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Select')),
          ['Job', 'Status', 'Base model', 'Suffix', 'Fine-tuned model', 'Created', 'Finished', 'Duration', 'Trained tokens']
            .map((t) => h('th', { scope: 'col' }, t)))),
        tbody)),
    empty);

  function syncSelection() {
    for (const id of [...selected]) if (!jobs.has(id)) selected.delete(id);
    compare.disabled = selected.size < 2;
    compare.textContent = selected.size ? `Compare selected (${selected.size})` : 'Compare selected';
  }

  function cells(job) {
    return [
      h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', 'data-testid': 'job-link' }, job.id)),
      h('td', {}, badge(job.status)),
      h('td', { class: 'mono' }, job.model),
      h('td', {}, job.user_provided_suffix || h('span', { class: 'muted' }, '—')),
      h('td', { class: 'mono ft-model' }, job.fine_tuned_model || h('span', { class: 'muted' }, '—')),
      h('td', { class: 'nowrap' }, h('time', { datetime: new Date(job.created_at * 1000).toISOString() }, fmtShortTime(job.created_at))),
      h('td', { class: 'nowrap' }, fmtShortTime(job.finished_at)),
      h('td', {}, fmtDuration(jobDuration(job))),
      h('td', {}, fmtNumber(job.trained_tokens)),
    ];
  }

  function row(job) {
    const box = h('input', { type: 'checkbox', id: `pick-${job.id}`, 'data-testid': 'job-pick', value: job.id,
      onchange: () => { if (box.checked) selected.add(job.id); else selected.delete(job.id); syncSelection(); } });
    box.checked = selected.has(job.id);
    const tr = h('tr', { 'data-job': job.id },
      h('td', {}, box, h('label', { for: box.id, class: 'sr-only' }, `Select ${job.id}`)), cells(job));
    return tr;
  }

  function draw() {
    const wanted = filter.value;
    const shown = [...jobs.values()].filter((j) => !wanted || j.status === wanted);
    // rebuild only what changed; the running ones' duration changes every tick
    shown.forEach((job, i) => {
      const sig = JSON.stringify(job) + (isTerminal(job.status) ? '' : Math.floor(Date.now() / 1000));
      let r = rows.get(job.id);
      if (!r) {
        r = { tr: row(job), sig };
        rows.set(job.id, r);
      } else if (r.sig !== sig) {
        const tds = r.tr.children;
        cells(job).forEach((td, k) => {
          const old = tds[k + 1];
          if (old.innerHTML !== td.innerHTML) r.tr.replaceChild(td, old);
        });
        r.sig = sig;
      }
      if (tbody.children[i] !== r.tr) tbody.insertBefore(r.tr, tbody.children[i] || null);
    });
    const keep = new Set(shown.map((j) => j.id));
    [...tbody.children].forEach((tr) => { if (!keep.has(tr.dataset.job)) tr.remove(); });
    empty.hidden = jobs.size !== 0;
    count.textContent = wanted ? `${shown.length} of ${jobs.size} jobs` : `${jobs.size} jobs`;
    syncSelection();
  }

  function merge(list, complete) {
    if (complete) {
      const ids = new Set(list.map((j) => j.id));
      for (const id of [...jobs.keys()]) if (!ids.has(id)) { jobs.delete(id); rows.delete(id); }
    }
    const before = [...jobs.values()];
    const fresh = new Map(list.map((j) => [j.id, j]));
    // the newest page first, then the older jobs we already knew and the page did not cover
    const merged = new Map();
    for (const j of list) merged.set(j.id, j);
    for (const j of before) if (!fresh.has(j.id)) merged.set(j.id, j);
    jobs.clear();
    for (const [id, j] of merged) jobs.set(id, j);
  }

  filter.addEventListener('change', draw);
  merge(await listAll('/fine_tuning/jobs', { limit: 100 }), true);
  draw();

  // the newest page each tick: new jobs and status changes; older jobs are finished ones
  return every(2000, async () => {
    try {
      const page = await get('/fine_tuning/jobs?limit=100');
      merge(page.data, !page.has_more);
      clear(errors);
      draw();
    } catch (e) {
      clear(errors).append(errorBox(e));
      throw e;
    }
  });
}
