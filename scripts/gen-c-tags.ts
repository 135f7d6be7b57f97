/**
 * Writes src/recorders/native/lh_tags.h, the C recorder's record tags, from the schema
 * (src/format/schema.ts): `npm run gen:tags`. test/unit/format/format-schema.test.ts fails when the
 * checked-in header differs from what this makes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fieldNotation, RECORDS } from '../src/format/schema';

export const C_TAGS_PATH = path.resolve(__dirname, '..', 'src', 'recorders', 'native', 'lh_tags.h');

export function cTagsHeader(): string {
  const width = Math.max(...RECORDS.map((r) => r.name.length));
  const tags = RECORDS.map((r) => {
    const hex = r.tag.toString(16).toUpperCase().padStart(2, '0');
    return `  TAG_${r.name.toUpperCase().padEnd(width)} = 0x${hex}, /* ${fieldNotation(r.fields)} */`;
  });
  return [
    '/* Generated from src/format/schema.ts by `npm run gen:tags`: do not edit. */',
    '#ifndef LH_TAGS_H',
    '#define LH_TAGS_H',
    '',
    '/* The .lhp record tags, each with its fields in payload order (docs/FORMAT.md):',
    ' * t a zigzag time difference, str a string id, every other field a varint. */',
    'enum lh_tag {',
    ...tags,
    '};',
    '',
    '#endif',
    '',
  ].join('\n');
}

if (require.main === module) fs.writeFileSync(C_TAGS_PATH, cTagsHeader());
