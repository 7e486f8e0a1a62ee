// New job: pick (or upload) the training and validation files, a base or one of the project's
// ft: models, the method and its hyperparameters; before submitting, the training file's report
// and the estimate (tokens, steps, time, cost) follow every change. Submitting posts the body the
// OpenAI SDK sends (a `method` object) and opens the job; an API error shows next to its field.
// A job is only created when the files' reports allow it, so a bad form never leaves a failed job.
import { get, post, ApiError } from '../api.js';
import { h, clear, errorBox, field, fmtNumber, fmtDuration, showFormError, clearFormErrors, hashQuery } from '../ui.js';
import { uploadZone } from '../upload-zone.js';
import { reportView } from '../report.js';

const HYPER = [
  { name: 'n_epochs', label: 'Epochs', hint: 'auto, or 1 to 50' },
  { name: 'batch_size', label: 'Batch size', hint: 'auto, or 1 to 256' },
  { name: 'learning_rate_multiplier', label: 'Learning rate multiplier', hint: 'auto, or a number > 0' },
  { name: 'beta', label: 'Beta (DPO)', hint: 'auto, or a number in (0, 2]', dpo: true },
];

export async function render(root) {
  const [modelList, fileList, lastJob] = await Promise.all([
    get('/models'), get('/files?purpose=fine-tune'), get('/fine_tuning/jobs?limit=1')]);
  const models = modelList.data.map((m) => m.id);
  let files = fileList.data;
  const reports = new Map(); // file id -> report (or an ApiError)

  const training = h('select', { id: 'nj-training', name: 'training_file' });
  const validation = h('select', { id: 'nj-validation', name: 'validation_file' });
  const model = h('select', { id: 'nj-model', name: 'model' },
    h('optgroup', { label: 'Base models' }, models.filter((m) => !m.startsWith('ft:')).map((m) => h('option', { value: m }, m))),
    h('optgroup', { label: 'Your fine-tuned models (continue training)' }, models.filter((m) => m.startsWith('ft:')).map((m) => h('option', { value: m }, m))));
  const method = h('select', { id: 'nj-method', name: 'method' },
    h('option', { value: 'supervised' }, 'Supervised (SFT)'), h('option', { value: 'dpo' }, 'DPO (preference pairs)'));
  const hyper = Object.fromEntries(HYPER.map((p) => [p.name,
    h('input', { id: `nj-${p.name}`, name: p.name, type: 'text', inputmode: 'decimal', placeholder: 'auto', autocomplete: 'off' })]));
  const suffix = h('input', { id: 'nj-suffix', name: 'suffix', type: 'text', maxlength: 64, autocomplete: 'off', placeholder: 'e.g. animals-v1' });
  const seed = h('input', { id: 'nj-seed', name: 'seed', type: 'number', min: 0, step: 1, placeholder: 'random' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'nj-submit' }, 'Create fine-tuning job');

  const hyperFields = HYPER.map((p) => {
    const f = field(p.label, hyper[p.name], { hint: p.hint });
    if (p.dpo) f.classList.add('dpo-only');
    return f;
  });
  const form = h('form', { id: 'nj-form', class: 'panel nj-form', novalidate: true },
    h('div', { 'data-param': '_form' }),
    h('fieldset', {}, h('legend', {}, 'Data'),
      fileRow('Training file', training, 'training_file', 'nj-training-upload', (f) => { addFile(f); training.value = f.id; changed(); }),
      fileRow('Validation file (optional)', validation, 'validation_file', 'nj-validation-upload', (f) => { addFile(f); validation.value = f.id; changed(); })),
    h('fieldset', {}, h('legend', {}, 'Model and method'),
      field('Base model', model, { param: 'model', hint: 'a base, or one of your ft: models to continue from' }),
      field('Method', method, { param: 'method.type' })),
    h('fieldset', {}, h('legend', {}, 'Hyperparameters'), h('div', { class: 'nj-hyper' }, hyperFields)),
    h('fieldset', {}, h('legend', {}, 'Naming'),
      h('div', { class: 'nj-hyper' },
        field('Suffix', suffix, { param: 'suffix', hint: 'part of the model name: letters, digits, - _ .' }),
        field('Seed', seed, { param: 'seed', hint: 'empty: random' }))),
    h('div', { class: 'actions' }, submit));

  const reportBox = h('div', { id: 'nj-report', 'aria-live': 'polite' });
  const estimateBox = h('div', { id: 'nj-estimate', 'aria-live': 'polite' });
  root.append(h('h1', {}, 'New fine-tuning job'),
    h('div', { class: 'nj-layout' }, form,
      h('aside', { class: 'nj-side' },
        h('section', { class: 'panel', 'aria-labelledby': 'nj-est-title' }, h('h2', { id: 'nj-est-title' }, 'Estimate'), estimateBox),
        h('section', { class: 'panel', 'aria-labelledby': 'nj-rep-title' }, h('h2', { id: 'nj-rep-title' }, 'Training file report'), reportBox))));

  function fileRow(label, select, param, uploadId, onUploaded) {
    return h('div', { class: 'nj-file' },
      field(label, select, { param }),
      uploadZone({ id: uploadId, label: `Upload a ${label.toLowerCase().replace(' (optional)', '')}`, purpose: () => 'fine-tune', onUploaded }));
  }

  function fillFiles() {
    const keep = [training.value, validation.value];
    const options = () => files.map((f) => h('option', { value: f.id }, `${f.filename} (${f.id})`));
    clear(training).append(h('option', { value: '' }, files.length ? 'Choose a file…' : 'No fine-tune files yet: upload one'), ...options());
    clear(validation).append(h('option', { value: '' }, 'None'), ...options());
    [training.value, validation.value] = keep.map((v, i) => (files.some((f) => f.id === v) ? v : (i === 0 && files[0] ? files[0].id : '')));
  }

  function addFile(f) {
    files = [f, ...files.filter((x) => x.id !== f.id)];
    fillFiles();
  }

  /** `auto` (empty) or the number typed; what is not a number goes as typed, for the API to name. */
  function value(input) {
    const v = input.value.trim();
    if (v === '' || v.toLowerCase() === 'auto') return undefined;
    return v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }

  function methodBody() {
    const type = method.value;
    const hp = {};
    for (const p of HYPER) {
      if (p.dpo && type !== 'dpo') continue;
      const v = value(hyper[p.name]);
      if (v !== undefined) hp[p.name] = v;
    }
    return { type, [type]: { hyperparameters: hp } };
  }

  /** The job request, as the OpenAI SDK sends it; the estimate takes (and checks) the same body. */
  function jobBody() {
    const body = { model: model.value, training_file: training.value };
    if (validation.value) body.validation_file = validation.value;
    body.method = methodBody();
    if (suffix.value !== '') body.suffix = suffix.value;
    if (seed.value !== '') body.seed = Number(seed.value);
    return body;
  }

  function syncMethod() {
    const dpo = method.value === 'dpo';
    form.querySelectorAll('.dpo-only').forEach((el) => { el.hidden = !dpo; });
    // the API names a hyperparameter by where it was sent: method.<type>.hyperparameters.<name>
    HYPER.forEach((p, i) => { hyperFields[i].dataset.param = `method.${method.value}.hyperparameters.${p.name}`; });
  }

  async function report(fileId) {
    if (!reports.has(fileId)) {
      try {
        reports.set(fileId, await get(`/lathe/files/${encodeURIComponent(fileId)}/validation`));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
        return e;
      }
    }
    return reports.get(fileId);
  }

  let generation = 0;
  let lastEstimate = null; // {key, result}

  async function showReport(mine) {
    if (!training.value) { clear(reportBox).append(h('p', { class: 'muted' }, 'Choose or upload a training file.')); return; }
    const r = await report(training.value);
    if (mine !== generation) return;
    clear(reportBox).append(r instanceof Error ? errorBox(r) : reportView(r, { id: 'nj-training-report' }));
  }

  async function showEstimate(mine) {
    if (!training.value) { clear(estimateBox).append(h('p', { class: 'muted' }, 'The estimate needs a training file.')); return; }
    const body = jobBody();
    const key = JSON.stringify(body);
    estimateBox.setAttribute('aria-busy', 'true');
    try {
      const est = await post('/lathe/estimate', body);
      if (mine !== generation) return;
      lastEstimate = { key, result: est };
      clear(estimateBox).append(estimateView(est));
      clearFormErrors(form);
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof ApiError && e.status === 401) throw e;
      lastEstimate = { key, error: e };
      clear(estimateBox).append(h('p', { class: 'muted', id: 'nj-estimate-error' }, 'No estimate until the form is valid: ', e.message));
      placeError(e);
    } finally {
      if (mine === generation) estimateBox.removeAttribute('aria-busy');
    }
  }

  /** Shows an API error next to its field without taking the focus from where the user types. */
  function placeError(e) {
    const active = document.activeElement;
    showFormError(form, e);
    if (active && active !== document.body && form.contains(active)) active.focus();
  }

  let timer = null;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const mine = ++generation;
      showReport(mine).catch((e) => console.warn(e));
      showEstimate(mine).catch((e) => console.warn(e));
    }, 300);
  }

  /** A problem the files' reports show, which would create a job that fails at once. */
  async function fileProblem() {
    for (const [select, param] of [[training, 'training_file'], [validation, 'validation_file']]) {
      if (!select.value) {
        if (param === 'training_file') return { param, message: 'Choose or upload a training file.' };
        continue;
      }
      const r = await report(select.value);
      if (r instanceof Error) return { param, message: r.message };
      if (r.errors > 0) {
        return { param, message: `This file has ${r.errors} error${r.errors === 1 ? '' : 's'} (see the report); fix them and upload it again.` };
      }
      const preference = String(r.format).toUpperCase() === 'PREFERENCE';
      if (r.format && preference !== (method.value === 'dpo')) {
        return { param, message: preference
          ? 'This file holds preference pairs: choose the DPO method, or a chat file for supervised training.'
          : 'DPO needs preference pairs (input, preferred_output, non_preferred_output); this file is not one.' };
      }
    }
    return null;
  }

  async function create(ev) {
    ev.preventDefault();
    clearFormErrors(form);
    submit.disabled = true;
    try {
      const problem = await fileProblem();
      if (problem) { showFormError(form, problem); return; }
      // the estimate checks the request exactly as creation does, without creating anything: a job
      // is only created when it passed
      const key = JSON.stringify(jobBody());
      if (!lastEstimate || lastEstimate.key !== key) {
        try {
          lastEstimate = { key, result: await post('/lathe/estimate', jobBody()) };
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) throw e;
          if (!(e instanceof ApiError) || e.status >= 500 || e.status === 404) throw e;
          lastEstimate = { key, error: e };
        }
      }
      if (lastEstimate.error) { showFormError(form, lastEstimate.error); return; }
      const job = await post('/fine_tuning/jobs', jobBody());
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      showFormError(form, e);
    } finally {
      submit.disabled = false;
    }
  }

  // preselect from ?training_file=&model= (links from a file's page), else the newest job's model
  fillFiles();
  const q = hashQuery();
  if (q.get('training_file') && files.some((f) => f.id === q.get('training_file'))) training.value = q.get('training_file');
  const preferred = q.get('model') || (lastJob.data[0] && lastJob.data[0].model);
  if (preferred && models.includes(preferred)) model.value = preferred;
  syncMethod();
  [training, validation, model].forEach((el) => el.addEventListener('change', changed));
  method.addEventListener('change', () => { syncMethod(); changed(); });
  [...Object.values(hyper), suffix, seed].forEach((el) => el.addEventListener('input', changed));
  form.addEventListener('submit', create);
  changed();
  return () => { clearTimeout(timer); generation++; };
}

/** Dollars with cents, or two significant digits below a cent (tiny test jobs). */
function usd(v) {
  const n = Number(v);
  return n === 0 || n >= 0.01 ? n.toFixed(2) : n.toPrecision(2);
}

function estimateView(e) {
  const cost = e.cost || {};
  const row = (label, value, key) => [h('dt', {}, label), h('dd', { 'data-key': key }, value)];
  return h('div', { class: 'estimate', 'data-steps': e.steps },
    h('p', { class: 'nj-big' }, h('strong', { 'data-key': 'estimated_time' }, fmtDuration(e.estimated_seconds)),
      h('span', { class: 'muted' }, ` for ${fmtNumber(e.steps)} steps`)),
    h('dl', { class: 'kv' },
      row('Method', e.method, 'method'),
      row('Examples', fmtNumber(e.examples), 'examples'),
      row('Tokens per epoch', fmtNumber(e.tokens_per_epoch), 'tokens_per_epoch'),
      row('Trained tokens per epoch', fmtNumber(e.trained_tokens_per_epoch), 'trained_tokens_per_epoch'),
      row('Epochs', fmtNumber(e.n_epochs), 'n_epochs'),
      row('Batch size', fmtNumber(e.batch_size), 'batch_size'),
      row('Learning rate multiplier', fmtNumber(e.learning_rate_multiplier), 'learning_rate_multiplier'),
      row('Steps', fmtNumber(e.steps), 'steps'),
      row('Total tokens', fmtNumber(e.total_tokens), 'total_tokens'),
      row('Throughput', [`${fmtNumber(e.tokens_per_second, 3)} tokens/s `, h('span', { class: 'muted' }, `(${e.throughput_source || 'unknown source'})`)], 'tokens_per_second'),
      row('Estimated time', fmtDuration(e.estimated_seconds), 'estimated_seconds'),
      row('Cost here', `$${usd(cost.usd ?? 0)}`, 'cost'),
      cost.openai_equivalent_usd !== undefined && cost.openai_equivalent_usd !== null
        ? row('On OpenAI', `≈ $${usd(cost.openai_equivalent_usd)}${cost.openai_equivalent_model ? ` (${cost.openai_equivalent_model})` : ''}`, 'openai_equivalent_usd')
        : null),
    cost.note ? h('p', { class: 'muted hint' }, cost.note) : null);
}
