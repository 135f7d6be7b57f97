/**
 * Format-aware mutations of the files the importers read: heaptrack's text (lines of
 * hex fields, indexes into earlier lines) and V8's .heapprofile (a JSON tree of nodes
 * with ids, and samples referring to them).
 */
import { Random } from './random';

/** Hex values a heaptrack field may be given: indexes past every table, sizes past 2^53, zero. */
const HEX_VALUES = [
  '0',
  '1',
  'ffffffff',
  '100000000',
  'ffffffffffffffff',
  '1fffffffffffff',
  '20000000000000',
  '7fffffff',
  'fffffffffffffffffffff',
  'g',
  '-1',
];

export function mutateHeaptrackText(text: string, r: Random): { text: string; step: string } {
  const lines = text.split('\n');
  const i = r.int(lines.length);
  const line = lines[i];
  switch (r.int(5)) {
    case 0: {
      const tokens = line.split(' ');
      const t = tokens.length > 1 ? 1 + r.int(tokens.length - 1) : 0;
      const value = r.chance(0.6) ? r.pick(HEX_VALUES) : (parseInt(tokens[t], 16) + 1 + r.int(5000)).toString(16);
      tokens[t] = value;
      lines[i] = tokens.join(' ');
      return { text: lines.join('\n'), step: `line ${i + 1} field ${t} = ${value}` };
    }
    case 1: {
      const copies = r.chance(0.7) ? 1 : 2 + r.int(5000);
      lines.splice(r.int(lines.length), 0, ...new Array<string>(copies).fill(line));
      return { text: lines.join('\n'), step: `line ${i + 1} repeated ${copies}x` };
    }
    case 2:
      lines.splice(i, 1);
      return { text: lines.join('\n'), step: `line ${i + 1} deleted` };
    case 3: {
      const j = r.int(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { text: lines.join('\n'), step: `lines ${i + 1} and ${j + 1} swapped` };
    }
    default: {
      const made = `${r.pick(['a', '+', '-', 't', 'i', 's', 'c', 'R', 'A', 'X', 'v', 'I', '#', 'z'])} ${r.pick(HEX_VALUES)} ${r.pick(HEX_VALUES)}`;
      lines.splice(i, 0, made);
      return { text: lines.join('\n'), step: `line "${made}" inserted at ${i + 1}` };
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every container and key/index in the tree, so a mutation can reach any value. */
function slots(root: Json): { parent: Json[] | { [key: string]: Json }; key: string | number }[] {
  const out: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
  const todo: Json[] = [root];
  while (todo.length > 0) {
    const value = todo.pop()!;
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) {
        out.push({ parent: value, key: i });
        todo.push(v);
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        out.push({ parent: value, key: k });
        todo.push(v);
      }
    }
  }
  return out;
}

const ODD_NUMBERS = [-1, 0, 1.5, 2 ** 31, 2 ** 32, 4e9, 2 ** 53 - 1, 2 ** 53, 1e308, -1e308];
const ODD_VALUES: Json[] = [null, true, 'x', '\u001b[31mred', [], {}, { id: 1 }];

/** A chain of `depth` nodes, each the only child of the one before, as text (JSON.stringify would recurse that deep). */
function deepChainText(depth: number): string {
  const node = (id: number) =>
    `{"callFrame":{"functionName":"f${id}","scriptId":"1","url":"deep.js","lineNumber":${id},"columnNumber":0},"selfSize":64,"id":${1_000_000 + id},"children":[`;
  let text = '';
  for (let i = 0; i < depth; i++) text += node(i);
  return text + ']}'.repeat(depth);
}

export function mutateHeapprofile(seed: Json, r: Random): { text: string; step: string } {
  const tree = structuredClone(seed);
  const all = slots(tree);
  const { parent, key } = r.pick(all);
  const at = (parent as Record<string | number, Json>)[key];
  const set = (value: Json) => ((parent as Record<string | number, Json>)[key] = value);
  switch (r.int(5)) {
    case 0: {
      const n = r.pick(ODD_NUMBERS);
      set(n);
      return { text: JSON.stringify(tree), step: `${String(key)} = ${n}` };
    }
    case 1: {
      const v = r.pick(ODD_VALUES);
      set(v);
      return { text: JSON.stringify(tree), step: `${String(key)} = ${JSON.stringify(v)}` };
    }
    case 2:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return { text: JSON.stringify(tree), step: `${String(key)} deleted` };
    case 3: {
      // a copy beside the original: ids now appear twice
      const copies = r.chance(0.7) ? 1 : 2 + r.int(2000);
      if (Array.isArray(parent)) parent.splice(key as number, 0, ...new Array<Json>(copies).fill(at));
      else set([at, at]);
      return { text: JSON.stringify(tree), step: `${String(key)} repeated ${copies}x` };
    }
    default: {
      const depth = r.pick([100, 2_000, 20_000]);
      const marker = '"__deep_chain__"';
      set('__deep_chain__');
      return {
        text: JSON.stringify(tree).replace(marker, deepChainText(depth)),
        step: `${String(key)} = a chain of ${depth} nodes`,
      };
    }
  }
}

export type { Json };
