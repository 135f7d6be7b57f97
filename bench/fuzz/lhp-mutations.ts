/**
 * Mutations that know the .lhp format: huge lengths and varints at record boundaries,
 * fields (ids, counts, sizes, times) set to extreme values, ids renumbered sparsely
 * (which docs/FORMAT.md allows), records dropped, repeated or moved, a damaged header.
 */
import { MAGIC } from '../../src/format/constants';
import { RECORDS } from '../../src/format/schema';
import { Mutated } from './byte-mutations';
import {
  decodeFields,
  encodeFields,
  fieldRole,
  idKind,
  joinLhp,
  LhpParts,
  LhpRecord,
  varintBytes,
} from './lhp-records';
import { INTERESTING_VALUES, Random } from './random';

/** 0, every record tag, the first unassigned one and 0xff. */
const TAGS_TO_TRY = [0, ...RECORDS.map((rec) => rec.tag), Math.max(...RECORDS.map((rec) => rec.tag)) + 1, 0xff];

type LhpMutation = (parts: LhpParts, r: Random) => { parts: LhpParts; step: string; sound?: boolean } | Mutated;

function withRecords(parts: LhpParts, records: LhpRecord[]): LhpParts {
  return { ...parts, records };
}

/** A record with at least one field, chosen at random (undefined for a stream without records). */
function pickRecord(parts: LhpParts, r: Random): number | undefined {
  for (let tries = 0; tries < 8 && parts.records.length > 0; tries++) {
    const i = r.int(parts.records.length);
    if (parts.records[i].payload.length > 0) return i;
  }
  return undefined;
}

/** One field of one record set to an extreme value or to a near-by one (an id just past the table). */
const setField: LhpMutation = (parts, r) => {
  const i = pickRecord(parts, r);
  if (i === undefined) return { parts, step: 'no record to change' };
  const record = parts.records[i];
  const fields = decodeFields(record);
  const f = r.int(fields.values.length);
  const old = fields.values[f];
  const value = r.chance(0.7) ? r.pick(INTERESTING_VALUES) : old + BigInt(1 + r.int(1000));
  fields.values[f] = value;
  const records = parts.records.slice();
  records[i] = encodeFields(record.tag, fields);
  return {
    parts: withRecords(parts, records),
    step: `record ${i} (tag ${record.tag}) field ${f} (${fieldRole(record.tag, f)}): ${old} -> ${value}`,
  };
};

/** The ids FORMAT.md bounds (frame ids are below 2^32): past them, a file is refused. */
const ID_LIMITS: Partial<Record<'string' | 'frame' | 'stack', bigint>> = { frame: 1n << 32n };

/**
 * Every string, frame or stack id renumbered as id*k + c, definitions and references
 * alike, in the same order: a sound file (FORMAT.md lets ids start anywhere and leave
 * gaps), which must analyze as the seed does.
 */
const sparseIds: LhpMutation = (parts, r) => {
  const kind = r.pick(['string', 'frame', 'stack'] as const);
  const k = r.pick([1n, 2n, 1000n, 65537n]);
  const c = r.pick([1n, 1000n, 1n << 31n, 4_000_000_000n, 1n << 40n]);
  // string 0 is the empty string, never defined
  const renumber = (id: bigint): bigint => (kind === 'string' && id === 0n ? id : id * k + c);
  let sound = true;
  const records = parts.records.map((record) => {
    const fields = decodeFields(record);
    let changed = false;
    fields.values.forEach((v, f) => {
      if (idKind(fieldRole(record.tag, f)) === kind) {
        fields.values[f] = renumber(v);
        changed = true;
        if (fields.values[f] >= (ID_LIMITS[kind] ?? fields.values[f] + 1n)) sound = false;
      }
    });
    return changed ? encodeFields(record.tag, fields) : record;
  });
  return { parts: withRecords(parts, records), step: `${kind} ids renumbered id*${k}+${c}`, sound };
};

const dropRecord: LhpMutation = (parts, r) => {
  const i = r.int(parts.records.length);
  return {
    parts: withRecords(
      parts,
      parts.records.filter((_, j) => j !== i),
    ),
    step: `drop record ${i} (tag ${parts.records[i]?.tag})`,
  };
};

const repeatRecord: LhpMutation = (parts, r) => {
  const i = r.int(parts.records.length);
  const at = r.int(parts.records.length + 1);
  const copies = r.chance(0.8) ? 1 : 2 + r.int(1000);
  const records = parts.records.slice();
  if (parts.records[i]) records.splice(at, 0, ...new Array<LhpRecord>(copies).fill(parts.records[i]));
  return { parts: withRecords(parts, records), step: `record ${i} repeated ${copies}x at ${at}` };
};

const moveRecord: LhpMutation = (parts, r) => {
  const records = parts.records.slice();
  const i = r.int(records.length);
  const [record] = records.splice(i, 1);
  const at = r.int(records.length + 1);
  if (record) records.splice(at, 0, record);
  return { parts: withRecords(parts, records), step: `record ${i} moved to ${at}` };
};

/** A record frame whose length is huge: inserted at a boundary, or replacing a record's own length. */
const hugeLength: LhpMutation = (parts, r) => {
  const i = r.int(parts.records.length + 1);
  const before = joinLhp({ ...parts, records: parts.records.slice(0, i), tail: new Uint8Array(0) });
  const length = r.pick(INTERESTING_VALUES.slice(8));
  const replace = r.chance(0.5) && i < parts.records.length;
  const tag = replace ? parts.records[i].tag : r.pick(TAGS_TO_TRY);
  const rest = joinLhp({
    header: new Uint8Array(0),
    records: parts.records.slice(replace ? i + 1 : i),
    tail: parts.tail,
  });
  const payload = replace ? parts.records[i].payload : new Uint8Array(0);
  const bytes = Buffer.concat([before, Uint8Array.from([tag, ...varintBytes(length)]), payload, rest]);
  return { bytes, steps: [`${replace ? 'length of' : 'record inserted at'} record ${i}: tag ${tag} length ${length}`] };
};

/** The header: a field of its JSON given a wrong type or an extreme value, or its length or version changed. */
const damageHeader: LhpMutation = (parts, r) => {
  const fixed = MAGIC.length + 8;
  const head = Buffer.from(parts.header);
  if (head.length < fixed) return { parts, step: 'no header' };
  if (r.chance(0.3)) {
    const at = MAGIC.length + r.int(8);
    head[at] = r.pick([0, 1, 2, 0x7f, 0xff]);
    return { parts: { ...parts, header: head }, step: `header byte ${at} set to ${head[at]}` };
  }
  const json = JSON.parse(head.subarray(fixed).toString('utf8')) as Record<string, unknown>;
  const key = r.pick([...Object.keys(json), 'options', 'startNs']);
  const value = r.pick<unknown>([
    null,
    -1,
    1e308,
    2 ** 53,
    '',
    'x'.repeat(1000),
    '99999999999999999999999999',
    [],
    {},
    ['\u001b[2J', 42],
    true,
  ]);
  json[key] = value;
  const text = Buffer.from(JSON.stringify(json));
  const fixedPart = Buffer.from(head.subarray(0, fixed));
  fixedPart.writeUInt32LE(text.length, MAGIC.length + 4);
  return {
    parts: { ...parts, header: Buffer.concat([fixedPart, text]) },
    step: `header ${key} = ${JSON.stringify(value)?.slice(0, 40)}`,
  };
};

const LHP_MUTATIONS: readonly LhpMutation[] = [
  setField,
  setField,
  setField,
  sparseIds,
  dropRecord,
  repeatRecord,
  moveRecord,
  hugeLength,
  damageHeader,
];

/** One or two format-aware mutations of a sound stream. */
export function mutateLhp(parts: LhpParts, r: Random): Mutated {
  const steps: string[] = [];
  let sound = true;
  const n = r.chance(0.75) ? 1 : 2;
  for (let i = 0; i < n; i++) {
    const m = r.pick(LHP_MUTATIONS)(parts, r);
    if ('bytes' in m) return { bytes: m.bytes, steps: [...steps, ...m.steps] }; // raw bytes: no longer records to mutate
    parts = m.parts;
    steps.push(m.step);
    sound &&= m.sound === true;
  }
  return { bytes: joinLhp(parts), steps, sound };
}
