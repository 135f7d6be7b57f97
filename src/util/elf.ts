import * as fs from 'node:fs';

/**
 * The lowest virtual address an ELF file's loadable segments ask for (page-aligned).
 * A module record's start is where that address was mapped, so
 * `start - lowestLoadAddress` is the load bias: what turns a run-time address into
 * the address the file's symbols and debug info use. undefined: not a readable ELF file.
 */
export function lowestLoadAddress(path: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const phoff = is64 ? Number(head.readBigUInt64LE(32)) : head.readUInt32LE(28);
    const phentsize = head.readUInt16LE(is64 ? 54 : 42);
    const phnum = head.readUInt16LE(is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, table, 0, table.length, phoff);
    let lowest = Infinity;
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (table.readUInt32LE(at) !== 1 /* PT_LOAD */) continue;
      const vaddr = is64 ? Number(table.readBigUInt64LE(at + 16)) : table.readUInt32LE(at + 8);
      lowest = Math.min(lowest, vaddr);
    }
    return Number.isFinite(lowest) ? lowest - (lowest % 4096) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether an ELF executable is dynamically linked (has a PT_INTERP program header):
 * only then does the dynamic loader run, and with it LD_PRELOAD.
 * undefined: not an ELF file (a script, say).
 */
export function isDynamicElf(path: string): boolean | undefined {
  let data: Buffer;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      data = Buffer.alloc(4096);
      data = data.subarray(0, fs.readSync(fd, data, 0, data.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = data[4] === 2;
  const phoff = is64 ? Number(data.readBigUInt64LE(32)) : data.readUInt32LE(28);
  const phentsize = data.readUInt16LE(is64 ? 54 : 42);
  const phnum = data.readUInt16LE(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > data.length) return true; // headers beyond the first page: assume the common case
    if (data.readUInt32LE(at) === 3 /* PT_INTERP */) return true;
  }
  return false;
}
