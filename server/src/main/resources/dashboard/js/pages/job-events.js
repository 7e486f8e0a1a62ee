// A job's events as the pages need them: every event fetched once (10,000 a page, newest first,
// paged with `after`), then only the new ones: the first page of 100 each tick, paging further back
// only while a whole page is unseen. Metrics events are kept by step, so a chart is one pass over
// the steps, never a refetch.
import { get } from '../api.js';

/** Metric keys of a metrics event's data that the charts plot. */
export const METRICS = [
  'train_loss', 'train_mean_token_accuracy', 'valid_loss', 'valid_mean_token_accuracy',
  'full_valid_loss', 'full_valid_mean_token_accuracy',
  'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies',
  'valid_rewards/accuracies', 'valid_rewards/margins',
];

export class JobEvents {
  constructor(jobId) {
    this.jobId = jobId;
    this.seen = new Set();
    this.events = []; // newest first
    this.steps = new Map(); // step -> metrics data
    this.sortedSteps = [];
    this.latestMetrics = null;
  }

  path(limit, after) {
    const base = `/fine_tuning/jobs/${encodeURIComponent(this.jobId)}/events?limit=${limit}`;
    return after ? `${base}&after=${encodeURIComponent(after)}` : base;
  }

  /** Loads every event; returns them (newest first). */
  async loadAll() {
    const all = [];
    let after = null;
    for (;;) {
      const page = await get(this.path(10000, after));
      all.push(...page.data);
      if (!page.has_more || page.data.length === 0) break;
      after = page.data[page.data.length - 1].id;
    }
    this.add(all);
    return all;
  }

  /** Fetches the events posted since the last call; returns them (newest first). */
  async poll() {
    const fresh = [];
    let after = null;
    for (;;) {
      const page = await get(this.path(100, after));
      const unseen = page.data.filter((e) => !this.seen.has(e.id));
      fresh.push(...unseen);
      if (unseen.length < page.data.length || !page.has_more || page.data.length === 0) break;
      after = page.data[page.data.length - 1].id;
    }
    this.add(fresh);
    return fresh;
  }

  add(newestFirst) {
    if (newestFirst.length === 0) return;
    let stepsAdded = false;
    const added = [];
    for (let i = newestFirst.length - 1; i >= 0; i--) {
      const e = newestFirst[i];
      if (this.seen.has(e.id)) continue;
      this.seen.add(e.id);
      added.push(e);
      if (e.type === 'metrics' && e.data && typeof e.data.step === 'number') {
        if (!this.steps.has(e.data.step)) stepsAdded = true;
        this.steps.set(e.data.step, e.data);
        if (!this.latestMetrics || e.data.step >= this.latestMetrics.step) this.latestMetrics = e.data;
      }
    }
    this.events = added.reverse().concat(this.events);
    if (stepsAdded) this.sortedSteps = [...this.steps.keys()].sort((a, b) => a - b);
  }

  /** x (steps) and one array per metric key, aligned, null where a step lacks the metric. */
  series(keys = METRICS) {
    const x = this.sortedSteps;
    const out = { x };
    for (const k of keys) out[k] = new Array(x.length).fill(null);
    x.forEach((step, i) => {
      const d = this.steps.get(step);
      for (const k of keys) if (typeof d[k] === 'number') out[k][i] = d[k];
    });
    return out;
  }

  /** The newest value of `key` among the metrics events, or null. */
  last(key) {
    const x = this.sortedSteps;
    for (let i = x.length - 1; i >= 0; i--) {
      const v = this.steps.get(x[i])[key];
      if (typeof v === 'number') return v;
    }
    return null;
  }
}
