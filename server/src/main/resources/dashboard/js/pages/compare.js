// Compare jobs: pick jobs (from ?jobs=a,b or the checkboxes), overlay their training loss (solid)
// and validation loss (dashed, dots) in one chart, one colour per job, and set their settings and
// results side by side. Jobs still running keep updating.
import { get, listAll, ApiError } from '../api.js';
import { h, clear, badge, fmtDuration, fmtNumber, errorBox, every, hashQuery } from '../ui.js';
import { lineChart, color } from '../chart.js';
import { JobEvents } from './job-events.js';
import { jobDuration, isTerminal } from './jobs.js';

function jobLabel(job) {
  return job.user_provided_suffix ? `${job.user_provided_suffix} (${job.id.slice(-6)})` : job.id;
}

function hyper(job) {
  const type = (job.method && job.method.type) || 'supervised';
  return (job.method && job.method[type] && job.method[type].hyperparameters) || job.hyperparameters || {};
}

export async function render(root) {
  const wanted = (hashQuery().get('jobs') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const selected = [...new Set(wanted)];
  const jobs = new Map(); // id -> job (the list plus any asked-for job fetched by id)
  const events = new Map(); // id -> JobEvents, loaded on first selection
  const missing = new Map(); // id -> error message
  const files = new Map(); // file id -> Promise<file|null>

  const picker = h('fieldset', { class: 'compare-picker', id: 'compare-picker' }, h('legend', {}, 'Jobs to compare'));
  const notes = h('div', { id: 'compare-notes' });
  const chartBox = h('div', { class: 'chart', id: 'compare-chart', 'data-testid': 'compare-chart', role: 'img',
    'aria-label': 'Training and validation loss of the selected jobs by step' });
  const table = h('table', { class: 'compare-table', id: 'compare-table', 'data-testid': 'compare-table' });
  root.append(
    h('h1', {}, 'Compare jobs'),
    h('details', { class: 'panel', open: selected.length < 2 }, h('summary', {}, 'Choose jobs'), picker),
    notes,
    h('section', { class: 'panel', 'aria-labelledby': 'compare-loss-h' },
      h('h2', { id: 'compare-loss-h' }, 'Loss'),
      h('p', { class: 'muted' }, 'Solid: training loss. Dashed with dots: validation loss. One colour per job.'),
      chartBox),
    h('section', { class: 'panel', 'aria-labelledby': 'compare-table-h' },
      h('h2', { id: 'compare-table-h' }, 'Side by side'),
      h('div', { class: 'table-wrap' }, table)));

  let chart = null, chartKey = '';

  async function ensure(id) {
    if (!jobs.has(id) && !missing.has(id)) {
      try {
        jobs.set(id, await get(`/fine_tuning/jobs/${encodeURIComponent(id)}`));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
        missing.set(id, e.message);
      }
    }
    if (jobs.has(id) && !events.has(id)) {
      const ev = new JobEvents(id);
      await ev.loadAll();
      events.set(id, ev);
    }
  }

  function fileName(fileId) {
    if (!fileId) return h('span', { class: 'muted' }, 'none');
    const a = h('a', { href: `#/files/${encodeURIComponent(fileId)}`, class: 'mono' }, fileId);
    if (!files.has(fileId)) files.set(fileId, get(`/files/${encodeURIComponent(fileId)}`).catch(() => null));
    files.get(fileId).then((f) => { if (f) a.textContent = f.filename; });
    return a;
  }

  function shown() { return selected.filter((id) => jobs.has(id) && events.has(id)); }

  function drawChart() {
    const ids = shown();
    const steps = new Set();
    for (const id of ids) for (const s of events.get(id).sortedSteps) steps.add(s);
    const x = [...steps].sort((a, b) => a - b);
    const at = new Map(x.map((s, i) => [s, i]));
    const series = [];
    ids.forEach((id, i) => {
      const ev = events.get(id);
      const train = new Array(x.length).fill(null), valid = new Array(x.length).fill(null);
      for (const [step, d] of ev.steps) {
        if (typeof d.train_loss === 'number') train[at.get(step)] = d.train_loss;
        const v = typeof d.full_valid_loss === 'number' ? d.full_valid_loss : d.valid_loss;
        if (typeof v === 'number') valid[at.get(step)] = v;
      }
      const label = jobLabel(jobs.get(id));
      series.push({ label: `${label} training`, values: train, stroke: color(i) },
        { label: `${label} validation`, values: valid, stroke: color(i), dash: [5, 4], points: 5 });
    });
    const key = ids.join(',');
    if (chart && key === chartKey) { chart.update(x, series); } else {
      if (chart) chart.destroy();
      clear(chartBox);
      chart = lineChart(chartBox, { title: 'Loss by step', x, series });
      chartKey = key;
    }
    chartBox.dataset.jobs = String(ids.length);
  }

  function drawTable() {
    const ids = shown();
    clear(table);
    if (!ids.length) {
      table.append(h('tbody', {}, h('tr', {}, h('td', { class: 'muted' }, 'Pick two or more jobs above.'))));
      return;
    }
    const list = ids.map((id) => jobs.get(id));
    const anyDpo = list.some((j) => j.method && j.method.type === 'dpo');
    const rows = [
      ['Status', (j) => badge(j.status)],
      ['Base model', (j) => h('span', { class: 'mono' }, j.model)],
      ['Method', (j) => (j.method && j.method.type) || 'supervised'],
      ['Epochs', (j) => String(hyper(j).n_epochs ?? 'auto')],
      ['Batch size', (j) => String(hyper(j).batch_size ?? 'auto')],
      ['Learning rate multiplier', (j) => String(hyper(j).learning_rate_multiplier ?? 'auto')],
      anyDpo ? ['Beta', (j) => (hyper(j).beta === undefined ? '—' : String(hyper(j).beta))] : null,
      ['Training file', (j) => fileName(j.training_file)],
      ['Validation file', (j) => fileName(j.validation_file)],
      ['Trained tokens', (j) => fmtNumber(j.trained_tokens)],
      ['Steps', (j) => { const m = events.get(j.id).latestMetrics; return m ? `${m.step} / ${m.total_steps ?? '?'}` : '—'; }],
      ['Final training loss', (j) => fmtNumber(events.get(j.id).last('train_loss'))],
      ['Final validation loss', (j) => fmtNumber(events.get(j.id).last('valid_loss'))],
      ['Full validation loss', (j) => fmtNumber(events.get(j.id).last('full_valid_loss'))],
      ['Duration', (j) => fmtDuration(jobDuration(j))],
      ['Fine-tuned model', (j) => (j.fine_tuned_model ? h('span', { class: 'mono' }, j.fine_tuned_model) : '—')],
    ].filter(Boolean);
    table.append(
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), list.map((j, i) => h('th', { scope: 'col', 'data-job': j.id },
        h('span', { class: 'swatch', style: `background:${color(i)}`, 'aria-hidden': 'true' }),
        h('a', { href: `#/jobs/${encodeURIComponent(j.id)}`, class: 'mono' }, jobLabel(j)))))),
      h('tbody', {}, rows.map(([name, cell]) => h('tr', { 'data-row': name },
        h('th', { scope: 'row' }, name), list.map((j) => h('td', { 'data-job': j.id }, cell(j)))))));
  }

  function drawNotes() {
    clear(notes);
    for (const [id, message] of missing) {
      notes.append(h('div', { class: 'error-box', role: 'alert', 'data-testid': 'compare-missing' }, `${id}: ${message}`));
    }
  }

  function drawPicker() {
    picker.querySelectorAll('.row').forEach((r) => r.remove());
    if (!jobs.size) picker.append(h('p', { class: 'row muted' }, 'No jobs yet.'));
    for (const j of jobs.values()) {
      const box = h('input', { type: 'checkbox', id: `cmp-${j.id}`, value: j.id, 'data-testid': 'compare-pick' });
      box.checked = selected.includes(j.id);
      box.addEventListener('change', () => toggle(j.id, box.checked));
      picker.append(h('div', { class: 'row' }, box,
        h('label', { for: box.id }, h('span', { class: 'mono' }, j.id), ' ', j.user_provided_suffix || '', ' ', badge(j.status))));
    }
  }

  async function toggle(id, on) {
    const i = selected.indexOf(id);
    if (on && i < 0) selected.push(id);
    if (!on && i >= 0) selected.splice(i, 1);
    history.replaceState(null, '', `#/compare${selected.length ? `?jobs=${selected.join(',')}` : ''}`);
    try {
      await ensure(id);
    } catch (e) {
      notes.append(errorBox(e));
    }
    drawChart();
    drawTable();
  }

  for (const j of await listAll('/fine_tuning/jobs', { limit: 100 })) jobs.set(j.id, j);
  await Promise.all(selected.map(ensure));
  drawPicker();
  drawNotes();
  drawChart();
  drawTable();

  const stop = every(3000, async () => {
    let changed = false;
    for (const id of shown()) {
      const before = jobs.get(id);
      if (isTerminal(before.status) && events.get(id).polledAfterEnd) continue;
      const job = await get(`/fine_tuning/jobs/${encodeURIComponent(id)}`);
      jobs.set(id, job);
      const fresh = await events.get(id).poll();
      if (isTerminal(job.status)) events.get(id).polledAfterEnd = true;
      changed = changed || fresh.length > 0 || job.status !== before.status;
    }
    if (changed) { drawChart(); drawTable(); }
  });
  return () => { stop(); if (chart) chart.destroy(); };
}
