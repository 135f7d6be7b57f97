/**
 * An .lhp stream taken apart into its header and records (docs/FORMAT.md), so that
 * mutations can aim at record boundaries and at the fields a reader must check.
 * Works on sound streams (the seeds): parsing stops at the first damage, and what
 * is left goes into `tail` unchanged.
 */
import { MAGIC } from '../../src/format/constants';
import { Field, RECORD, RECORD_BY_TAG } from '../../src/format/schema';

export interface LhpRecord {
  tag: number;
  payload: Uint8Array;
}

export interface LhpParts {
  /** Magic, version, JSON length and the header JSON. */
  header: Uint8Array;
  records: LhpRecord[];
  /** Whatever followed the last whole record. */
  tail: Uint8Array;
}

/** Unsigned LEB128 of any non-negative value, including ones past 2^53 that no sound writer emits. */
export function varintBytes(value: bigint): number[] {
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return out;
}

/** Reads a varint at `pos`: its value and the position after it, or undefined when it runs off the end. */
export function readVarint(bytes: Uint8Array, pos: number): { value: bigint; end: number } | undefined {
  let value = 0n;
  for (let shift = 0n, i = pos; i < bytes.length && shift < 77n; i++, shift += 7n) {
    value |= BigInt(bytes[i] & 0x7f) << shift;
    if ((bytes[i] & 0x80) === 0) return { value, end: i + 1 };
  }
  return undefined;
}

export function splitLhp(stream: Uint8Array): LhpParts {
  const fixed = MAGIC.length + 8;
  const jsonLength =
    stream.length >= fixed
      ? Buffer.from(stream.buffer, stream.byteOffset, stream.length).readUInt32LE(MAGIC.length + 4)
      : 0;
  const headerEnd = Math.min(stream.length, fixed + jsonLength);
  const records: LhpRecord[] = [];
  let pos = headerEnd;
  while (pos < stream.length) {
    const length = readVarint(stream, pos + 1);
    if (!length || length.end + Number(length.value) > stream.length) break;
    const end = length.end + Number(length.value);
    records.push({ tag: stream[pos], payload: stream.subarray(length.end, end) });
    pos = end;
  }
  return { header: stream.subarray(0, headerEnd), records, tail: stream.subarray(pos) };
}

export function joinLhp(parts: LhpParts): Uint8Array {
  // record framing: a tag byte and a length varint of at most 4 bytes (payloads are under 2^28 bytes)
  let size = parts.header.length + parts.tail.length;
  for (const r of parts.records) size += 5 + r.payload.length;
  const out = new Uint8Array(size);
  out.set(parts.header, 0);
  let pos = parts.header.length;
  for (const r of parts.records) {
    out[pos++] = r.tag;
    for (let n = r.payload.length; ; n >>>= 7) {
      out[pos++] = n >= 0x80 ? (n & 0x7f) | 0x80 : n;
      if (n < 0x80) break;
    }
    out.set(r.payload, pos);
    pos += r.payload.length;
  }
  out.set(parts.tail, pos);
  return out.subarray(0, pos + parts.tail.length);
}

/** A record's fields: its varints, and for a string record the text after the id. */
export interface Fields {
  values: bigint[];
  text: Uint8Array;
}

export function decodeFields(record: LhpRecord): Fields {
  const values: bigint[] = [];
  let pos = 0;
  while (pos < record.payload.length) {
    const v = readVarint(record.payload, pos);
    if (!v) break;
    values.push(v.value);
    pos = v.end;
    if (record.tag === RECORD.string.tag) break;
  }
  return { values, text: record.payload.subarray(pos) };
}

export function encodeFields(tag: number, fields: Fields): LhpRecord {
  const bytes = fields.values.flatMap(varintBytes);
  return { tag, payload: Buffer.concat([Uint8Array.from(bytes), fields.text]) };
}

/** What a field holds: a definition's own id, a reference to a string, frame or stack, or a plain number. */
export type FieldRole = 'string-id' | 'frame-id' | 'stack-id' | 'string' | 'frame' | 'stack' | 'number';

/**
 * The role of a record's `index`th varint, from the schema: a definition's `id` is its
 * own id, a `str` field names a string, a varint named `frame` or `stack` refers to one.
 */
export function fieldRole(tag: number, index: number): FieldRole {
  const record = RECORD_BY_TAG[tag];
  if (record === undefined) return 'number';
  if (record.name === 'string') return 'string-id';
  const field = varintAt(record.fields, index);
  if (field === undefined) return 'number';
  if (field.name === 'id') return `${record.name}-id` as FieldRole;
  if (field.kind === 'str') return 'string';
  return field.name === 'frame' || field.name === 'stack' ? field.name : 'number';
}

/** The field of the `index`th varint of a payload; a list's count is a field of its own (undefined). */
function varintAt(fields: readonly Field[], index: number): Field | undefined {
  for (const [i, field] of fields.entries()) {
    if (field.kind !== 'list') {
      if (i === index) return field;
      continue;
    }
    if (index === i) return undefined; // the count
    const each = field.each!;
    return each[(index - i - 1) % each.length];
  }
  return undefined;
}

/** The kind of id a role names, for renumbering definitions and references alike. */
export function idKind(role: FieldRole): 'string' | 'frame' | 'stack' | undefined {
  if (role === 'string' || role === 'string-id') return 'string';
  if (role === 'frame' || role === 'frame-id') return 'frame';
  if (role === 'stack' || role === 'stack-id') return 'stack';
  return undefined;
}
