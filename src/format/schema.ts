/**
 * The record types of the .lhp stream: the one place their tags and fields are written
 * down. The reader, the writer, the C recorder's `lh_tags.h` (`npm run gen:tags`) and
 * the record table of docs/FORMAT.md all follow it; test/unit/format/format-schema.test.ts checks
 * the last two.
 */
import type { LhpVisitor } from './reader';

/** How a field is encoded (FORMAT.md, "Numbers"). */
export type FieldKind =
  /** unsigned LEB128 */
  | 'varint'
  /** a string id, as a varint */
  | 'str'
  /** the zigzag varint of the difference from the previous timed record's time */
  | 'time'
  /** UTF-8 text filling the rest of the payload; last */
  | 'bytes'
  /** a varint count, then `count` times the fields of `each`; last */
  | 'list';

export interface Field {
  /** A definition's own id is `id`; a varint named `frame` or `stack` refers to one by id. */
  readonly name: string;
  readonly kind: FieldKind;
  /** A varint that may be left out, last: absent, it equals the field named here. */
  readonly orElse?: string;
  /** The fields of one list item. */
  readonly each?: readonly Field[];
}

export interface RecordType {
  readonly tag: number;
  readonly name: RecordName | CompactName;
  /** In payload order. */
  readonly fields: readonly Field[];
  /** The format version that added the record type, when later than 1.0. */
  readonly since?: string;
}

/** A record type's name is the `LhpVisitor` method that takes it. */
export type RecordName = keyof LhpVisitor;

/**
 * The compact records of format 1.2 and 1.3 (FORMAT.md, "Compact events"): the reader decodes
 * them into alloc and free calls of the visitor, which has no method of their names.
 */
export type CompactName = 'context' | 'info' | 'tick' | 'shortAlloc' | 'shortFree' | 'shortRealloc' | 'repeat';
export const isCompact = (name: RecordName | CompactName): name is CompactName => COMPACT.has(name);
const COMPACT: ReadonlySet<string> = new Set<CompactName>([
  'context',
  'info',
  'tick',
  'shortAlloc',
  'shortFree',
  'shortRealloc',
  'repeat',
]);

const varint = (name: string): Field => ({ name, kind: 'varint' });
const str = (name: string): Field => ({ name, kind: 'str' });
const time: Field = { name: 'time', kind: 'time' };

export const RECORDS: readonly RecordType[] = [
  { tag: 0x01, name: 'string', fields: [varint('id'), { name: 'text', kind: 'bytes' }] },
  {
    tag: 0x02,
    name: 'frame',
    fields: [varint('id'), varint('address'), str('function'), str('file'), varint('line'), str('module')],
  },
  { tag: 0x03, name: 'stack', fields: [varint('id'), { name: 'frames', kind: 'list', each: [varint('frame')] }] },
  {
    tag: 0x04,
    name: 'alloc',
    fields: [
      time,
      varint('address'),
      varint('size'),
      varint('stack'),
      varint('thread'),
      { name: 'weight', kind: 'varint', orElse: 'size' },
    ],
  },
  { tag: 0x05, name: 'free', fields: [time, varint('address')] },
  {
    tag: 0x06,
    name: 'realloc',
    fields: [time, varint('oldAddress'), varint('newAddress'), varint('size'), varint('stack'), varint('thread')],
  },
  { tag: 0x07, name: 'sample', fields: [time, str('series'), varint('value')] },
  { tag: 0x08, name: 'mark', fields: [time, str('label')] },
  { tag: 0x09, name: 'thread', fields: [varint('tid'), str('name')] },
  { tag: 0x0a, name: 'process', fields: [varint('pid'), varint('ppid'), str('command')] },
  { tag: 0x0b, name: 'module', fields: [varint('start'), varint('end'), str('path')] },
  { tag: 0x0c, name: 'end', fields: [time] },
  {
    tag: 0x0d,
    name: 'symbol',
    since: '1.1',
    fields: [
      varint('frame'),
      str('module'),
      { name: 'sources', kind: 'list', each: [str('function'), str('file'), varint('line')] },
    ],
  },
  { tag: 0x0e, name: 'context', since: '1.2', fields: [varint('id'), varint('thread')] },
  {
    tag: 0x0f,
    name: 'info',
    since: '1.2',
    // weight: 1.3, a sampled recording's
    fields: [varint('id'), varint('size'), varint('stack'), { name: 'weight', kind: 'varint', orElse: 'size' }],
  },
  { tag: 0x10, name: 'tick', since: '1.2', fields: [time] },
  { tag: 0x11, name: 'shortAlloc', since: '1.2', fields: [varint('delta'), varint('info')] },
  { tag: 0x12, name: 'shortFree', since: '1.2', fields: [varint('delta')] },
  { tag: 0x13, name: 'shortRealloc', since: '1.2', fields: [varint('oldDelta'), varint('newDelta'), varint('info')] },
  { tag: 0x14, name: 'repeat', since: '1.3', fields: [varint('period'), varint('count')] },
];

/** Each record type by name, for the code that handles one of them. */
export const RECORD = Object.fromEntries(RECORDS.map((r) => [r.name, r])) as Readonly<
  Record<RecordName | CompactName, RecordType>
>;

/** Each record type by tag; undefined for the tags no record has (0 among them). */
export const RECORD_BY_TAG: readonly (RecordType | undefined)[] = Array.from({ length: 256 }, (_, tag) =>
  RECORDS.find((r) => r.tag === tag),
);

/**
 * A record's fields as FORMAT.md's record table writes them: `t` a time, `name: str` a
 * string id, `[name]` an optional varint, `item × count` a list.
 */
export function fieldNotation(fields: readonly Field[]): string {
  return fields.map(notation).join(', ');
}

function notation(field: Field): string {
  switch (field.kind) {
    case 'varint':
      return field.orElse === undefined ? field.name : `[${field.name}]`;
    case 'str':
      return `${field.name}: str`;
    case 'time':
      return 't';
    case 'bytes':
      return '*bytes*';
    case 'list': {
      const item = fieldNotation(field.each!);
      return `count, ${field.each!.length === 1 ? item : `(${item})`} × count`;
    }
  }
}
