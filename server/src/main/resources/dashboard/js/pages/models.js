// Models: the bases and the project's fine-tunes as a lineage tree, base -> ft: model -> its
// checkpoint models, with the job that made each; a fine-tune made from a fine-tune (continued
// fine-tuning) hangs under it. Derived from /v1/models, the jobs list and each finished job's
// checkpoints. Fine-tunes can be deleted; bases cannot.
import { get, del, listAll } from '../api.js';
import { h, clear, badge, fmtTime, confirmAction } from '../ui.js';
import { playgroundHref } from './job.js';

const WITH_MODELS = new Set(['succeeded', 'cancelled', 'running', 'paused']);

/** The base a fine-tune's name carries: ft:BASE:PROJECT:SUFFIX:ID(:ckpt-step-N). */
function baseOf(name) {
  const parts = name.split(':');
  return parts.length >= 3 ? parts[1] : null;
}

export async function render(root) {
  const status = h('p', { class: 'muted', id: 'models-summary', 'aria-live': 'polite' });
  const tree = h('div', { class: 'lineage panel', id: 'models-tree', 'data-testid': 'models-tree' });
  root.append(
    h('h1', {}, 'Models'),
    h('p', { class: 'muted' }, 'Each base model with the fine-tunes trained from it, their epoch checkpoints, and the job that made them.'),
    status, tree);

  async function load() {
    const [models, jobs] = await Promise.all([get('/models'), listAll('/fine_tuning/jobs', { limit: 100 })]);
    const checkpoints = new Map();
    await Promise.all(jobs.filter((j) => WITH_MODELS.has(j.status)).map(async (j) => {
      const page = await get(`/fine_tuning/jobs/${encodeURIComponent(j.id)}/checkpoints?limit=100`);
      checkpoints.set(j.id, page.data);
    }));
    return { models: models.data, jobs, checkpoints };
  }

  function draw({ models, jobs, checkpoints }) {
    const byId = new Map(models.map((m) => [m.id, m]));
    const placed = new Set();
    const madeFrom = new Map(); // parent model -> jobs trained from it (oldest first)
    for (const j of [...jobs].reverse()) {
      if (!madeFrom.has(j.model)) madeFrom.set(j.model, []);
      madeFrom.get(j.model).push(j);
    }

    function modelNode(name, kind, parent, job, extra) {
      const exists = byId.has(name);
      if (exists) placed.add(name);
      const err = h('span', { class: 'field-error', role: 'alert' });
      const bits = [
        h('span', { class: 'mono model-name' }, name),
        kind === 'base' ? h('span', { class: 'badge muted' }, 'base') : null,
        kind === 'checkpoint' ? h('span', { class: 'badge muted' }, 'checkpoint') : null,
        !exists ? h('span', { class: 'badge muted', 'data-testid': 'model-deleted' }, 'deleted') : null,
        job ? h('span', { class: 'muted' }, 'by ', h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', 'data-testid': 'model-job' }, job.id)) : null,
        extra,
        exists && byId.get(name).created && kind !== 'base' ? h('span', { class: 'muted' }, fmtTime(byId.get(name).created)) : null,
        exists && kind !== 'base' && parent ? h('a', { href: playgroundHref(parent, name) }, 'Open in playground') : null,
        exists && kind !== 'base' ? h('button', { type: 'button', class: 'danger model-delete', 'data-testid': 'model-delete',
          'aria-label': `Delete ${name}`, onclick: () => remove(name, err) }, 'Delete') : null,
        err,
      ];
      return h('li', { 'data-model': name, 'data-kind': kind }, h('div', { class: 'node' }, bits));
    }

    function jobsFrom(name) {
      const out = [];
      for (const job of madeFrom.get(name) || []) {
        const ckpts = (checkpoints.get(job.id) || []).map((c) => c.fine_tuned_model_checkpoint).filter(Boolean);
        const final = job.fine_tuned_model;
        if (!final && !ckpts.length) continue;
        const children = ckpts.filter((c) => c !== final)
          .map((c) => { const li = modelNode(c, 'checkpoint', name, null); appendChildren(li, c); return li; });
        const top = final ? modelNode(final, 'ft', name, job, badge(job.status))
          : h('li', { 'data-job': job.id }, h('div', { class: 'node' },
            h('span', { class: 'muted' }, 'Checkpoints of '), h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', 'data-testid': 'model-job' }, job.id),
            badge(job.status)));
        if (final) appendChildren(top, final);
        if (children.length) top.append(h('ul', {}, children));
        out.push(top);
      }
      return out;
    }

    function appendChildren(li, name) {
      const kids = jobsFrom(name);
      if (kids.length) li.append(h('ul', {}, kids));
    }

    const roots = models.filter((m) => m.owned_by === 'system');
    const list = h('ul', {});
    for (const m of roots) {
      const li = modelNode(m.id, 'base', null, null);
      appendChildren(li, m.id);
      list.append(li);
    }
    // fine-tunes whose job is not listed (another project's, seen by an admin key, or pruned)
    const orphans = models.filter((m) => m.owned_by !== 'system' && !placed.has(m.id));
    if (orphans.length) {
      const li = h('li', {}, h('div', { class: 'node' }, h('strong', {}, 'Fine-tunes without a listed job')));
      li.append(h('ul', {}, orphans.map((m) => modelNode(m.id, m.id.includes(':ckpt-step-') ? 'checkpoint' : 'ft', baseOf(m.id), null,
        h('span', { class: 'muted' }, `owned by ${m.owned_by}`)))));
      list.append(li);
    }
    clear(tree).append(list);
    const fts = models.filter((m) => m.owned_by !== 'system').length;
    status.textContent = `${roots.length} base models, ${fts} fine-tuned and checkpoint models.`;
  }

  async function remove(name, err) {
    err.textContent = '';
    if (!await confirmAction('Delete this model?', `${name} will no longer answer chats. Its job and metrics stay.`, 'Delete model')) return;
    try {
      await del(`/models/${encodeURIComponent(name)}`);
      draw(await load());
      status.textContent = `Deleted ${name}.`;
    } catch (e) {
      err.textContent = e.message;
    }
  }

  draw(await load());
}
