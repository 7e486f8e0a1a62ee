// A file upload control: a drop zone that also holds a labelled file input, a progress bar fed
// by the upload's own progress events (files of many MB), and the outcome (the new file's id, or
// the API's error). Used by the Files page and beside each file select of the New job form.
import { upload } from './api.js';
import { h, fmtBytes } from './ui.js';

/**
 * @param {object} opts
 * @param {string} opts.id prefix for the control's element ids (stable for tests)
 * @param {string} opts.label the file input's label
 * @param {() => string} opts.purpose the purpose to upload with, read when an upload starts
 * @param {(file: object) => void} [opts.onUploaded] called with each stored file object
 * @returns {HTMLElement}
 */
export function uploadZone({ id, label, purpose, onUploaded }) {
  const input = h('input', { type: 'file', id: `${id}-input`, accept: '.jsonl,.json,.txt,application/jsonl,application/json,text/plain' });
  const bar = h('progress', { id: `${id}-progress`, max: 100, value: 0, hidden: true, 'aria-label': `${label}: upload progress` });
  const status = h('p', { class: 'upload-status', id: `${id}-status`, role: 'status' });
  const zone = h('div', { class: 'drop', id: `${id}-drop`, 'data-testid': `${id}-drop` },
    h('label', { for: input.id }, label),
    h('p', { class: 'muted drop-hint' }, 'Drop a JSONL file here, or choose one:'),
    input);
  let busy = false;

  async function send(files) {
    if (busy || !files || files.length === 0) return;
    busy = true;
    input.disabled = true;
    try {
      for (const file of files) await sendOne(file);
    } finally {
      busy = false;
      input.disabled = false;
      input.value = '';
    }
  }

  async function sendOne(file) {
    bar.hidden = false;
    bar.value = 0;
    bar.dataset.percent = '0';
    status.className = 'upload-status';
    delete status.dataset.fileId;
    status.textContent = `Uploading ${file.name} (${fmtBytes(file.size)})…`;
    try {
      const stored = await upload(file, purpose(), (loaded, total) => {
        const pct = total ? Math.floor((loaded / total) * 100) : 0;
        bar.value = pct;
        bar.dataset.percent = String(pct);
      });
      bar.value = 100;
      bar.dataset.percent = '100';
      status.textContent = `Uploaded ${stored.filename} as ${stored.id}.`;
      status.dataset.fileId = stored.id;
      if (onUploaded) onUploaded(stored);
    } catch (e) {
      status.className = 'upload-status field-error';
      status.textContent = `Upload of ${file.name} failed: ${e.message}`;
    }
  }

  input.addEventListener('change', () => send(Array.from(input.files || [])));
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    send(Array.from((ev.dataTransfer && ev.dataTransfer.files) || []));
  });
  return h('div', { class: 'upload-zone' }, zone, bar, status);
}
