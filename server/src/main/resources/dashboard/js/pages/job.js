// One fine-tuning job: status and error at the top, cancel/pause/resume, live loss and accuracy
// charts (DPO: reward charts too) that gain points as metrics events arrive, the events, the
// checkpoints with their servable models, and the job's details with its result files.
import { get, post, getBlob, ApiError } from '../api.js';
import { h, clear, badge, fmtTime, fmtDuration, fmtNumber, fmtBytes, confirmAction, every } from '../ui.js';
import { lineChart } from '../chart.js';
import { JobEvents } from './job-events.js';
import { jobDuration, isTerminal } from './jobs.js';

const SHOWN_EVENTS = 200;

/** The playground's address for comparing `models` side by side (model names keep their colons). */
export function playgroundHref(...models) {
  return `#/playground?models=${models.map((m) => encodeURIComponent(m).replace(/%3A/gi, ':')).join(',')}`;
}

/** The charts of a job: [testid, title, [[metric key, label, style]]]. */
function chartSpecs(dpo) {
  const line = {}, dots = { points: 4, dash: [4, 4] }, final = { points: 10, width: 0 };
  const specs = [
    ['loss', 'Loss', [['train_loss', 'training loss', line], ['valid_loss', 'validation loss', dots],
      ['full_valid_loss', 'full validation loss', final]]],
    ['accuracy', 'Token accuracy', [['train_mean_token_accuracy', 'training accuracy', line],
      ['valid_mean_token_accuracy', 'validation accuracy', dots],
      ['full_valid_mean_token_accuracy', 'full validation accuracy', final]]],
  ];
  if (dpo) {
    specs.push(
      ['rewards', 'Rewards', [['rewards/chosen', 'chosen', line], ['rewards/rejected', 'rejected', line],
        ['rewards/margins', 'margin', line]]],
      ['reward-accuracy', 'Reward accuracy', [['rewards/accuracies', 'training', line],
        ['valid_rewards/accuracies', 'validation', dots]]]);
  }
  return specs;
}

function notFound(root, id, err) {
  root.append(
    h('p', {}, h('a', { href: '#/jobs' }, '← Jobs')),
    h('h1', { 'data-testid': 'job-not-found' }, 'Job not found'),
    h('p', {}, err.message || `No job ${id}.`));
}

export async function render(root, id) {
  let job;
  try {
    job = await get(`/fine_tuning/jobs/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) { notFound(root, id, e); return; }
    throw e;
  }
  const events = new JobEvents(id);
  const dpo = job.method && job.method.type === 'dpo';

  // ---- skeleton
  const title = h('h1', { id: 'job-title' });
  const lineage = h('p', { id: 'job-lineage', class: 'row' });
  const failure = h('div', { id: 'job-error-slot' });
  const actionError = h('p', { class: 'field-error', id: 'job-action-error', role: 'alert' });
  const buttons = {
    cancel: h('button', { type: 'button', id: 'job-cancel', class: 'danger' }, 'Cancel'),
    pause: h('button', { type: 'button', id: 'job-pause' }, 'Pause'),
    resume: h('button', { type: 'button', id: 'job-resume' }, 'Resume'),
  };
  const playground = h('span', { id: 'job-playground-slot' });
  const stats = h('dl', { class: 'job-stats', id: 'job-stats', 'aria-label': 'Progress' });
  const smoothing = h('input', { type: 'range', id: 'job-smoothing', min: '0', max: '0.99', step: '0.01', value: '0' });
  const smoothingValue = h('output', { for: 'job-smoothing', id: 'job-smoothing-value' }, '0.00');
  const chartGrid = h('div', { class: 'grid job-charts' });
  const eventList = h('ol', { class: 'job-events', id: 'job-events', 'data-testid': 'job-events' });
  const eventCount = h('span', {});
  const showAll = h('button', { type: 'button', class: 'link', id: 'job-events-all', hidden: true,
    onclick: () => { showAllEvents = true; drawEvents(null); } }, 'Show all');
  const eventNote = h('p', { class: 'muted', id: 'job-events-note' }, eventCount, ' ', showAll);
  const checkpointRows = h('tbody', { id: 'job-checkpoints' });
  const details = h('dl', { class: 'kv', id: 'job-details' });
  let showAllEvents = false;

  root.append(
    h('p', {}, h('a', { href: '#/jobs' }, '← Jobs')),
    title, lineage, failure,
    h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Job actions' },
      buttons.cancel, buttons.pause, buttons.resume, playground),
    actionError,
    stats,
    h('section', { class: 'panel', 'aria-labelledby': 'job-metrics-h' },
      h('div', { class: 'row' }, h('h2', { id: 'job-metrics-h' }, 'Metrics'),
        h('label', { for: 'job-smoothing' }, 'Smoothing'), smoothing, smoothingValue),
      chartGrid),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'job-events-h' },
        h('h2', { id: 'job-events-h' }, 'Events'), eventNote, eventList),
      h('section', { class: 'panel', 'aria-labelledby': 'job-details-h' },
        h('h2', { id: 'job-details-h' }, 'Details'), details)),
    h('section', { class: 'panel', 'aria-labelledby': 'job-ckpt-h' },
      h('h2', { id: 'job-ckpt-h' }, 'Checkpoints'),
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'job-checkpoints' },
        h('thead', {}, h('tr', {}, ['Step', 'Training loss', 'Training accuracy', 'Validation loss',
          'Validation accuracy', 'Full validation loss', 'Model', ''].map((t) => h('th', { scope: 'col' }, t)))),
        checkpointRows))));

  // ---- header, error, actions
  let headerSig = null;
  function drawHeader() {
    // redrawn only when it changed, so a focused button or link keeps its focus while polling
    const sig = JSON.stringify([job.status, job.fine_tuned_model, job.error, job.user_provided_suffix]);
    if (sig === headerSig) return;
    headerSig = sig;
    clear(title).append(h('span', {}, 'Job ', h('span', { class: 'mono' }, job.id)),
      h('span', { id: 'job-status', 'data-testid': 'job-status' }, badge(job.status)));
    clear(lineage).append(
      h('span', { class: 'mono', id: 'job-model' }, job.model), h('span', { 'aria-hidden': 'true' }, '→'),
      h('span', { class: 'sr-only' }, 'fine-tuned into'),
      job.fine_tuned_model ? h('span', { class: 'mono', id: 'job-ft-model' }, job.fine_tuned_model)
        : h('span', { class: 'muted' }, 'no model yet'),
      job.user_provided_suffix ? h('span', { class: 'muted' }, `suffix: ${job.user_provided_suffix}`) : null);
    clear(failure);
    const err = job.error || {};
    if (job.status === 'failed' || err.message) {
      failure.append(h('div', { class: 'error-box', role: 'alert', id: 'job-error', 'data-testid': 'job-error' },
        h('strong', {}, 'This job failed: '), err.message || 'no reason was given',
        h('div', { class: 'mono' }, `code: ${err.code || '—'}`, err.param ? ` · param: ${err.param}` : '')));
    }
    const s = job.status;
    buttons.cancel.disabled = !['validating_files', 'queued', 'running', 'paused'].includes(s);
    buttons.pause.disabled = !['queued', 'running'].includes(s);
    buttons.resume.disabled = s !== 'paused';
    clear(playground);
    if (job.fine_tuned_model) {
      playground.append(h('a', { class: 'button', id: 'job-open-playground',
        href: playgroundHref(job.model, job.fine_tuned_model) },
      'Open in playground'));
    }
  }

  async function act(action, question) {
    actionError.textContent = '';
    if (!await confirmAction(`${action[0].toUpperCase()}${action.slice(1)} this job?`, question,
      `${action[0].toUpperCase()}${action.slice(1)} job`)) return;
    try {
      job = await post(`/fine_tuning/jobs/${encodeURIComponent(id)}/${action}`, {});
      drawAll();
      ensurePolling();
    } catch (e) {
      actionError.textContent = e.message;
    }
  }
  buttons.cancel.addEventListener('click', () => act('cancel', 'A cancelled job stops for good and makes no model.'));
  buttons.pause.addEventListener('click', () => act('pause', 'The job checkpoints the step it is at and waits; resume continues from there.'));
  buttons.resume.addEventListener('click', () => act('resume', 'The job goes back to the queue and continues from where it paused.'));

  // ---- progress and details
  function kv(dl, pairs) {
    clear(dl);
    for (const [k, v, testid] of pairs) dl.append(h('dt', {}, k), h('dd', { 'data-testid': testid || null }, v));
  }

  function statCards(pairs) {
    clear(stats);
    for (const [k, v, testid] of pairs) {
      stats.append(h('div', { class: 'stat' }, h('dt', {}, k), h('dd', { 'data-testid': testid || null }, v)));
    }
  }

  function drawStats() {
    const m = events.latestMetrics;
    const fullLoss = events.last('full_valid_loss'), fullAcc = events.last('full_valid_mean_token_accuracy');
    statCards([
      ['Step', m ? `${m.step} / ${m.total_steps ?? '?'}` : '—', 'job-step'],
      ['Training loss', fmtNumber(events.last('train_loss')), 'job-train-loss'],
      ['Validation loss', fmtNumber(events.last('valid_loss')), 'job-valid-loss'],
      ['Full validation', fullLoss === null ? '—' : `loss ${fmtNumber(fullLoss)}, accuracy ${fmtNumber(fullAcc)}`, 'full-valid'],
      ['Tokens/s', m && typeof m.tokens_per_second === 'number' ? fmtNumber(m.tokens_per_second, 3) : '—', 'job-tps'],
      ['Estimated finish', job.estimated_finish ? fmtTime(job.estimated_finish) : '—', 'job-eta'],
      ['Trained tokens', fmtNumber(job.trained_tokens ?? (m && m.trained_tokens)), 'job-trained-tokens'],
      ['Duration', fmtDuration(jobDuration(job)), 'job-duration'],
    ]);
  }

  const fileNames = new Map();
  async function fileInfo(fileId) {
    if (!fileNames.has(fileId)) fileNames.set(fileId, get(`/files/${encodeURIComponent(fileId)}`).catch(() => null));
    return fileNames.get(fileId);
  }

  function fileLink(fileId) {
    if (!fileId) return h('span', { class: 'muted' }, 'none');
    const a = h('a', { href: `#/files/${encodeURIComponent(fileId)}`, class: 'mono' }, fileId);
    fileInfo(fileId).then((f) => { if (f) a.textContent = `${f.filename} (${fileId})`; });
    return a;
  }

  function resultFile(fileId) {
    const err = h('span', { class: 'field-error', role: 'alert' });
    const button = h('button', { type: 'button', class: 'link', 'data-testid': 'result-download' }, `Download ${fileId}`);
    fileInfo(fileId).then((f) => { if (f) button.textContent = `Download ${f.filename} (${fmtBytes(f.bytes)})`; });
    button.addEventListener('click', async () => {
      err.textContent = '';
      try {
        const f = await fileInfo(fileId);
        const url = URL.createObjectURL(await getBlob(`/files/${encodeURIComponent(fileId)}/content`));
        const a = h('a', { href: url, download: f ? f.filename : `${fileId}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (e) {
        err.textContent = e.message;
      }
    });
    return h('div', {}, button, ' ', err);
  }

  /** The job's lineage manifest (Lathe's `lathe_lineage` File): its page and a download. */
  function lineageFile(fileId) {
    if (!fileId) return h('span', { class: 'muted' }, 'written when the job succeeds');
    return h('div', {}, h('a', { href: `#/files/${encodeURIComponent(fileId)}`, class: 'mono',
      'data-testid': 'job-lineage-link' }, `lineage.json (${fileId})`), ' ', resultFile(fileId));
  }

  /** The step whose checkpoint the run ended with (Lathe's `lathe_best_step`), or null. */
  function bestStep() {
    return typeof job.lathe_best_step === 'number' && job.lathe_best_step > 0 ? job.lathe_best_step : null;
  }

  function bestCheckpoint() {
    const best = bestStep();
    if (best === null) return h('span', { class: 'muted' }, job.validation_file ? 'chosen at the end' : 'none: no validation file');
    const early = events.events.some((e) => /; stopping early$/.test(e.message));
    return h('span', {}, `step ${best}`, h('span', { class: 'muted' },
      ` · the lowest whole-validation loss; the fine-tuned model is this checkpoint${early ? ' (training stopped early)' : ''}`));
  }

  let detailsSig = null;
  function drawDetails() {
    const sig = JSON.stringify([job.method, job.hyperparameters, job.result_files, job.finished_at, job.status,
      job.lathe_lineage, job.lathe_best_step, events.events.length]);
    if (sig === detailsSig) return;
    detailsSig = sig;
    const type = (job.method && job.method.type) || 'supervised';
    const hp = (job.method && job.method[type] && job.method[type].hyperparameters) || job.hyperparameters || {};
    const rows = [
      ['Method', type, 'job-method'],
      ['Epochs', String(hp.n_epochs ?? 'auto'), 'hp-n_epochs'],
      ['Batch size', String(hp.batch_size ?? 'auto'), 'hp-batch_size'],
      ['Learning rate multiplier', String(hp.learning_rate_multiplier ?? 'auto'), 'hp-learning_rate_multiplier'],
    ];
    if (type === 'dpo') rows.push(['Beta', String(hp.beta ?? 'auto'), 'hp-beta']);
    rows.push(
      ['Seed', String(job.seed ?? '—')],
      ['Training file', fileLink(job.training_file), 'job-training-file'],
      ['Validation file', fileLink(job.validation_file), 'job-validation-file'],
      ['Result files', job.result_files && job.result_files.length ? job.result_files.map(resultFile)
        : h('span', { class: 'muted' }, 'none yet')],
      ['Lineage manifest', lineageFile(job.lathe_lineage), 'job-lineage'],
      ['Best checkpoint', bestCheckpoint(), 'job-best-step'],
      ['Created', fmtTime(job.created_at)],
      ['Finished', fmtTime(job.finished_at)]);
    kv(details, rows);
  }

  // ---- charts
  const charts = [];
  for (const [testid, name, lines] of chartSpecs(dpo)) {
    const el = h('div', { class: 'chart', id: `chart-${testid}`, 'data-testid': `chart-${testid}`, role: 'img',
      'aria-label': `${name} by step` });
    chartGrid.append(h('figure', { class: 'job-chart' }, el));
    charts.push({ el, lines, chart: null, name });
  }

  function drawCharts() {
    const s = events.series();
    for (const c of charts) {
      const series = c.lines.map(([key, label, style]) => ({ label, values: s[key], ...style }));
      if (!c.chart) c.chart = lineChart(c.el, { title: c.name, x: s.x, series, smoothing: Number(smoothing.value) });
      else c.chart.update(s.x, series);
    }
  }
  smoothing.addEventListener('input', () => {
    smoothingValue.textContent = Number(smoothing.value).toFixed(2);
    for (const c of charts) if (c.chart) c.chart.setSmoothing(Number(smoothing.value));
  });

  // ---- events
  // one formatter for every event (toLocaleString builds a new one per call: slow by the hundred)
  const eventTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit',
    minute: '2-digit', second: '2-digit' });
  function eventItem(e) {
    const when = new Date(e.created_at * 1000);
    return h('li', { class: `event level-${e.level}`, 'data-type': e.type || 'message' },
      h('time', { datetime: when.toISOString() }, eventTime.format(when)),
      h('span', { class: `badge ${e.level === 'error' ? 'bad' : e.level === 'warn' ? 'wait' : 'muted'}` }, e.level),
      h('span', { class: 'event-message' }, e.message));
  }

  function drawEvents(fresh) {
    const total = events.events.length;
    if (fresh === null) {
      clear(eventList).append(...(showAllEvents ? events.events : events.events.slice(0, SHOWN_EVENTS)).map(eventItem));
    } else if (fresh.length) {
      eventList.prepend(...(showAllEvents ? fresh : fresh.slice(0, SHOWN_EVENTS)).map(eventItem));
      if (!showAllEvents) while (eventList.children.length > SHOWN_EVENTS) eventList.lastChild.remove();
    }
    const partial = eventList.children.length < total;
    eventCount.textContent = partial ? `Newest ${eventList.children.length} of ${total} events.` : `${total} events, newest first.`;
    showAll.hidden = !partial;
  }

  // ---- checkpoints
  async function loadCheckpoints() {
    const page = await get(`/fine_tuning/jobs/${encodeURIComponent(id)}/checkpoints?limit=100`);
    clear(checkpointRows);
    if (!page.data.length) {
      checkpointRows.append(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No checkpoints yet: one is saved at the end of each epoch.')));
      return;
    }
    for (const c of page.data) {
      const m = c.metrics || {};
      const name = c.fine_tuned_model_checkpoint;
      const best = c.step_number === bestStep();
      checkpointRows.append(h('tr', { 'data-step': c.step_number, class: best ? 'best' : null },
        h('td', {}, String(c.step_number), best ? ' ' : null, best ? h('span', { class: 'badge ok', 'data-testid': 'checkpoint-best',
          title: 'the lowest whole-validation loss: the fine-tuned model' }, 'best') : null),
        h('td', {}, fmtNumber(m.train_loss)), h('td', {}, fmtNumber(m.train_mean_token_accuracy)),
        h('td', {}, fmtNumber(m.valid_loss)), h('td', {}, fmtNumber(m.valid_mean_token_accuracy)),
        h('td', {}, fmtNumber(m.full_valid_loss)),
        h('td', { class: 'mono', 'data-testid': 'checkpoint-model' }, name || '—'),
        h('td', {}, name ? h('a', { href: playgroundHref(job.model, name),
          'aria-label': `Open ${name} in playground` }, 'Open in playground') : null)));
    }
  }

  function drawAll() {
    drawHeader();
    drawStats();
    drawDetails();
  }

  drawAll();
  await events.loadAll();
  drawCharts();
  // for measuring the first load: the charts hold every step fetched so far by the next frame
  requestAnimationFrame(() => performance.mark('lathe:job-charts-drawn', { detail: { points: events.sortedSteps.length } }));
  drawEvents(null);
  drawStats();
  drawDetails();
  await loadCheckpoints();

  // ---- live updates: the job, its new events, checkpoints when one was announced
  let stop = null, afterEnd = 0;
  async function tick() {
    const before = job.status;
    job = await get(`/fine_tuning/jobs/${encodeURIComponent(id)}`);
    const fresh = await events.poll();
    const redraw = performance.now();
    if (fresh.length) {
      drawCharts();
      drawEvents(fresh);
    }
    drawAll();
    // the main-thread cost of one tick's redraw, for the benchmark's PerformanceObserver: measured
    // in a microtask queued after uPlot's own (it draws there), before layout and paint; only the
    // newest stays in the buffer
    queueMicrotask(() => {
      performance.clearMeasures('lathe:job-redraw');
      performance.measure('lathe:job-redraw', { start: redraw, detail: { events: fresh.length } });
    });
    if (before !== job.status || fresh.some((e) => /^Checkpoint |^New fine-tuned model/.test(e.message))) {
      await loadCheckpoints();
    }
    if (isTerminal(job.status) && ++afterEnd >= 2 && stop) { stop(); stop = null; }
  }
  function ensurePolling() {
    afterEnd = 0;
    if (!stop) stop = every(2000, tick);
  }
  ensurePolling();
  return () => {
    if (stop) stop();
    for (const c of charts) if (c.chart) c.chart.destroy();
  };
}
