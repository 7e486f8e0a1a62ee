// The dashboard's only way to the server: the public /v1 API (and its documented /v1/lathe
// extensions), with the key the user pasted (session storage, Authorization header only).

const KEY = 'lathe.apiKey';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.param = e.param || null;
    this.code = e.code || null;
    this.type = e.type || null;
  }
}

export function apiKey() { return sessionStorage.getItem(KEY); }
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const h = { ...extra };
  const key = apiKey();
  if (key) h['Authorization'] = `Bearer ${key}`;
  return h;
}

async function parse(res) {
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: { message: text } }; }
  if (!res.ok) {
    const err = new ApiError(res.status, body);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('lathe:unauthorized', { detail: err }));
    throw err;
  }
  return body;
}

/** GET/POST/DELETE a JSON resource under /v1. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return parse(await fetch(`/v1${path}`, init));
}

export const get = (path, opts) => api(path, opts);
export const post = (path, body, opts = {}) => api(path, { ...opts, method: 'POST', body });
export const del = (path, opts = {}) => api(path, { ...opts, method: 'DELETE' });

/** A binary resource under /v1 (e.g. a file's content) as a Blob, fetched with the key. */
export async function getBlob(path, opts = {}) {
  const res = await fetch(`/v1${path}`, { headers: headers(), signal: opts.signal });
  if (!res.ok) await parse(res);
  return res.blob();
}

/** Every page of a cursor-paged OpenAI list (`after` + `has_more`). */
export async function listAll(path, { limit = 100, max = 100000 } = {}) {
  const out = [];
  let after = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    out.push(...page.data);
    if (!page.has_more || page.data.length === 0 || out.length >= max) return out;
    after = page.data[page.data.length - 1].id;
  }
}

/** Multipart upload with progress (XMLHttpRequest reports upload progress; fetch does not). */
export function upload(file, purpose, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/files');
    const key = apiKey();
    if (key) xhr.setRequestHeader('Authorization', `Bearer ${key}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = { error: { message: xhr.responseText } }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body); else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { error: { message: 'The upload could not reach the server.' } }));
    const form = new FormData();
    form.append('purpose', purpose);
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

/**
 * Streams a chat completion (SSE). Calls onDelta(text) for each content delta and resolves with
 * {text, usage, finish_reason, ttftMs, totalMs}.
 */
export async function streamChat(request, onDelta, signal) {
  const started = performance.now();
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
    body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!res.ok) await parse(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '', text = '', usage = null, finish = null, ttftMs = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n\n')) >= 0) {
      const chunk = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      for (const line of chunk.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') continue;
        const event = JSON.parse(data);
        if (event.error) throw new ApiError(500, event);
        if (event.usage) usage = event.usage;
        for (const choice of event.choices || []) {
          const delta = choice.delta && choice.delta.content;
          if (delta) {
            if (ttftMs === null) ttftMs = performance.now() - started;
            text += delta;
            onDelta(delta, text);
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
      }
    }
  }
  return { text, usage, finish_reason: finish, ttftMs, totalMs: performance.now() - started };
}
