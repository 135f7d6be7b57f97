// leakhound serve: the page's script. Plain browser JavaScript, no framework, no
// build step; it talks to the server that served it and to nothing else.
'use strict';

(() => {
  const $ = (selector) => document.querySelector(selector);
  // the filters (name, kind, label, query verb) and the verdicts, as the server's
  // src/report/serve/filters.ts lists them: the server puts them in the page
  const DATA = JSON.parse($('#filters-data').textContent);
  // the filters with a text box; the verdicts are checkboxes
  const FILTERS = DATA.filters.filter((f) => f.kind !== 'verdicts').map((f) => f.name);
  const VERDICT = DATA.filters.find((f) => f.kind === 'verdicts').name;
  const verdictBoxes = () => form.querySelectorAll('input[name="' + VERDICT + '"]');
  const KIND = Object.fromEntries(DATA.filters.map((f) => [f.name, f.kind]));
  // the run's secret, from the address serve printed: every API request carries it
  const TOKEN = new URLSearchParams(location.search).get('token') || '';
  const form = $('#filters');
  const queryForm = $('#query');
  const weighBoxes = () => document.querySelectorAll('#flame-weigh input[name="weigh"]');

  /**
   * The query box's first expression: the sites the first view lists, as a query (the
   * leak sites, or when none leaks the sites that retain the most), their allocations
   * grouped by site.
   */
  const bySite = 'allocations().groupBySite().filter((g) => sites.some((s) => s.stackId === g.stackId))';
  const DEFAULT_QUERIES = {
    'leak-sites':
      "// the leak sites: diagnose() gives every site's verdict, most suspicious first\n" +
      "const sites = diagnose().groups.filter((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');\n" +
      bySite,
    'most-retained':
      '// no leak site: the sites that retain the most at the end of the work\n' +
      'const sites = diagnose().groups.filter((g) => g.retainedBytes > 0)\n' +
      '  .sort((a, b) => b.retainedBytes - a.retainedBytes).slice(0, 5);\n' +
      bySite,
  };

  // ---- units, as src/util/units.ts writes them ----

  const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function formatBytes(bytes) {
    let value = Math.abs(bytes);
    let unit = 0;
    while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    const text = unit === 0 ? String(Math.round(value)) : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);
    return (bytes < 0 ? '-' : '') + text + ' ' + BYTE_UNITS[unit];
  }
  function formatCount(n) {
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }
  function formatSeconds(seconds) {
    if (seconds === 0) return '0 s';
    if (seconds < 1e-3) return (seconds * 1e6).toFixed(0) + ' µs';
    if (seconds < 1) return (seconds * 1e3).toFixed(seconds < 0.01 ? 2 : 0) + ' ms';
    if (seconds < 120) return seconds.toFixed(seconds < 10 ? 2 : 1) + ' s';
    if (seconds < 7200) return (seconds / 60).toFixed(1) + ' min';
    return (seconds / 3600).toFixed(1) + ' h';
  }
  function where(frame) {
    if (!frame) return '(no frames)';
    return frame.file
      ? frame.function + ' (' + frame.file + (frame.line ? ':' + frame.line : '') + ')'
      : frame.function;
  }

  // ---- DOM helpers ----

  /** An element with attributes and children (strings become text, never markup). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null && value !== false)
        node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  function badge(verdict) {
    return el('span', { class: 'badge ' + verdict }, verdict);
  }
  /** An SVG the server drew (its labels escaped there), put in place of what `container` held. */
  function putSvg(container, svg) {
    container.innerHTML = svg;
  }
  function showError(node, message) {
    node.textContent = message;
    node.hidden = false;
  }
  function clearError(node) {
    node.textContent = '';
    node.hidden = true;
  }

  // ---- the API ----

  /** Fetches a path of this server; throws an Error with the server's one-line message. */
  async function request(path, init) {
    let response;
    try {
      response = await fetch(path, { ...init, headers: { ...init?.headers, 'x-leakhound-token': TOKEN } });
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new Error('cannot reach the leakhound server (was it stopped?)');
    }
    const text = await response.text();
    if (!response.ok) {
      let message = '';
      try {
        message = JSON.parse(text).error;
      } catch (_) {
        message = text.trim();
      }
      throw new Error(message || response.status + ' ' + response.statusText);
    }
    return text;
  }
  const getJson = async (path, signal) => JSON.parse(await request(path, { signal }));

  const getText = (path, signal) => request(path, { signal });
  const isAbort = (err) => err && err.name === 'AbortError';

  // ---- the process shown (a recording of several processes has a picker) ----

  /** /api/processes: the recording's verdict and headline, and every process, those that matter first. */
  let recording = null;
  /** The index in recording.processes of the process every view shows (0: the headline's). */
  let current = 0;
  const several = () => recording !== null && recording.processes.length > 1;
  /** Whether the process shown has sites with a leak verdict (its first view and flame graph show them). */
  const hasLeakSites = () => recording !== null && recording.processes[current].leakSites > 0;

  /** The flame graph's widths the user switched to (`weigh`), or null: the leak sites' when there are any. */
  let flameChoice = null;
  const flameWeigh = () => flameChoice || (hasLeakSites() ? 'leak-sites' : 'never-freed');

  /** An API path with these parameters, for the process shown: `process=` goes when there are several. */
  function apiPath(path, params) {
    const all = new URLSearchParams(params);
    if (several()) all.set('process', String(current));
    const query = all.toString();
    return path + (query ? '?' + query : '');
  }

  /** The picker's options, one per process, when there is more than one. */
  function buildPicker() {
    if (!several()) return;
    const select = $('#process');
    const options = recording.processes.map((p) =>
      el(
        'option',
        { value: p.index },
        (p.verdict === 'leak' ? 'LEAK' : 'no leak') +
          ' · pid ' +
          p.pid +
          ' · ' +
          p.shortCommand +
          ' (' +
          formatCount(p.allocations) +
          ' allocations' +
          (p.role === 'launcher' ? ', launcher' : '') +
          ')',
      ),
    );
    select.replaceChildren(...options);
    $('#skipped').replaceChildren(
      ...recording.skipped.map((line) => el('p', { class: 'note warning' }, 'not read: ' + line)),
    );
    select.value = String(current);
    select.addEventListener('change', () => pick(Number(select.value)));
    $('#processes').hidden = false;
  }

  /** Shows another process: its summary, table, timeline and flame graph; what belonged to the last one goes. */
  async function pick(index) {
    current = index;
    // answers still to come are the last process's
    if (groupController) groupController.abort();
    if (queryController) queryController.abort();
    selectedStackId = null;
    $('#group-detail').hidden = true;
    $('#query-result').replaceChildren();
    clearError($('#error'));
    await Promise.all([loadSummary(), refresh()]);
  }

  // ---- the filters ----

  /** How each kind of filter is asked for: where, with what keyboard, in what unit. */
  const CONTROLS = {
    bytes: { fieldset: '.ranges', inputmode: 'numeric', placeholder: 'bytes', unit: ' bytes' },
    seconds: { fieldset: '.ranges', inputmode: 'decimal', placeholder: 'seconds', unit: ' s' },
    pattern: { fieldset: '.patterns' },
  };

  /** The form's controls, one per filter of the server's table. */
  function buildForm() {
    for (const f of DATA.filters) {
      const title = f.verb ? 'as the query verb ' + f.verb + '()' : null;
      if (f.kind === 'verdicts') {
        const fieldset = form.querySelector('.verdicts');
        fieldset.querySelector('legend').prepend(f.label + ' ');
        for (const v of DATA.verdicts)
          fieldset.append(el('label', {}, el('input', { type: 'checkbox', name: f.name, value: v }), ' ', badge(v)));
        continue;
      }
      const c = CONTROLS[f.kind];
      const id = 'f-' + f.name;
      const fieldset = form.querySelector(c.fieldset);
      fieldset.append(el('label', { for: id }, f.label));
      if (f.kind === 'pattern') {
        fieldset.append(
          el('input', {
            id,
            name: f.name,
            type: 'text',
            autocomplete: 'off',
            spellcheck: 'false',
            placeholder: 'e.g. ' + f.example,
            title,
          }),
        );
      } else {
        fieldset.append(
          el(
            'span',
            {},
            el('input', {
              id,
              name: f.name,
              type: 'text',
              inputmode: c.inputmode,
              autocomplete: 'off',
              size: 10,
              placeholder: c.placeholder,
              title,
            }),
            c.unit,
          ),
        );
      }
    }
  }

  /** The form's filters as a query string, checked as the server checks them (it says the same). */
  function filterParams() {
    const params = new URLSearchParams();
    const verdicts = [...verdictBoxes()].filter((box) => box.checked).map((box) => box.value);
    if (verdicts.length) params.set(VERDICT, verdicts.join(','));
    const problems = [];
    for (const name of FILTERS) {
      const input = form.elements.namedItem(name);
      const value = input.value.trim();
      let problem = '';
      if (value && KIND[name] === 'bytes' && !/^\d+$/.test(value))
        problem = name + ': expected a whole number of bytes, got "' + value + '"';
      if (value && KIND[name] === 'seconds' && !/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value))
        problem = name + ': expected a number of seconds, got "' + value + '"';
      if (value && KIND[name] === 'pattern') {
        try {
          new RegExp(input.value);
        } catch (err) {
          problem = name + ': not a regular expression: ' + err.message;
        }
      }
      input.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem) problems.push(problem);
      // patterns are sent as typed (a space may matter), numbers trimmed
      if (value) params.set(name, KIND[name] === 'pattern' ? input.value : value);
    }
    return { params, problems };
  }

  /** The filters a URL's query string carries, put in the form (a reloaded or shared page shows the same). */
  function fillForm(params) {
    const verdicts = params.getAll(VERDICT).join(',').split(',');
    for (const box of verdictBoxes()) box.checked = verdicts.includes(box.value);
    for (const name of FILTERS) form.elements.namedItem(name).value = params.get(name) || '';
  }

  let pending = null;
  /** Refetches what the filters change: the table, the timeline and the flame graph. */
  async function refresh() {
    const errorNode = $('#filters-error');
    const { params, problems } = filterParams();
    if (problems.length) {
      showError(errorNode, problems.join('; '));
      return;
    }
    clearError(errorNode);
    keepInAddress(params);
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    const sections = [$('#groups-section'), $('#timeline'), $('#flame')];
    for (const s of sections) s.setAttribute('aria-busy', 'true');
    const jobs = [
      // the leak sites' timeline when the filters keep one (the table lists them first)
      getJson(apiPath('/api/groups', params), controller.signal).then((groups) => {
        showGroups(groups);
        const leaks = groups.rows.some((g) => g.verdict === 'leak' || g.verdict === 'leak-freed-at-exit');
        return loadLeakTimeline(leaks ? params : null, controller.signal);
      }),
      getText(apiPath('/api/timeline.svg', params), controller.signal).then((svg) => putSvg($('#timeline-chart'), svg)),
      loadFlame(params, controller.signal),
    ];
    const results = await Promise.allSettled(jobs);
    if (controller.signal.aborted) return;
    pending = null;
    for (const s of sections) s.removeAttribute('aria-busy');
    const failed = results.find((r) => r.status === 'rejected' && !isAbort(r.reason));
    if (failed) showError(errorNode, failed.reason.message);
  }

  /** The address keeps the token, the process, the filters and the flame graph's switch, so a reload shows the same. */
  function keepInAddress(params) {
    const address = new URLSearchParams({ token: TOKEN });
    if (several()) address.set('process', String(current));
    for (const [name, value] of params) address.append(name, value);
    if (flameChoice) address.set('weigh', flameChoice);
    history.replaceState(null, '', '?' + address.toString());
  }

  /** The leak sites' own timeline of the filtered allocations; hidden when `params` is null (the filters keep no leak site). */
  async function loadLeakTimeline(params, signal) {
    const chart = $('#leak-timeline-chart');
    if (params) putSvg(chart, await getText(apiPath('/api/leak-timeline.svg', params), signal));
    chart.hidden = !params;
  }

  /** The flame graph of the filtered allocations, weighed as the switch says. */
  function loadFlame(params, signal) {
    const weigh = flameWeigh();
    for (const box of weighBoxes()) box.checked = box.value === weigh;
    $('#flame-title').textContent =
      weigh === 'leak-sites' ? "The leak sites' retained bytes, by call path" : 'Bytes never freed, by call path';
    const flameParams = new URLSearchParams(params);
    flameParams.set('weigh', weigh);
    return getText(apiPath('/api/flame.svg', flameParams), signal).then((svg) => putSvg($('#flame-chart'), svg));
  }

  // the switch redraws the flame graph only, of the filters applied last (those in the address)
  for (const box of weighBoxes()) {
    box.addEventListener('change', () => {
      flameChoice = box.value;
      const params = new URLSearchParams(location.search);
      for (const name of ['token', 'process', 'weigh']) params.delete(name);
      keepInAddress(params);
      const flame = $('#flame');
      flame.setAttribute('aria-busy', 'true');
      loadFlame(params).then(
        () => flame.removeAttribute('aria-busy'),
        (err) => {
          flame.removeAttribute('aria-busy');
          showError($('#filters-error'), err.message);
        },
      );
    });
  }

  let changeTimer = 0;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(changeTimer);
    refresh();
  });
  form.addEventListener('change', () => {
    clearTimeout(changeTimer);
    changeTimer = setTimeout(refresh, 150);
  });
  form.addEventListener('reset', () => {
    clearTimeout(changeTimer);
    // the form's values are reset after this event
    changeTimer = setTimeout(refresh, 0);
  });

  // ---- the groups table and a site's detail ----

  let selectedStackId = null;

  function showGroups(data) {
    const rows = data.rows.map((g) => {
      const f = g.filtered;
      const tr = el(
        'tr',
        {
          'data-verdict': g.verdict,
          'data-stack-id': g.stackId,
          tabindex: 0,
          class: g.stackId === selectedStackId ? 'selected' : null,
          'aria-current': g.stackId === selectedStackId ? 'true' : null,
        },
        el('td', {}, String(g.rank)),
        el('td', {}, badge(g.verdict)),
        el('td', {}, g.growthBytesPerSecond > 0 ? formatBytes(g.growthBytesPerSecond) + '/s' : '–'),
        el('td', {}, formatCount(g.retainedCount) + ' / ' + formatCount(g.totalCount)),
        el('td', {}, formatCount(f.count)),
        el('td', {}, formatBytes(f.bytes)),
        el('td', {}, formatCount(f.leakedCount) + ' / ' + formatCount(f.count)),
        el('td', {}, formatBytes(f.leakedBytes)),
        el('td', { class: 'where' }, where(g.frame)),
      );
      onChoose(tr, () => showGroup(g.stackId));
      return tr;
    });
    $('#groups tbody').replaceChildren(...rows);
    const note = $('#groups-note');
    const hidden = data.sites - data.rows.length;
    note.hidden = data.rows.length > 0 && hidden <= 0;
    note.textContent =
      data.rows.length === 0
        ? 'No allocation matches these filters.'
        : hidden > 0
          ? formatCount(hidden) + ' more sites are not shown.'
          : '';
    const s = data.selected;
    $('#selection').textContent =
      formatCount(s.count) +
      ' allocations (' +
      formatBytes(s.bytes) +
      ') in ' +
      formatCount(data.sites) +
      ' sites match; ' +
      formatCount(s.leakedCount) +
      ' of them never freed (' +
      formatBytes(s.leakedBytes) +
      ').';
  }

  /** The first view: the leak sites, or when none leaks the sites that retain the most (/api/summary's firstView). */
  function showFirstView(first) {
    const leaks = first.kind === 'leak-sites';
    $('#first-view-title').textContent = leaks
      ? first.rows.length +
        first.more +
        (first.rows.length + first.more === 1 ? ' leak site' : ' leak sites') +
        ', most suspicious first'
      : "No leak: no site's retained memory grows";
    $('#first-view-note').textContent = leaks
      ? 'Sites whose retained memory grows (never freed, or freed only at exit), by verdict, then by how fast it grows.' +
        (first.more > 0 ? ' ' + formatCount(first.more) + ' more are in the table below.' : '')
      : first.rows.length
        ? 'The sites that retain the most at the end of the work (a cache, a pool, memory freed only at exit), largest first.'
        : 'No site retains memory at the end of the work.';
    const rows = first.rows.map((g) => {
      const tr = el(
        'tr',
        { 'data-verdict': g.verdict, 'data-stack-id': g.stackId, tabindex: 0 },
        el('td', {}, String(g.rank)),
        el('td', {}, badge(g.verdict)),
        el('td', {}, g.growthBytesPerSecond > 0 ? formatBytes(g.growthBytesPerSecond) + '/s' : '–'),
        el('td', {}, formatBytes(g.retainedBytes)),
        el('td', {}, formatCount(g.retainedCount) + ' / ' + formatCount(g.totalCount)),
        el('td', { class: 'where' }, where(g.frame)),
      );
      onChoose(tr, () => showGroup(g.stackId, { scroll: true }));
      return tr;
    });
    $('#first-sites tbody').replaceChildren(...rows);
    $('#first-sites').hidden = rows.length === 0;
    $('#first-view').hidden = false;
    // the query box starts with the query of these sites, unless the user wrote one
    const box = queryForm.elements.namedItem('expression');
    const defaults = Object.values(DEFAULT_QUERIES);
    if (box.value === '' || defaults.includes(box.value)) box.value = DEFAULT_QUERIES[first.kind];
  }

  /** A table row chosen by a click, Enter or Space. */
  function onChoose(tr, choose) {
    tr.addEventListener('click', choose);
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        choose();
      }
    });
  }

  let groupController = null;
  /** A site's detail; `scroll`: brought into view (chosen from the first view, far above it). */
  async function showGroup(stackId, { scroll = false } = {}) {
    selectedStackId = stackId;
    for (const tr of document.querySelectorAll('#groups tbody tr, #first-sites tbody tr')) {
      const selected = Number(tr.dataset.stackId) === stackId;
      tr.classList.toggle('selected', selected);
      if (selected) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
    const section = $('#group-detail');
    const errorNode = $('#error');
    if (groupController) groupController.abort();
    const controller = new AbortController();
    groupController = controller;
    section.setAttribute('aria-busy', 'true');
    try {
      const [g, svg] = await Promise.all([
        getJson(apiPath('/api/group/' + stackId), controller.signal),
        getText(apiPath('/api/group/' + stackId + '.svg'), controller.signal),
      ]);
      clearError(errorNode);
      section.dataset.stackId = String(g.stackId);
      section.dataset.verdict = g.verdict;
      $('#group-title').replaceChildren('#' + g.rank + ' ', badge(g.verdict), ' ' + g.label);
      section.querySelector('.explanation').textContent = g.explanation;
      section.querySelector('.evidence').replaceChildren(...g.evidence.map((line) => el('li', {}, line)));
      putSvg(section.querySelector('.chart'), svg);
      section.querySelector('.backtrace').textContent = g.backtrace || '(no frames of the program)';
      section.hidden = false;
      section.removeAttribute('aria-busy');
      if (scroll) section.scrollIntoView({ block: 'start' });
    } catch (err) {
      if (isAbort(err)) return;
      section.removeAttribute('aria-busy');
      showError(errorNode, err.message);
    }
  }

  // ---- the query box ----

  let queryController = null;
  async function runQuery() {
    const result = $('#query-result');
    const expression = queryForm.elements.namedItem('expression').value;
    if (queryController) queryController.abort();
    const controller = new AbortController();
    queryController = controller;
    result.setAttribute('aria-busy', 'true');
    try {
      const text = await request(apiPath('/api/query'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ expression }),
        signal: controller.signal,
      });
      showResult(result, JSON.parse(text));
    } catch (err) {
      if (isAbort(err)) return;
      result.dataset.kind = 'error';
      result.replaceChildren(el('p', { class: 'error', role: 'alert' }, err.message));
    } finally {
      if (queryController === controller) result.removeAttribute('aria-busy');
    }
  }

  function groupsTable(rows) {
    const head = el(
      'tr',
      {},
      ...['stack', 'site verdict', 'allocations', 'bytes', 'never freed', 'never-freed bytes', 'allocated at'].map(
        (h) => el('th', { scope: 'col' }, h),
      ),
    );
    const body = rows.map((g) =>
      el(
        'tr',
        { 'data-stack-id': g.stackId, 'data-verdict': g.verdict || '' },
        el('td', {}, String(g.stackId)),
        el('td', {}, g.verdict ? badge(g.verdict) : '–'),
        el('td', {}, formatCount(g.count)),
        el('td', {}, formatBytes(g.bytes)),
        el('td', {}, formatCount(g.leakedCount)),
        el('td', {}, formatBytes(g.leakedBytes)),
        el('td', { class: 'where' }, where(g.frame)),
      ),
    );
    return el('table', { class: 'query-groups' }, el('thead', {}, head), el('tbody', {}, ...body));
  }

  function showResult(node, r) {
    const parts = [];
    if (r.kind === 'graph') {
      const chart = el('div', { class: 'chart' });
      putSvg(chart, r.svg);
      parts.push(chart);
    } else if (r.kind === 'list') {
      parts.push(
        el(
          'p',
          { class: 'summary' },
          formatCount(r.len) +
            ' allocations, ' +
            formatBytes(r.bytes) +
            ', from ' +
            formatCount(r.groupCount) +
            ' backtraces' +
            (r.groupCount > r.groups.length ? '; the ' + r.groups.length + ' largest:' : ':'),
        ),
      );
      if (r.groups.length) parts.push(groupsTable(r.groups));
    } else if (r.kind === 'groups') {
      parts.push(
        el(
          'p',
          { class: 'summary' },
          formatCount(r.len) +
            (r.len === 1 ? ' group' : ' groups') +
            (r.len > r.rows.length ? '; the first ' + r.rows.length + ':' : ':'),
        ),
      );
      if (r.rows.length) parts.push(groupsTable(r.rows));
    } else if (r.kind === 'text') {
      parts.push(el('pre', { class: 'text' }, r.text));
    } else if (r.kind === 'value') {
      parts.push(el('pre', { class: 'value' }, r.json));
    } else {
      parts.push(el('p', { class: 'note' }, 'no value'));
    }
    if (r.printed.length) parts.unshift(el('pre', { class: 'printed', 'aria-label': 'printed' }, r.printed.join('\n')));
    node.dataset.kind = r.kind;
    node.replaceChildren(...parts);
  }

  queryForm.addEventListener('submit', (event) => {
    event.preventDefault();
    runQuery();
  });
  queryForm.elements.namedItem('expression').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runQuery();
    }
  });

  // ---- the summary: the recording's verdict, the process shown ----

  /** Summaries asked for so far: an answer for a process picked before the last is dropped. */
  let summaries = 0;
  async function loadSummary() {
    const asked = ++summaries;
    try {
      const s = await getJson(apiPath('/api/summary'));
      if (asked === summaries) showSummary(s);
    } catch (err) {
      showError($('#error'), err.message);
    }
  }

  function showSummary(s) {
    // the header tells the whole recording's verdict; with several processes, the one shown has its own below the picker
    const header = $('#verdict');
    header.dataset.verdict = recording.verdict;
    header.className = 'verdict ' + recording.verdict;
    $('#headline').textContent = recording.headline;
    const own = $('#process-verdict');
    own.dataset.verdict = s.verdict;
    own.className = 'verdict ' + s.verdict;
    $('#process-headline').textContent = 'pid ' + s.meta.pid + ': ' + s.headline;
    // the notes are the process's: under its own verdict when there are several
    $('#notes').replaceChildren();
    $(several() ? '#process-notes' : '#notes').replaceChildren(
      ...s.notes.map((n) => el('p', { class: 'note' }, n)),
      ...s.warnings.map((w) => el('p', { class: 'note warning' }, 'warning: ' + w)),
    );
    document.title = 'leakhound: ' + recording.headline;
    showFirstView(s.firstView);
    $('#memory').hidden = true;
    if (s.memory) {
      const shown = current;
      getText(apiPath('/api/memory.svg')).then(
        (svg) => {
          if (shown !== current) return;
          putSvg($('#memory-chart'), svg);
          $('#memory').hidden = false;
        },
        (err) => showError($('#error'), err.message),
      );
    }
    const m = s.meta;
    const rows = [
      ['recording', m.source],
      ['command', m.command.join(' ') || '?'],
      ['recorder', m.pid ? m.recorder + ', pid ' + m.pid : m.recorder],
      ['runtime', formatSeconds(m.runtimeSeconds)],
      ['allocations', formatCount(m.allocations) + ' in ' + formatCount(m.sites) + ' allocation sites'],
    ];
    $('#meta dl').replaceChildren(...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
    $('#runtime-hint').textContent = '(the run lasted ' + formatSeconds(m.runtimeSeconds) + ')';
    $('#footer').textContent = 'leakhound ' + m.version + ' · ' + m.source;
    for (const box of verdictBoxes()) {
      const count = s.verdictCounts[box.value] || 0;
      box.parentElement.title = count + (count === 1 ? ' site' : ' sites');
    }
  }

  async function start() {
    buildForm();
    const params = new URLSearchParams(location.search);
    fillForm(params);
    if (['leak-sites', 'never-freed'].includes(params.get('weigh'))) flameChoice = params.get('weigh');
    try {
      recording = await getJson('/api/processes');
    } catch (err) {
      showError($('#error'), err.message);
      return;
    }
    // a reloaded or shared address shows the process it names
    const asked = Number(params.get('process'));
    if (Number.isInteger(asked) && asked >= 0 && asked < recording.processes.length) current = asked;
    buildPicker();
    await Promise.all([loadSummary(), refresh()]);
  }

  start();
})();
