import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AllocationList } from '../../../../src/query/allocation-list';
import * as verbs from '../../../../src/query/verbs';
import {
  BadRequest,
  FILTER_NAMES,
  FILTERS,
  filtersJson,
  parseFilters,
  VERDICTS,
} from '../../../../src/app/web/filters';
import { ROOT } from '../../../helpers/helpers';

test('every filter names a query verb that exists, as a verb and as an AllocationList method', () => {
  for (const f of FILTERS) {
    if (f.kind === 'verdicts') {
      assert.equal(f.verb, undefined, "the verdict is the site's, no query verb");
      continue;
    }
    assert.ok(f.verb && f.verb in verbs, `${f.name}: ${f.verb} is a verb of src/query/verbs`);
    assert.equal(
      typeof (AllocationList.prototype as unknown as Record<string, unknown>)[f.verb],
      'function',
      `${f.name}: list.${f.verb}()`,
    );
  }
  assert.deepEqual(
    FILTER_NAMES,
    FILTERS.map((f) => f.name),
  );
  assert.equal(new Set(FILTER_NAMES).size, FILTER_NAMES.length, 'names are distinct');
});

test('the server reads each filter by its kind', () => {
  const value = { bytes: '1.5', seconds: '1.5', pattern: '(', verdicts: 'nope' } as const;
  for (const f of FILTERS) {
    // what one kind takes, another refuses: a fraction is no number of bytes, `(` no pattern
    const params = new URLSearchParams({ [f.name]: value[f.kind] });
    if (f.kind === 'seconds') assert.equal(parseFilters(params).key, `${f.name}=1.5`);
    else assert.throws(() => parseFilters(params), BadRequest, f.name);
  }
  assert.throws(() => parseFilters(new URLSearchParams({ size: '1' })), /the filters are verdict, minSize/);
});

test('the page gets the table as JSON and builds its controls from it: ui.js and index.html list no filter', () => {
  const json = filtersJson();
  assert.deepEqual(JSON.parse(json), { filters: FILTERS, verdicts: VERDICTS });
  assert.doesNotMatch(json, /</, 'nothing that could close the <script> element');
  const ui = path.join(ROOT, 'src', 'app', 'web', 'ui');
  const script = fs.readFileSync(path.join(ui, 'ui.js'), 'utf8');
  const page = fs.readFileSync(path.join(ui, 'index.html'), 'utf8');
  for (const f of FILTERS) {
    assert.doesNotMatch(script, new RegExp(`'${f.name}'`), `ui.js does not name ${f.name}`);
    assert.doesNotMatch(page, new RegExp(`name="${f.name}"`), `index.html does not name ${f.name}`);
  }
  for (const v of VERDICTS) assert.doesNotMatch(page, new RegExp(`value="${v}"`));
  assert.match(page, /\{\{filters\}\}/);
});
