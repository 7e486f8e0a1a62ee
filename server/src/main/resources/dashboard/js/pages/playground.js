// Playground compare: one system message and a conversation of user turns sent to two or three
// models side by side, streamed into every column at once. Each column keeps its own assistant
// answers, so the next user turn continues each model's own conversation; per answer it shows
// the time to first token, tokens per second and the usage's token counts.
import { get, streamChat } from '../api.js';
import { h, clear, errorBox, field, fmtNumber, hashQuery } from '../ui.js';

const MAX_COLUMNS = 3;

export async function render(root) {
  const models = (await get('/models')).data.map((m) => m.id);
  const wanted = (hashQuery().get('models') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const initial = wanted.length ? wanted.slice(0, MAX_COLUMNS) : models.slice(0, 2);
  while (initial.length < 2) initial.push(models[initial.length] || '');

  // the conversation: user turns shared by every column, assistant answers per column
  const userTurns = [];
  const columns = [];
  let running = [];

  const system = h('textarea', { id: 'pg-system', rows: 2, placeholder: 'You are a helpful assistant.' });
  const temperature = h('input', { id: 'pg-temperature', type: 'number', min: 0, max: 2, step: 0.1, value: 1 });
  const topP = h('input', { id: 'pg-top-p', type: 'number', min: 0, max: 1, step: 0.05, value: 1 });
  const maxTokens = h('input', { id: 'pg-max-tokens', type: 'number', min: 1, step: 1, value: 64 });
  const seed = h('input', { id: 'pg-seed', type: 'number', step: 1, placeholder: 'random' });
  const message = h('textarea', { id: 'pg-message', rows: 3, placeholder: 'Once upon a time', required: true });
  const send = h('button', { type: 'submit', class: 'primary', id: 'pg-send' }, 'Send to all');
  const clearBtn = h('button', { type: 'button', id: 'pg-clear' }, 'Clear conversation');
  const addBtn = h('button', { type: 'button', id: 'pg-add-model' }, 'Add a model');
  const formError = h('div', { 'data-param': '_form' });
  const grid = h('div', { class: 'columns pg-columns', id: 'pg-columns' });

  const settings = h('section', { class: 'panel', 'aria-label': 'Settings' },
    h('div', { class: 'pg-settings' },
      field('Temperature', temperature), field('top_p', topP), field('Max tokens', maxTokens),
      field('Seed', seed, { hint: 'empty: random' })),
    field('System message', system),
    h('div', { class: 'toolbar' }, addBtn));
  const form = h('form', { id: 'pg-form', class: 'panel', novalidate: true },
    field('User message', message, { hint: 'Ctrl+Enter sends to every model' }),
    formError,
    h('div', { class: 'toolbar' }, send, clearBtn));

  root.append(h('h1', {}, 'Playground'), settings, grid, form);

  function addColumn(model) {
    const index = columns.length;
    const select = h('select', { id: `pg-model-${index}`, 'data-model-select': index },
      models.map((id) => h('option', { value: id }, id)));
    if (model && !models.includes(model)) select.append(h('option', { value: model }, `${model} (not listed)`));
    select.value = model || models[0] || '';
    const remove = h('button', { type: 'button', class: 'link', 'aria-label': `Remove model ${index + 1}` }, 'Remove');
    const log = h('div', { class: 'pg-log', 'aria-live': 'polite' });
    const el = h('section', { class: 'panel pg-column', 'data-column': index, 'aria-label': `Model ${index + 1}` },
      h('div', { class: 'pg-head' }, field(`Model ${index + 1}`, select), remove),
      log);
    const column = { select, log, el, answers: [] };
    remove.addEventListener('click', () => {
      if (columns.length <= 2 || running.length) return;
      columns.splice(columns.indexOf(column), 1);
      el.remove();
      renumber();
    });
    columns.push(column);
    grid.append(el);
    renumber();
    return column;
  }

  function renumber() {
    addBtn.disabled = columns.length >= MAX_COLUMNS;
    columns.forEach((c, i) => {
      c.el.dataset.column = i;
      c.el.querySelector('.pg-head button').hidden = columns.length <= 2;
    });
  }

  function messagesFor(column) {
    const out = [];
    if (system.value.trim()) out.push({ role: 'system', content: system.value });
    userTurns.forEach((text, turn) => {
      out.push({ role: 'user', content: text });
      const answer = column.answers[turn];
      if (answer) out.push({ role: 'assistant', content: answer });
    });
    return out;
  }

  function options() {
    const o = { temperature: Number(temperature.value), top_p: Number(topP.value) };
    if (maxTokens.value !== '') o.max_tokens = Number(maxTokens.value);
    if (seed.value !== '') o.seed = Number(seed.value);
    return o;
  }

  async function runColumn(column, turn, controller) {
    const model = column.select.value;
    const user = h('div', { class: 'pg-turn user' }, h('span', { class: 'pg-role' }, 'User'), h('div', { class: 'answer' }, userTurns[turn]));
    const text = h('div', { class: 'answer', 'data-turn': turn });
    const stats = h('p', { class: 'stats', 'data-stats': turn }, 'waiting for the first token…');
    const box = h('div', { class: 'pg-turn assistant', 'data-turn': turn, 'aria-busy': 'true' },
      h('span', { class: 'pg-role' }, `Assistant · ${model}`), text, stats);
    column.log.append(user, box);
    try {
      const r = await streamChat({ model, messages: messagesFor(column), ...options() },
        (_delta, all) => { text.textContent = all; }, controller.signal);
      column.answers[turn] = r.text;
      const usage = r.usage || {};
      const decodeMs = r.ttftMs === null ? null : r.totalMs - r.ttftMs;
      const completion = usage.completion_tokens;
      const rate = completion > 1 && decodeMs > 0 ? ((completion - 1) * 1000) / decodeMs : null;
      clear(stats).append(
        stat('ttft', 'TTFT', r.ttftMs === null ? '—' : `${Math.round(r.ttftMs)} ms`, 'time to first token'),
        stat('tps', 'tokens/s', rate === null ? '—' : fmtNumber(rate, 3), 'completion tokens after the first, per second after the first token'),
        stat('prompt', 'prompt', fmtNumber(usage.prompt_tokens)),
        stat('completion', 'completion', fmtNumber(completion)),
        r.finish_reason ? stat('finish', 'finish', r.finish_reason) : null);
      box.dataset.done = 'true';
    } catch (e) {
      column.answers[turn] = '';
      stats.remove();
      box.dataset.error = 'true';
      box.append(e.name === 'AbortError' ? h('p', { class: 'muted' }, 'Stopped.') : errorBox(e));
    } finally {
      box.removeAttribute('aria-busy');
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    clear(formError);
    const text = message.value.trim();
    if (!text) {
      formError.append(h('p', { class: 'field-error', role: 'alert' }, 'Write a user message first.'));
      message.focus();
      return;
    }
    if (running.length) return;
    const turn = userTurns.length;
    userTurns.push(text);
    message.value = '';
    send.disabled = true;
    grid.setAttribute('aria-busy', 'true');
    running = columns.map(() => new AbortController());
    await Promise.all(columns.map((c, i) => runColumn(c, turn, running[i])));
    running = [];
    send.disabled = false;
    grid.removeAttribute('aria-busy');
    grid.dataset.turns = String(userTurns.length);
    message.focus();
  }

  function reset() {
    running.forEach((c) => c.abort());
    running = [];
    userTurns.length = 0;
    columns.forEach((c) => { c.answers = []; clear(c.log); });
    delete grid.dataset.turns;
    send.disabled = false;
  }

  form.addEventListener('submit', submit);
  message.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
  });
  clearBtn.addEventListener('click', reset);
  addBtn.addEventListener('click', () => { if (columns.length < MAX_COLUMNS) addColumn(models[columns.length] || models[0]); });
  initial.forEach(addColumn);

  return () => running.forEach((c) => c.abort());
}

function stat(name, label, value, title) {
  return h('span', { class: 'stat', 'data-stat': name, title }, h('span', { class: 'muted' }, `${label} `), h('strong', {}, value));
}
