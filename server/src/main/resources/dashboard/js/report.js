// A dataset validation report (the dataset module's ValidationReport JSON, as stored at upload):
// its summary and every kept problem with line, JSON path, code, severity and message, errors
// first. Shown on a file's page and in the New job form.
import { h, fmtNumber, fmtBytes } from './ui.js';

/** Every kept issue of `report`: errors first, then by line, then by code. */
export function problems(report) {
  const all = [];
  for (const c of report.codes || []) for (const i of c.first || []) all.push(i);
  const rank = (i) => (String(i.severity).toLowerCase() === 'error' ? 0 : 1);
  return all.sort((a, b) => rank(a) - rank(b) || a.line - b.line || String(a.code).localeCompare(String(b.code)));
}

/** The report as a panel body: summary, then the problems table (or a line saying there are none). */
export function reportView(report, { id = 'report' } = {}) {
  const list = problems(report);
  const errors = report.errors || 0, warnings = report.warnings || 0;
  const verdict = errors > 0
    ? h('p', { class: 'verdict bad', role: 'status' }, `${fmtNumber(errors)} error${errors === 1 ? '' : 's'}: a job on this file would fail validation.`)
    : h('p', { class: 'verdict ok', role: 'status' }, warnings ? 'No errors; see the warnings below.' : 'No problems found.');
  const summary = h('dl', { class: 'kv report-summary', id: `${id}-summary` },
    kv('Format', report.format ? String(report.format).toLowerCase().replace(/_/g, ' ') : 'not recognized', 'format'),
    kv('Examples', fmtNumber(report.examples), 'examples'),
    kv('Valid examples', fmtNumber(report.valid_examples), 'valid_examples'),
    kv('Errors', fmtNumber(errors), 'errors'),
    kv('Warnings', fmtNumber(warnings), 'warnings'),
    kv('Lines', fmtNumber(report.lines), 'lines'),
    kv('Size', fmtBytes(report.bytes), 'bytes'));
  const hidden = (report.codes || []).filter((c) => c.count > (c.first || []).length);
  return h('div', { class: 'report', id, 'data-errors': errors, 'data-warnings': warnings },
    verdict, summary,
    list.length === 0 ? null : h('div', { class: 'table-wrap report-problems' }, h('table', { id: `${id}-problems` },
      h('caption', { class: 'sr-only' }, 'Problems found in the file'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Severity'), h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'Path'),
        h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Message'))),
      h('tbody', {}, list.map(problemRow)))),
    hidden.length === 0 ? null : h('p', { class: 'muted', id: `${id}-more` },
      'Only the first occurrences of each code are kept: ',
      hidden.map((c, i) => [i ? ', ' : '', h('code', {}, c.code), ` ${fmtNumber(c.count)} in all`]), '.'));
}

function kv(label, value, key) {
  return [h('dt', {}, label), h('dd', { 'data-key': key }, value)];
}

function problemRow(i) {
  const severity = String(i.severity).toLowerCase();
  return h('tr', { class: `problem ${severity}`, 'data-line': i.line, 'data-code': i.code, 'data-path': i.path || '', 'data-severity': severity },
    h('td', {}, h('span', { class: `badge ${severity === 'error' ? 'bad' : 'wait'}` }, severity)),
    h('td', { class: 'num' }, i.line === 0 ? 'file' : String(i.line), i.column ? h('span', { class: 'muted' }, `:${i.column}`) : null),
    h('td', {}, i.path ? h('code', {}, i.path) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'code-cell' }, h('code', {}, i.code)),
    h('td', { class: 'message' }, i.message));
}
