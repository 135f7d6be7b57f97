import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isJsProfileName, siblingProfiles } from '../../../src/format/siblings';
import { pidInName } from '../../../src/recorders/launch';
import { tmpDir } from '../../helpers/helpers';

test('siblingProfiles finds the JS profiles of record --native beside the native ones, by pid, native first', () => {
  const dir = tmpDir();
  for (const name of [
    'run.lhp',
    'run.30.js.lhp',
    'run.30.lhp',
    'run.4.2.js.lhp',
    'run.4.js.lhp',
    'run.4.lhp',
    'run.js.lhp',
    'run.4.x.js.lhp',
  ]) {
    fs.writeFileSync(path.join(dir, name), '');
  }
  const names = siblingProfiles(path.join(dir, 'run.lhp')).map((f) => path.basename(f));
  assert.deepEqual(names, ['run.4.lhp', 'run.4.js.lhp', 'run.4.2.js.lhp', 'run.30.lhp', 'run.30.js.lhp']);
  assert.deepEqual(names.filter(isJsProfileName), ['run.4.js.lhp', 'run.4.2.js.lhp', 'run.30.js.lhp']);
  assert.equal(isJsProfileName('run.lhp'), false);
  assert.equal(isJsProfileName('run.4.2.lhp'), false);
  assert.deepEqual(names.map(pidInName), [4, 4, 4, 30, 30], 'the pid in each name');
});
