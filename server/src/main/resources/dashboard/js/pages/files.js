// Files: the project's uploaded files (filterable by purpose), an upload control with progress
// (drag and drop or a file input) and delete with confirmation. A fine-tune file links to its
// own page (#/files/{id}) with the validation report and the masking preview.
import { get, del } from '../api.js';
import { h, clear, fmtTime, fmtBytes, badge, errorBox, confirmAction, field, hashQuery } from '../ui.js';
import { uploadZone } from '../upload-zone.js';

const PURPOSES = ['fine-tune', 'fine-tune-results', 'assistants', 'batch', 'evals', 'user_data', 'vision'];
const UPLOAD_PURPOSES = PURPOSES.filter((p) => p !== 'fine-tune-results');

export async function render(root) {
  const filter = h('select', { id: 'files-filter' },
    h('option', { value: '' }, 'All purposes'),
    PURPOSES.map((p) => h('option', { value: p }, p)));
  filter.value = hashQuery().get('purpose') || '';
  const purpose = h('select', { id: 'upload-purpose' }, UPLOAD_PURPOSES.map((p) => h('option', { value: p }, p)));
  purpose.value = 'fine-tune';
  const listBox = h('div', { id: 'files-list' });

  const upload = uploadZone({
    id: 'upload',
    label: 'File to upload',
    purpose: () => purpose.value,
    onUploaded: () => refresh(),
  });

  root.append(
    h('h1', {}, 'Files'),
    h('section', { class: 'panel', 'aria-labelledby': 'upload-title' },
      h('h2', { id: 'upload-title' }, 'Upload'),
      h('div', { class: 'upload-grid' },
        field('Purpose', purpose, { param: 'purpose', hint: 'fine-tune files are validated on upload' }),
        upload)),
    h('section', { 'aria-labelledby': 'list-title' },
      h('div', { class: 'toolbar' },
        h('h2', { id: 'list-title' }, 'Uploaded files'),
        h('label', { for: filter.id, class: 'push' }, 'Show'), filter),
      listBox));

  filter.addEventListener('change', () => refresh());

  async function refresh() {
    let files;
    try {
      const q = filter.value ? `?purpose=${encodeURIComponent(filter.value)}` : '';
      files = (await get(`/files${q}`)).data;
    } catch (e) {
      clear(listBox).append(errorBox(e));
      return;
    }
    clear(listBox).append(files.length === 0
      ? h('p', { class: 'muted', id: 'files-empty' }, filter.value ? `No ${filter.value} files.` : 'No files yet: upload one above.')
      : table(files));
  }

  function table(files) {
    return h('div', { class: 'table-wrap' }, h('table', { id: 'files-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'ID'), h('th', { scope: 'col' }, 'Purpose'),
        h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col', class: 'hide-narrow' }, 'Created'),
        h('th', { scope: 'col', class: 'hide-narrow' }, 'Status'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', {}, files.map(row))));
  }

  function row(f) {
    const name = f.purpose === 'fine-tune'
      ? h('a', { href: `#/files/${encodeURIComponent(f.id)}`, class: 'file-link' }, f.filename)
      : f.filename;
    const remove = h('button', { type: 'button', class: 'danger', 'data-delete': f.id, 'aria-label': `Delete ${f.filename} (${f.id})` }, 'Delete');
    remove.addEventListener('click', async () => {
      if (!await confirmAction('Delete file?', `Delete ${f.filename} (${f.id})? Jobs that already used it keep their results.`, 'Delete')) return;
      try {
        await del(`/files/${encodeURIComponent(f.id)}`);
        await refresh();
      } catch (e) {
        listBox.prepend(errorBox(e));
      }
    });
    return h('tr', { 'data-file-id': f.id },
      h('td', { class: 'name' }, name), h('td', {}, h('code', {}, f.id)), h('td', {}, f.purpose),
      h('td', { 'data-bytes': f.bytes }, fmtBytes(f.bytes)), h('td', { class: 'hide-narrow' }, fmtTime(f.created_at)),
      h('td', { class: 'hide-narrow' }, badge(f.status)), h('td', {}, remove));
  }

  await refresh();
}
