/**
 * Symbolization of native frames: addresses of a real binary resolved through its
 * module record (load bias, one byte back for return addresses), inlined frames, the
 * cache shared by the processes of a recording, and what cannot be read.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { symbolize } from '../../../src/symbolize/symbolize';
import { isDynamicElf, lowestLoadAddress } from '../../../src/util/elf';
import { ROOT } from '../../helpers/helpers';
import { buildFixture } from '../../helpers/native-fixtures';

const LINUX_ONLY = process.platform !== 'linux' && 'ELF and addr2line are Linux tools here';

/** The file address of a function, from the binary's symbol table. */
function functionAddress(binary: string, name: string): number {
  const line = spawnSync('nm', [binary], { encoding: 'utf8' })
    .stdout.split('\n')
    .find((l) => l.endsWith(` ${name}`));
  assert.ok(line, `${name} in ${binary}`);
  return parseInt(line.split(' ')[0], 16);
}

describe('symbolize', { skip: LINUX_ONLY }, () => {
  const binary = buildFixture('callback');
  const size = fs.statSync(binary).size;
  const lowest = lowestLoadAddress(binary)!;
  // A return address a few bytes into compare_and_log, as if the binary were loaded at `start`.
  const compareAndLog = functionAddress(binary, 'compare_and_log');
  const frameAt = (start: number) => start - lowest + compareAndLog + 8;

  it('resolves a return address through the module it falls in: function, file, line', () => {
    const start = 0x5555_0000_0000;
    const { resolved, unreadable } = symbolize(new Map([[7, frameAt(start)]]), [
      { start, end: start + size * 2, path: binary },
    ]);
    assert.deepEqual(unreadable, []);
    const r = resolved.get(7);
    assert.equal(r?.module, binary);
    assert.equal(r?.frames[0].function, 'compare_and_log');
    assert.match(r?.frames[0].file ?? '', /callback\.c$/);
    assert.ok((r?.frames[0].line ?? 0) > 0);
  });

  it("remembers a file's addresses: another process, loaded elsewhere, needs no addr2line", () => {
    const start = 0x7000_0000_0000;
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const { resolved, unreadable } = symbolize(new Map([[1, frameAt(start)]]), [
        { start, end: start + size * 2, path: binary },
      ]);
      assert.deepEqual(unreadable, []);
      assert.equal(resolved.get(1)?.frames[0].function, 'compare_and_log');
    } finally {
      process.env.PATH = path;
    }
  });

  it('keeps what it resolved on disk: a later process, without addr2line, still names the frame', () => {
    const start = 0x6000_0000_0000;
    symbolize(new Map([[1, frameAt(start)]]), [{ start, end: start + size * 2, path: binary }]);
    const script = `
      const { symbolize } = require(${JSON.stringify(path.join(ROOT, 'src', 'symbolize', 'symbolize.ts'))});
      const r = symbolize(new Map([[1, ${frameAt(start + 0x1000_0000)}]]), [{ start: ${start + 0x1000_0000}, end: ${start + 0x1000_0000 + size * 2}, path: ${JSON.stringify(binary)} }]);
      process.stdout.write(JSON.stringify({ fn: r.resolved.get(1)?.frames[0].function, unreadable: r.unreadable }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: '/nonexistent' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { fn: 'compare_and_log', unreadable: [] });
    assert.ok(fs.readdirSync(path.join(process.env.LEAKHOUND_CACHE_DIR!, 'symbols')).length > 0);
  });

  it('says which modules it could not read, and leaves addresses outside every module alone', () => {
    const { resolved, unreadable } = symbolize(
      new Map([
        [1, 0x1000_0010],
        [2, 0x9000_0000],
      ]),
      [{ start: 0x1000_0000, end: 0x1001_0000, path: '/nonexistent/libgone.so' }],
    );
    assert.deepEqual(unreadable, ['/nonexistent/libgone.so']);
    assert.equal(resolved.has(1), false, 'left for a later try');
    assert.equal(resolved.has(2), false);
  });

  it('tells dynamically linked programs from static ones and from scripts', () => {
    assert.equal(isDynamicElf(binary), true);
    assert.equal(isDynamicElf(buildFixture('callback', ['-static'])), false);
    assert.equal(isDynamicElf(__filename), undefined);
  });
});
