import { chartSvg } from './svg/chart';
import { flameGraphSvg } from './svg/flame-graph';
import { escapeXml } from './svg/xml';
import { formatBytes, formatCount, formatRate, formatSeconds } from '../util/units';
import { labels } from '../views/label';
import { shortCommand } from '../views/headline';
import { ReportModel } from '../views/model';
import { MAX_SECTIONS, RecordingReportModel } from '../views/recording-model';
import { REPORT_CSS } from './report-style';

const { version } = require('../../package.json') as { version: string };

/**
 * The report as one HTML file: inline CSS and inline SVG, no script, no network, so
 * it opens from file:// anywhere and can be mailed or archived as it is.
 * Ids and classes (`#verdict[data-verdict]`, `table#groups`, `section.group`,
 * `#timeline svg`, `#flame svg`) are what the browser tests select on.
 */
export function reportHtml(m: ReportModel): string {
  return [
    ...page(m.headline),
    verdictHeader(m.diagnosis.verdict, m.headline, m.notes),
    ...processBody(m, ''),
    ...ending(m.source),
  ].join('\n');
}

/**
 * The report of a whole recording: of one process, that process's report; of several,
 * the recording's verdict, a process picker, and a section for each process that
 * matters, the headline process's shown first. Still no script: the picker is radio
 * buttons, and CSS shows the section of the one checked (`:checked ~`). The headline
 * process's section keeps the ids a report of one process has; the others' are
 * prefixed (`p1-timeline`), so ids stay unique.
 */
export function recordingReportHtml(r: RecordingReportModel): string {
  if (r.processCount === 1) return reportHtml(r.sections[0]);
  const e = escapeXml;
  const picks = r.sections.map(
    (m, k) =>
      `<input type="radio" name="process" class="pick" id="pick-${k}" aria-label="show pid ${m.pid}"${k === 0 ? ' checked' : ''}>`,
  );
  const sections = r.sections.map((m, k) =>
    [
      `<div class="process" id="process-${k}" data-pid="${m.pid}">`,
      `<div class="verdict process-verdict ${m.diagnosis.verdict}" data-verdict="${m.diagnosis.verdict}"><h2>pid ${m.pid} (${e(shortCommand(m.command.join(' ')))}): ${e(m.headline)}</h2>`,
      m.notes.map((n) => `<p class="note">${e(n)}</p>`).join(''),
      '</div>',
      ...processBody(m, k === 0 ? '' : `p${k}-`),
      '</div>',
    ].join('\n'),
  );
  return [
    ...page(r.headline, pickerCss(r.sections.length)),
    verdictHeader(r.verdict, r.headline, [
      `${r.processCount} processes, ${formatSeconds(r.runtimeSeconds)}, ${formatCount(r.allocations)} allocations. Pick a process below to see its report.`,
    ]),
    ...picks,
    processPicker(r),
    ...sections,
    ...ending(r.source),
  ].join('\n');
}

/** Each picker row: a `show` label for the radio of its section, when it has one. */
function processPicker(r: RecordingReportModel): string {
  const e = escapeXml;
  const rows = r.rows.map(({ processes, section }) => {
    const p = processes[0];
    const pids = processes.map((q) => q.pid);
    const who =
      pids.length === 1
        ? String(p.pid)
        : `${pids.length} processes: ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? ', …' : ''}`;
    const allocations = processes.reduce((n, q) => n + q.allocations, 0);
    return `<tr data-verdict="${p.verdict}" data-role="${p.role}" data-section="${section}">${[
      section < 0 ? '–' : `<label for="pick-${section}">show</label>`,
      `<span class="badge ${p.verdict}">${p.verdict === 'leak' ? 'leak' : 'no leak'}</span>`,
      e(who),
      `<span title="${e(p.command)}">${e(shortCommand(p.command))}</span>`,
      p.role,
      formatCount(allocations),
      processes.length === 1 ? e(baseName(p.file)) : '–',
    ]
      .map((c) => `<td>${c}</td>`)
      .join('')}</tr>`;
  });
  const leftOut =
    r.leftOut > 0
      ? `<p class="note">${formatCount(r.leftOut)} more program${r.leftOut === 1 ? ' has' : 's have'} no section here (at most ${MAX_SECTIONS}): leakhound report on its profile reports one alone.</p>`
      : '';
  return [
    '<section id="processes"><h2>Processes of this recording, those that matter first</h2>',
    '<table id="process-table"><thead><tr><th>report</th><th>verdict</th><th>pid</th><th>command</th><th>role</th><th>allocations</th><th>profile</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    leftOut,
    r.skipped.map((line) => `<p class="note warning">not read: ${e(line)}</p>`).join(''),
    '</section>',
  ].join('\n');
}

/**
 * The picker's rules: only the checked radio's section shows, and its label is marked.
 * The radios stay focusable (arrow keys move between them), hidden from sight.
 */
function pickerCss(sections: number): string {
  const each = (rule: (k: number) => string) => Array.from({ length: sections }, (_, k) => rule(k)).join(', ');
  return [
    '.pick { position: absolute; opacity: 0; width: 1px; height: 1px; margin: 0; }',
    '.process { display: none; }',
    '#process-table th, #process-table td { text-align: left; }',
    '#processes label { cursor: pointer; color: #1a5fb4; text-decoration: underline; }',
    '.process-verdict h2 { margin: 0; font-size: 16px; }',
    `${each((k) => `#pick-${k}:checked ~ #process-${k}`)} { display: block; }`,
    `${each((k) => `#pick-${k}:checked ~ #processes label[for="pick-${k}"]`)} { font-weight: bold; color: #1a1a1a; text-decoration: none; }`,
    `${each((k) => `#pick-${k}:focus-visible ~ #processes label[for="pick-${k}"]`)} { outline: 2px solid #1a5fb4; }`,
  ].join('\n');
}

function page(title: string, extraCss = ''): string[] {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>leakhound: ${escapeXml(title)}</title><style>${REPORT_CSS}${extraCss}</style></head><body>`,
  ];
}

function verdictHeader(verdict: string, title: string, notes: string[]): string {
  return [
    `<header id="verdict" class="verdict ${verdict}" data-verdict="${verdict}"><h1>${escapeXml(title)}</h1>`,
    notes.map((n) => `<p class="note">${escapeXml(n)}</p>`).join(''),
    '</header>',
  ].join('\n');
}

function ending(source: string): string[] {
  return [`<footer>leakhound ${version} · ${escapeXml(source)}</footer>`, '</body></html>'];
}

/** A process's report: what it ran, its timeline, memory, sites and flame graph; every id prefixed with `id`. */
function processBody(m: ReportModel, id: string): string[] {
  const d = m.diagnosis;
  const e = escapeXml;
  // the sites' names, told apart among all the report shows: the same in the table and the headings
  const names = labels(m.groups.map(({ site }) => site));
  const rows = m.groups.map(({ rank, site: g }, k) =>
    row(g.verdict, [
      String(rank),
      `<span class="badge ${g.verdict}">${g.verdict}</span>`,
      g.growthBytesPerSecond > 0 ? formatRate(g.growthBytesPerSecond) : '–',
      `${formatCount(g.retainedCount)} / ${formatCount(g.totalCount)}`,
      formatBytes(g.retainedBytes),
      formatBytes(g.leakedBytes),
      `<a href="#${id}group-${rank}">${e(names[k])}</a>`,
    ]),
  );
  const details = m.groups.map(({ rank, site: g, backtrace, chart }, k) =>
    [
      `<section class="group" id="${id}group-${rank}" data-verdict="${g.verdict}">`,
      `<h3>#${rank} <span class="badge ${g.verdict}">${g.verdict}</span> ${e(names[k])}</h3>`,
      `<p class="explanation">${e(g.explanation)}</p>`,
      g.evidence.length ? `<ul class="evidence">${g.evidence.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '',
      `<div class="chart">${chartSvg(chart)}</div>`,
      `<pre class="backtrace">${e(backtrace)}</pre>`,
      '</section>',
    ].join(''),
  );
  const hidden = d.groups.length - m.groups.length;
  return [
    `<section id="${id}meta" class="meta"><dl>`,
    dl('recording', m.source),
    dl('command', m.command.join(' ') || '?'),
    dl('recorder', m.pid ? `${m.recorder}, pid ${m.pid}` : m.recorder), // an imported heaptrack file has no pid
    dl('runtime', formatSeconds(d.runtimeSeconds)),
    dl('allocations', `${formatCount(d.allocations)} in ${formatCount(d.groupCount)} allocation sites`),
    dl('report', `${m.generatedAt}, leakhound ${version}`),
    '</dl></section>',
    timelineSection(m, id),
    m.bothViews
      ? `<section id="${id}both-views" class="both-views"><h2>JS heap and native memory</h2><p class="note">The process's JS sites (sampled) and native sites (malloc) stacked together; V8's own heap pages, which hold the JS heap, are left out.</p>${chartSvg(m.bothViews)}</section>`
      : '',
    m.memory ? `<section id="${id}memory"><h2>Memory the recorder sampled</h2>${chartSvg(m.memory)}</section>` : '',
    `<section id="${id}groups-section"><h2>Allocation sites, most suspicious first</h2>`,
    `<table id="${id}groups" class="groups"><thead><tr><th>#</th><th>verdict</th><th>growth</th><th>retained / all</th><th>retained</th><th>never freed</th><th>allocated at</th></tr></thead>`,
    `<tbody>${rows.join('')}</tbody></table>`,
    hidden > 0
      ? `<p class="note">${formatCount(hidden)} more sites (mostly temporary) are not shown: leakhound analyze --top N lists them.</p>`
      : '',
    '</section>',
    `<section id="${id}details"><h2>Each site: what it retained and what it freed</h2><p class="note">Retained: alive at the end of the work (freed at exit, or never), what the verdict weighs, in the colour of the site's verdict; freed: the rest of what it allocated.</p>${details.join('')}</section>`,
    flameSection(m, id),
  ];
}

/**
 * The timeline: the leak sites alone first, on their own axis, when there are any (a
 * leak of kilobytes beside a cache of megabytes is a hairline on the stacked chart of
 * every site); then every top site stacked, leaks at the bottom.
 */
function timelineSection(m: ReportModel, id: string): string {
  const leaks = m.leakTimeline ? `<div class="timeline-leaks">${chartSvg(m.leakTimeline)}</div>` : '';
  const colours =
    '<p class="note">The most suspicious sites stacked, leaks at the bottom, coloured by verdict: leaks red and orange, unclear amber, bounded blue, temporary grey.</p>';
  return `<section id="${id}timeline"><h2>Timeline</h2>${leaks}${colours}<div class="timeline-all">${chartSvg(m.timeline)}</div></section>`;
}

/**
 * Two flame graphs and a switch between them, without script (radio buttons, and CSS
 * shows the view of the one checked): the bytes the leak sites retain, first, and every
 * byte never freed, caches and pools included.
 */
function flameSection(m: ReportModel, id: string): string {
  const pick = (view: string, text: string, checked: boolean) =>
    `<input type="radio" name="${id}flame-view" id="${id}flame-${view}" class="flame-pick flame-pick-${view}"${checked ? ' checked' : ''}><label class="flame-label" for="${id}flame-${view}">${text}</label>`;
  return [
    `<section id="${id}flame"><h2>Where the memory is held, by call path</h2>`,
    // the radios are the views' siblings, for the CSS's `:checked ~`
    pick('leaks', 'retained by the leak sites', true),
    pick('all', 'all never freed', false),
    '<div class="flame-view flame-leaks"><p class="note">Widths are the bytes the sites with a leak verdict retain (alive at the end of the work); the top row is everything, each row below the functions called.</p>',
    flameGraphSvg(m.flame, {
      width: 1100,
      title: 'Bytes retained by the leak sites, by call stack',
      emptyText: 'no site has a leak verdict: "all never freed" shows where the memory never freed is',
    }),
    '</div>',
    '<div class="flame-view flame-all"><p class="note">Widths are every byte never freed, whatever its site\'s verdict: bounded caches and pools too.</p>',
    flameGraphSvg(m.flameNeverFreed, { width: 1100 }),
    '</div></section>',
  ].join('\n');
}

function row(verdict: string, cells: string[]): string {
  return `<tr data-verdict="${verdict}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function dl(term: string, value: string): string {
  return `<dt>${escapeXml(term)}</dt><dd>${escapeXml(value)}</dd>`;
}

/** The file's name without its directory. */
function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
