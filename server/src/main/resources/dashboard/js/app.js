// The dashboard's shell: hash routes to pages, the API-key prompt, and one place that shows a
// page's failure. Each page module exports `render(root, params)`, which may return a cleanup
// function (stop polling) called when the user leaves the page.
import { get, setApiKey, apiKey, ApiError } from './api.js';
import { h, clear, errorBox } from './ui.js';

const ROUTES = [
  [/^\/jobs\/?$/, 'jobs', () => import('./pages/jobs.js')],
  [/^\/jobs\/([^/]+)$/, 'jobs', () => import('./pages/job.js')],
  [/^\/new$/, 'new', () => import('./pages/newjob.js')],
  [/^\/files\/?$/, 'files', () => import('./pages/files.js')],
  [/^\/files\/([^/]+)$/, 'files', () => import('./pages/file.js')],
  [/^\/playground$/, 'playground', () => import('./pages/playground.js')],
  [/^\/compare$/, 'compare', () => import('./pages/compare.js')],
  [/^\/models$/, 'models', () => import('./pages/models.js')],
  [/^\/evals\/?$/, 'evals', () => import('./pages/evals.js')],
  [/^\/evals\/([^/]+)$/, 'evals', () => import('./pages/eval.js')],
  [/^\/evals\/([^/]+)\/runs\/([^/]+)$/, 'evals', () => import('./pages/eval-run.js')],
];

let cleanup = null;
let generation = 0;

function path() {
  const hash = location.hash.replace(/^#/, '') || '/jobs';
  const q = hash.indexOf('?');
  return q >= 0 ? hash.slice(0, q) : hash;
}

async function route() {
  const mine = ++generation;
  if (cleanup) { try { cleanup(); } catch (e) { console.warn(e); } cleanup = null; }
  const view = clear(document.getElementById('view'));
  const p = path();
  const match = ROUTES.map(([re, nav, load]) => [p.match(re), nav, load]).find(([m]) => m);
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (match && a.dataset.nav === match[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (!match) {
    view.append(h('h1', {}, 'Not found'), h('p', {}, `No page at ${p}. `, h('a', { href: '#/jobs' }, 'Back to jobs')));
    return;
  }
  const [m, , load] = match;
  view.setAttribute('aria-busy', 'true');
  try {
    const page = await load();
    if (mine !== generation) return;
    const params = m.slice(1).map(decodeURIComponent);
    const result = await page.render(view, ...params);
    if (mine !== generation) { if (typeof result === 'function') result(); return; }
    cleanup = typeof result === 'function' ? result : null;
  } catch (e) {
    if (mine !== generation) return;
    if (e instanceof ApiError && e.status === 401) return; // the key dialog is open
    console.warn(e);
    view.append(errorBox(e));
  } finally {
    if (mine === generation) view.removeAttribute('aria-busy');
  }
}

function askForKey(message) {
  const dialog = document.getElementById('key-dialog');
  const error = document.getElementById('key-error');
  error.textContent = message || '';
  if (!dialog.open) dialog.showModal();
  document.getElementById('key-input').focus();
}

async function whoAmI() {
  const who = document.getElementById('who');
  clear(who);
  try {
    await get('/models');
  } catch (e) {
    return false;
  }
  if (apiKey()) {
    who.append(h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: () => { setApiKey(null); location.reload(); } }, 'Forget key'));
  } else {
    who.append(h('span', { class: 'muted' }, 'local mode'));
  }
  return true;
}

function start() {
  document.getElementById('key-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = document.getElementById('key-input');
    setApiKey(input.value.trim());
    if (await whoAmI()) {
      document.getElementById('key-dialog').close();
      input.value = '';
      route();
    }
  });
  window.addEventListener('lathe:unauthorized', (ev) => {
    askForKey(apiKey() ? ev.detail.message : '');
  });
  window.addEventListener('hashchange', route);
  whoAmI().then((ok) => { if (ok) route(); });
}

start();
