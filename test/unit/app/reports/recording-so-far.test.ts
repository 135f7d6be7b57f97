/**
 * The recording `record --report-every` reports on while it is written: a report of a
 * moment holds every record written before it and none written after, with the other
 * processes' profiles that existed then; the loaders read on from one report to the
 * next, and start again on a profile replaced by a new file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { momentNow, RecordingSoFar } from '../../../../src/app/reports/recording-so-far';
import { writeRecordingReport } from '../../../../src/app/reports/write-report';
import { LhpWriter } from '../../../../src/format/writer';
import { tmpDir } from '../../../helpers/helpers';

const dir = tmpDir('leakhound-so-far-test-');
const MS = 1e6;

/** A writer whose allocations are numbered: the k-th (from 0) is k + 1 KiB at k ms, never freed. */
class NumberedAllocations {
  private readonly writer: LhpWriter;
  private readonly stack: number;
  count = 0;

  constructor(readonly file: string) {
    this.writer = LhpWriter.create(file, { recorder: 'test', command: ['numbered'] });
    this.stack = this.writer.stack([this.writer.frame({ function: 'make_item', file: 'item.c', line: 3 })]);
  }

  /** Appends `n` more allocations, written out to the file. */
  allocate(n: number): void {
    for (let i = 0; i < n; i++, this.count++)
      this.writer.alloc(this.count * MS, 0x1000 + this.count * 0x1000, (this.count + 1) * 1024, this.stack, 1);
    this.writer.flush();
  }

  end(): void {
    this.writer.finish(this.count * MS);
    this.writer.close();
  }
}

/** The allocation sizes of a report's main profile, and its other profiles' files. */
function reportOf(recording: RecordingSoFar, moment: ReturnType<typeof momentNow> | 'end') {
  const parts = recording.partsAt(moment);
  const main = parts[0].load();
  return {
    sizes: Array.from(main.columns.size),
    runtimeNs: main.runtimeNs,
    clean: main.info.clean,
    files: parts.map((p) => path.basename(p.file)),
  };
}

describe('a recording reported on while it is written', () => {
  it('a report of a moment holds what was written before it and nothing after, though read later', () => {
    const file = path.join(dir, 'run.lhp');
    const main = new NumberedAllocations(file);
    const recording = new RecordingSoFar(file);
    try {
      main.allocate(100);
      const first = momentNow(file);
      main.allocate(50); // after the moment: not in its report
      const sibling = new NumberedAllocations(path.join(dir, 'run.4242.lhp'));
      sibling.allocate(10);

      const one = reportOf(recording, first);
      assert.deepEqual(
        one.sizes,
        Array.from({ length: 100 }, (_, k) => (k + 1) * 1024),
        'the first 100 allocations, in order',
      );
      assert.equal(one.runtimeNs, 99 * MS, 'up to the last one before the moment');
      assert.equal(one.clean, false);
      assert.deepEqual(one.files, ['run.lhp'], 'a profile begun after the moment is not in it');

      main.allocate(25);
      const two = reportOf(recording, momentNow(file));
      assert.equal(two.sizes.length, 175, 'read on from the first report');
      assert.deepEqual(two.sizes.slice(0, 100), one.sizes);
      assert.equal(two.runtimeNs, 174 * MS);
      assert.deepEqual(two.files, ['run.lhp', 'run.4242.lhp']);

      main.end();
      sibling.end();
      const last = reportOf(recording, 'end');
      assert.equal(last.sizes.length, 175);
      assert.equal(last.clean, true, 'to the end record');
    } finally {
      recording.close();
    }
  });

  it('the report written of a moment says what it held then', () => {
    const file = path.join(dir, 'html.lhp');
    const main = new NumberedAllocations(file);
    const recording = new RecordingSoFar(file);
    try {
      main.allocate(40);
      const moment = momentNow(file);
      main.allocate(60);
      const output = path.join(dir, 'html.html');
      writeRecordingReport(recording.partsAt(moment), file, output);
      assert.match(fs.readFileSync(output, 'utf8'), /<dt>allocations<\/dt><dd>40 in /);
      writeRecordingReport(recording.partsAt(momentNow(file)), file, output);
      assert.match(fs.readFileSync(output, 'utf8'), /<dt>allocations<\/dt><dd>100 in /);
    } finally {
      main.end();
      recording.close();
    }
  });

  it('a header not whole yet fails that report only; a profile replaced by a new file is read from its start', () => {
    const file = path.join(dir, 'replaced.lhp');
    const full = path.join(dir, 'full.lhp');
    const written = new NumberedAllocations(full);
    written.allocate(30);
    written.end();
    const recording = new RecordingSoFar(file);
    try {
      fs.writeFileSync(file, fs.readFileSync(full).subarray(0, 12));
      assert.throws(() => reportOf(recording, momentNow(file)), /has no whole header yet/);
      fs.appendFileSync(file, fs.readFileSync(full).subarray(12));
      assert.equal(reportOf(recording, momentNow(file)).sizes.length, 30);

      // written aside and renamed over it, as a writer that compresses its finished file does
      const other = new NumberedAllocations(path.join(dir, 'other.lhp'));
      other.allocate(7);
      other.end();
      fs.renameSync(other.file, file);
      assert.equal(reportOf(recording, momentNow(file)).sizes.length, 7);
    } finally {
      recording.close();
    }
  });
});
