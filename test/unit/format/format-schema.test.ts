import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LhpVisitor, readLhp } from '../../../src/format/reader';
import { CompactName, fieldNotation, isCompact, RECORDS, RecordName } from '../../../src/format/schema';
import { LhpWriter } from '../../../src/format/writer';
import { C_TAGS_PATH, cTagsHeader } from '../../../scripts/gen-c-tags';
import { ROOT, tmpDir } from '../../helpers/helpers';

const hex = (tag: number): string => tag.toString(16).toUpperCase().padStart(2, '0');

test('the schema: distinct non-zero tags, bytes, lists and optional fields only last', () => {
  const tags = RECORDS.map((r) => r.tag);
  assert.equal(new Set(tags).size, tags.length);
  assert.ok(
    tags.every((t) => t > 0 && t < 256),
    'tag 0 is never used (zeros are an unwritten tail)',
  );
  for (const record of RECORDS) {
    record.fields.forEach((field, i) => {
      const last = i === record.fields.length - 1;
      if (field.kind === 'bytes' || field.kind === 'list' || field.orElse)
        assert.ok(last, `${record.name}.${field.name} must be last`);
      if (field.orElse)
        assert.ok(record.fields.slice(0, i).some((f) => f.name === field.orElse && f.kind === 'varint'));
    });
  }
});

test('src/recorders/native/lh_tags.h is what `npm run gen:tags` makes of the schema', () => {
  assert.equal(fs.readFileSync(C_TAGS_PATH, 'utf8'), cTagsHeader(), 'lh_tags.h is stale: run npm run gen:tags');
});

test('the C recorder takes its tags from lh_tags.h only', () => {
  const dir = path.dirname(C_TAGS_PATH);
  const sources = fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f) && f !== path.basename(C_TAGS_PATH));
  assert.ok(sources.includes('recorder.c'), `the C sources: ${sources.join(', ')}`);
  for (const name of sources) {
    const source = fs.readFileSync(path.join(dir, name), 'utf8');
    assert.doesNotMatch(source, /\bTAG_\w+\s*=|#\s*define\s+TAG_/, `${name} defines a record tag of its own`);
    if (/\bTAG_\w+/.test(source)) assert.match(source, /#include "lh_tags\.h"/, `${name} uses tags without lh_tags.h`);
  }
});

test("FORMAT.md's record table lists every record type of the schema, with its tag and fields", () => {
  const format = fs.readFileSync(path.join(ROOT, 'docs', 'FORMAT.md'), 'utf8');
  const rows = new Map<string, { name: string; fields: string }>();
  for (const m of format.matchAll(/^\| `([0-9A-F]{2})` \| ([^|]+) \| ([^|]+) \|/gm))
    rows.set(m[1], { name: m[2].trim(), fields: m[3].trim() });
  assert.deepEqual(
    [...rows.keys()],
    RECORDS.map((r) => hex(r.tag)),
    'the table has a row per record type, in tag order',
  );
  for (const record of RECORDS) {
    const row = rows.get(hex(record.tag))!;
    assert.equal(row.name, record.since ? `${record.name} (${record.since})` : record.name);
    assert.equal(row.fields, fieldNotation(record.fields), `the fields of ${record.name}`);
  }
  const next = hex(Math.max(...RECORDS.map((r) => r.tag)) + 1);
  assert.match(format, new RegExp(`Tags \`${next}\`–\`FF\` are unassigned`));
});

test('the reader hands each record type to its visitor method, one argument per field', () => {
  const file = path.join(tmpDir(), 'every-record.lhp');
  const w = LhpWriter.create(file, { recorder: 'test' });
  const stack = w.stack([w.frame({ function: 'main', file: 'a.c', line: 3, address: 4096, module: '/bin/a' })]);
  w.alloc(10, 0x5000, 64, stack, 7, 128);
  w.realloc(20, 0x5000, 0x6000, 96, stack, 7);
  w.free(30, 0x6000);
  w.sample(40, 'rss', 1 << 20);
  w.mark(50, 'phase');
  w.thread(7, 'worker');
  w.process(99, 1, 'a --flag');
  w.module(4096, 8192, '/bin/a');
  w.finish(60);
  w.symbol(0, '/bin/a', [{ function: 'f', file: 'a.c', line: 9 }]);
  w.close();
  const args = new Map<RecordName | CompactName, number>();
  // the compact records of 1.2 reach the visitor as allocs and frees (format.test.ts)
  const visited = RECORDS.filter((r) => !isCompact(r.name));
  const visitor = Object.fromEntries(
    visited.map((r) => [r.name, (...a: unknown[]) => args.set(r.name, a.filter((x) => x !== undefined).length)]),
  ) as unknown as LhpVisitor;
  readLhp(file, visitor);
  for (const record of visited) {
    const numbers = record.fields.length; // a list or text is one argument, as is an optional field
    assert.equal(args.get(record.name), numbers, `${record.name} record`);
  }
});
