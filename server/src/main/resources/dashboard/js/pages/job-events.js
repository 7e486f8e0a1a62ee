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
    this.cols = null; // metric key -> values aligned with sortedSteps, built on demand
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
    const added = [];
    for (let i = newestFirst.length - 1; i >= 0; i--) {
      const e = newestFirst[i];
      if (this.seen.has(e.id)) continue;
      this.seen.add(e.id);
      added.push(e);
      if (e.type === 'metrics' && e.data && typeof e.data.step === 'number') this.addStep(e.data);
    }
    this.events = added.reverse().concat(this.events);
  }

  /** Steps arrive in order while a job runs: then the columns only grow at their end. */
  addStep(d) {
    const x = this.sortedSteps;
    const last = x.length ? x[x.length - 1] : -Infinity;
    const known = this.steps.has(d.step);
    this.steps.set(d.step, d);
    if (!this.latestMetrics || d.step >= this.latestMetrics.step) this.latestMetrics = d;
    if (!known && d.step > last) {
      x.push(d.step);
      if (this.cols) for (const k of METRICS) this.cols[k].push(typeof d[k] === 'number' ? d[k] : null);
    } else {
      if (!known) this.sortedSteps = [...this.steps.keys()].sort((a, b) => a - b);
      this.cols = null; // out of order or replaced: rebuilt on the next series()
    }
  }

  /**
   * x (steps) and one array per metric key, aligned, null where a step lacks the metric. The arrays
   * are the live columns (do not modify them); they grow as steps arrive.
   */
  series() {
    const x = this.sortedSteps;
    if (!this.cols) {
      this.cols = {};
      for (const k of METRICS) this.cols[k] = new Array(x.length).fill(null);
      x.forEach((step, i) => {
        const d = this.steps.get(step);
        for (const k of METRICS) if (typeof d[k] === 'number') this.cols[k][i] = d[k];
      });
    }
    return { x: x.slice(), ...this.cols };
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
