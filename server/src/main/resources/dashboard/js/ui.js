// Small DOM helpers shared by the pages: element building, formatting, errors next to fields,
// confirmation, status badges.

/** h('div', {class: 'x', onclick: f}, child, 'text', [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

export function fmtTime(epochSeconds) {
  if (epochSeconds === null || epochSeconds === undefined) return '—';
  return new Date(epochSeconds * 1000).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return '—';
  seconds = Math.max(0, Math.round(seconds));
  const hh = Math.floor(seconds / 3600), mm = Math.floor((seconds % 3600) / 60), ss = seconds % 60;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${ss}s`;
  return `${ss}s`;
}

export function fmtNumber(n, digits = 4) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (typeof n !== 'number') return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toPrecision(digits)).toString();
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

const STATUS_CLASS = {
  succeeded: 'ok', running: 'run', queued: 'wait', validating_files: 'wait', paused: 'pause',
  failed: 'bad', cancelled: 'muted', processed: 'ok', error: 'bad',
};

export function badge(status) {
  return h('span', { class: `badge ${STATUS_CLASS[status] || 'muted'}`, 'data-status': status }, status);
}

/** A page-level error box (role=alert) showing an API error's message. */
export function errorBox(err) {
  return h('div', { class: 'error-box', role: 'alert' }, err && err.message ? err.message : String(err));
}

/**
 * Shows an API error next to the field it names (`param`), or at the form's top when it names none
 * or no such field exists. Clears earlier errors first.
 */
export function showFormError(form, err) {
  clearFormErrors(form);
  const param = err && err.param;
  const field = param ? form.querySelector(`[data-param="${CSS.escape(param)}"]`) : null;
  const where = field || form.querySelector('[data-param="_form"]');
  const box = h('p', { class: 'field-error', role: 'alert', 'data-error-for': param || '_form' }, err.message);
  if (where) where.append(box); else form.prepend(box);
  if (field) {
    const input = field.querySelector('input,select,textarea');
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  }
}

export function clearFormErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}

/** Resolves true when the user confirms `text` in the confirmation dialog. */
export function confirmAction(title, text, yesLabel = 'Confirm') {
  const dialog = document.getElementById('confirm-dialog');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('#confirm-text').textContent = text;
  dialog.querySelector('#confirm-yes').textContent = yesLabel;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

/** A labelled form field wrapper; `param` is the API field whose errors show here. */
export function field(label, input, { param, hint } = {}) {
  if (!input.id) input.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  return h('div', { class: 'field', 'data-param': param || null },
    h('label', { for: input.id }, label), input, hint ? h('small', { class: 'hint' }, hint) : null);
}

/** Runs `fn` every `ms` while the page is shown; returns the stop function. */
export function every(ms, fn) {
  let stopped = false, timer = null;
  const tick = async () => {
    if (stopped) return;
    try { await fn(); } catch (e) { console.warn('refresh failed', e); }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  return () => { stopped = true; clearTimeout(timer); };
}

/** The `#/path?query` parts of the location hash. */
export function hashQuery() {
  const hash = location.hash || '';
  const q = hash.indexOf('?');
  return new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
}
