import { Frame, frameName } from '../profile/frames';
import { chartSvg } from './svg/chart';
import { flameGraphSvg } from './svg/flame-graph';
import { escapeXml } from './svg/xml';
import { formatBytes, formatCount, formatRate, formatSeconds } from '../util/units';
import { label } from '../views/label';
import { ReportModel } from '../views/model';
import { REPORT_CSS } from './report-style';

const { version } = require('../../package.json') as { version: string };

/**
 * The report as one HTML file: inline CSS and inline SVG, no script, no network, so
 * it opens from file:// anywhere and can be mailed or archived as it is.
 * Ids and classes (`#verdict[data-verdict]`, `table#groups`, `section.group`,
 * `#timeline svg`, `#flame svg`) are what the browser tests select on.
 */
export function reportHtml(m: ReportModel): string {
  const d = m.diagnosis;
  const e = escapeXml;
  const rows = m.groups.map(({ rank, site: g }) =>
    row(g.verdict, [
      String(rank),
      `<span class="badge ${g.verdict}">${g.verdict}</span>`,
      g.growthBytesPerSecond > 0 ? formatRate(g.growthBytesPerSecond) : '–',
      `${formatCount(g.retainedCount)} / ${formatCount(g.totalCount)}`,
      formatBytes(g.retainedBytes),
      formatBytes(g.leakedBytes),
      `<a href="#group-${rank}">${e(where(g.frames[0]))}</a>`,
    ]),
  );
  const details = m.groups.map(({ rank, site: g, backtrace, chart }) =>
    [
      `<section class="group" id="group-${rank}" data-verdict="${g.verdict}">`,
      `<h3>#${rank} <span class="badge ${g.verdict}">${g.verdict}</span> ${e(label(g))}</h3>`,
      `<p class="explanation">${e(g.explanation)}</p>`,
      g.evidence.length ? `<ul class="evidence">${g.evidence.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '',
      `<div class="chart">${chartSvg(chart)}</div>`,
      `<pre class="backtrace">${e(backtrace)}</pre>`,
      '</section>',
    ].join(''),
  );
  const hidden = d.groups.length - m.groups.length;
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>leakhound: ${e(m.headline)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<header id="verdict" class="verdict ${d.verdict}" data-verdict="${d.verdict}"><h1>${e(m.headline)}</h1>`,
    m.notes.map((n) => `<p class="note">${e(n)}</p>`).join(''),
    '</header>',
    '<section id="meta"><dl>',
    dl('recording', m.source),
    dl('command', m.command.join(' ') || '?'),
    dl('recorder', m.pid ? `${m.recorder}, pid ${m.pid}` : m.recorder), // an imported heaptrack file has no pid
    dl('runtime', formatSeconds(d.runtimeSeconds)),
    dl('allocations', `${formatCount(d.allocations)} in ${formatCount(d.groupCount)} allocation sites`),
    dl('report', `${m.generatedAt}, leakhound ${version}`),
    '</dl></section>',
    `<section id="timeline"><h2>Timeline</h2>${chartSvg(m.timeline)}</section>`,
    m.memory ? `<section id="memory"><h2>Memory the recorder sampled</h2>${chartSvg(m.memory)}</section>` : '',
    '<section id="groups-section"><h2>Allocation sites, most suspicious first</h2>',
    '<table id="groups"><thead><tr><th>#</th><th>verdict</th><th>growth</th><th>retained / all</th><th>retained</th><th>leaked</th><th>allocated at</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    hidden > 0
      ? `<p class="note">${formatCount(hidden)} more sites (mostly temporary) are not shown: leakhound analyze --top N lists them.</p>`
      : '',
    '</section>',
    `<section id="details"><h2>Each site: its leaked part and all it allocated</h2>${details.join('')}</section>`,
    `<section id="flame"><h2>Leaked bytes by call path</h2><p class="note">Widths are bytes never freed; the top row is everything, each row below the functions called.</p>${flameGraphSvg(m.flame, { width: 1100 })}</section>`,
    `<footer>leakhound ${version} · ${e(m.source)}</footer>`,
    '</body></html>',
  ].join('\n');
}

function row(verdict: string, cells: string[]): string {
  return `<tr data-verdict="${verdict}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function dl(term: string, value: string): string {
  return `<dt>${escapeXml(term)}</dt><dd>${escapeXml(value)}</dd>`;
}

function where(f: Frame | undefined): string {
  if (!f) return '(no frames)';
  const name = frameName(f);
  return f.file ? `${name} (${f.file}${f.line ? `:${f.line}` : ''})` : name;
}
