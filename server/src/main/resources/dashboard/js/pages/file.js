// One file: its metadata, the validation report stored at upload, and the masking preview: one
// example rendered by a model's own tokenizer and chat template, token by token, with the tokens
// the loss is taken on set apart from the ignored ones (and why each is ignored), plus the counts.
// `?model=M&line=N` in the hash preselects the preview and runs it at once.
import { get, post, getBlob, ApiError } from '../api.js';
import { h, clear, fmtTime, fmtBytes, fmtNumber, badge, errorBox, field, showFormError, clearFormErrors, hashQuery } from '../ui.js';
import { reportView } from '../report.js';

/** How each kind of ignored token is named in the legend and in a token's title. */
const IGNORED = {
  system: 'system message', user: 'user message', template: 'chat template', tool: 'tool message',
  prompt: 'prompt', assistant: 'assistant, weight 0', assistant_weight_0: 'assistant, weight 0',
};

export async function render(root, id) {
  const file = await get(`/files/${encodeURIComponent(id)}`);
  root.append(
    h('h1', {}, h('span', { class: 'file-title' }, file.filename), badge(file.status)),
    h('p', { class: 'row' }, h('a', { href: '#/files' }, '← All files'),
      file.purpose === 'fine-tune' ? h('a', { href: `#/new?training_file=${encodeURIComponent(file.id)}`, id: 'file-new-job' }, 'New job on this file') : null),
    h('section', { class: 'panel', 'aria-labelledby': 'meta-title' },
      h('h2', { id: 'meta-title' }, 'File'),
      h('dl', { class: 'kv', id: 'file-meta' },
        h('dt', {}, 'ID'), h('dd', {}, h('code', {}, file.id)),
        h('dt', {}, 'Purpose'), h('dd', {}, file.purpose),
        h('dt', {}, 'Size'), h('dd', {}, `${fmtBytes(file.bytes)} (${fmtNumber(file.bytes)} bytes)`),
        h('dt', {}, 'Created'), h('dd', {}, fmtTime(file.created_at)),
        h('dt', {}, 'Status'), h('dd', {}, file.status))));

  if (file.purpose === 'fine-tune-results' && file.filename.endsWith('.json')) {
    // a job's lineage manifest: what went in, how it was trained, with what
    const text = await (await getBlob(`/files/${encodeURIComponent(id)}/content`)).text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* shown as stored */ }
    root.append(h('section', { class: 'panel', 'aria-labelledby': 'content-title' },
      h('h2', { id: 'content-title' }, 'Content'),
      h('pre', { class: 'file-content', 'data-testid': 'file-content', tabindex: '0' }, shown)));
    return;
  }
  if (file.purpose !== 'fine-tune') {
    root.append(h('p', { class: 'muted' }, 'Only fine-tune files are validated; this file has no report.'));
    return;
  }
  const reportBox = h('section', { class: 'panel', 'aria-labelledby': 'report-title' },
    h('h2', { id: 'report-title' }, 'Validation report'));
  root.append(reportBox);
  let report = null;
  try {
    report = await get(`/lathe/files/${encodeURIComponent(id)}/validation`);
    reportBox.append(reportView(report, { id: 'report' }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    reportBox.append(errorBox(e));
  }
  root.append(await maskingPreview(file, report));
}

async function maskingPreview(file, report) {
  const models = (await get('/models')).data.map((m) => m.id);
  const q = hashQuery();
  const model = h('select', { id: 'mp-model', name: 'model' }, models.map((m) => h('option', { value: m }, m)));
  if (q.get('model')) model.value = q.get('model');
  const line = h('input', { id: 'mp-line', name: 'line', type: 'number', min: 1, step: 1, inputmode: 'numeric', placeholder: 'first example', value: q.get('line') || '' });
  const out = h('div', { id: 'mp-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'mp-show' }, 'Show tokens');
  const form = h('form', { id: 'mp-form', class: 'mp-form', novalidate: true },
    field('Base model', model, { param: 'model', hint: "its tokenizer and chat template render the example" }),
    field('Example at line', line, { param: 'line', hint: `1 to ${report ? report.lines : '…'}; empty: the first example` }),
    h('div', { class: 'actions mp-actions' }, button),
    h('div', { 'data-param': '_form' }));

  async function show(ev) {
    if (ev) ev.preventDefault();
    clearFormErrors(form);
    const body = { model: model.value, file_id: file.id };
    if (line.value !== '') body.line = Number(line.value);
    button.disabled = true;
    out.setAttribute('aria-busy', 'true');
    try {
      const preview = await post('/lathe/masking_preview', body);
      clear(out).append(previewView(preview));
      if (line.value === '' && preview.line) line.placeholder = `first example (line ${preview.line})`;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      clear(out);
      // a line or file problem belongs next to the line field; the rest where the API says
      const shown = e.param === 'file_id' || e.param === 'example' ? Object.assign(e, { param: 'line' }) : e;
      showFormError(form, shown);
    } finally {
      button.disabled = false;
      out.removeAttribute('aria-busy');
    }
  }
  form.addEventListener('submit', show);
  if (q.get('model')) show();
  return h('section', { class: 'panel', 'aria-labelledby': 'mp-title' },
    h('h2', { id: 'mp-title' }, 'Masking preview'),
    h('p', { class: 'muted' }, 'What training sees: the example as the model renders it, token by token. The loss is taken on the highlighted tokens only.'),
    form, out);
}

function previewView(p) {
  const counts = p.counts || {};
  const byRole = counts.ignored_by_role || {};
  const tokens = h('div', { class: 'tokens mp-tokens', id: 'mp-tokens', role: 'list', 'aria-label': 'Rendered tokens' },
    (p.tokens || []).map((t, i) => token(t, i)));
  return h('div', { class: 'mp-preview', 'data-line': p.line },
    h('dl', { class: 'mp-counts', id: 'mp-counts' },
      count('Tokens', counts.total, 'total'),
      count('Trained', counts.trained, 'trained', 'trained'),
      count('Ignored', counts.ignored, 'ignored', 'ignored'),
      Object.entries(byRole).map(([role, n]) => count(`Ignored: ${IGNORED[role] || role}`, n, `ignored-${role}`, `ignored role-${role}`))),
    h('p', { class: 'muted mp-meta' },
      `Line ${p.line} · ${String(p.format || '').toLowerCase().replace(/_/g, ' ')}${p.answer ? ` (the ${p.answer} answer)` : ''} · ${p.model} · context ${fmtNumber(p.context_length)} tokens`,
      p.truncated ? h('strong', { class: 'warn' }, ' · truncated: the example is longer than the context and was cut from the end') : null),
    legend(p.tokens || []),
    tokens);
}

function count(label, value, key, cls) {
  return h('div', { class: 'mp-count' },
    h('dt', {}, cls ? h('span', { class: `swatch tok ${cls}`, 'aria-hidden': 'true' }) : null, label),
    h('dd', { 'data-count': key }, fmtNumber(value)));
}

function legend(tokens) {
  const roles = [...new Set(tokens.filter((t) => !t.trained).map((t) => t.role))];
  return h('ul', { class: 'mp-legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'tok trained' }, 'text'), ' trained (loss is taken)'),
    roles.map((r) => h('li', {}, h('span', { class: `tok ignored role-${r}` }, 'text'), ` ignored: ${IGNORED[r] || r}`)),
    h('li', {}, h('span', { class: 'nl-mark' }, '↵'), ' newline, ', h('span', { class: 'nl-mark' }, '→'), ' tab'));
}

function token(t, i) {
  const why = t.trained ? 'trained' : `ignored (${IGNORED[t.role] || t.role})`;
  const el = h('span', {
    class: `tok ${t.trained ? 'trained' : 'ignored'} role-${t.role}`, role: 'listitem',
    title: `#${i} · id ${t.id} · ${t.role} · ${why}`, 'data-role': t.role, 'data-trained': String(!!t.trained),
  });
  const parts = String(t.text).split(/(\n|\t)/);
  for (const part of parts) {
    if (part === '\n') el.append(h('span', { class: 'nl-mark', 'aria-hidden': 'true' }, '↵'), '\n');
    else if (part === '\t') el.append(h('span', { class: 'nl-mark', 'aria-hidden': 'true' }, '→'), '\t');
    else if (part) el.append(part);
  }
  if (t.text === '') el.append(h('span', { class: 'muted' }, '∅'));
  return el;
}
