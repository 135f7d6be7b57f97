import * as fs from 'node:fs';

const PT_LOAD = 1;
const PT_INTERP = 3;

interface ProgramHeader {
  type: number;
  vaddr: number;
}

/**
 * An ELF file's program headers; undefined when the file is not a readable ELF file. Opened
 * without blocking and read only when it is a regular file: a recording's module path may
 * name a FIFO, whose read would wait for a writer for ever.
 */
function programHeaders(path: string): ProgramHeader[] | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 64 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const phoff = is64 ? Number(head.readBigUInt64LE(32)) : head.readUInt32LE(28);
    const phentsize = head.readUInt16LE(is64 ? 54 : 42);
    const phnum = head.readUInt16LE(is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    if (fs.readSync(fd, table, 0, table.length, phoff) < table.length) return undefined;
    return Array.from({ length: phnum }, (_, i) => {
      const at = i * phentsize;
      return {
        type: table.readUInt32LE(at),
        vaddr: is64 ? Number(table.readBigUInt64LE(at + 16)) : table.readUInt32LE(at + 8),
      };
    });
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The lowest virtual address an ELF file's loadable segments ask for (page-aligned).
 * A module record's start is where that address was mapped, so
 * `start - lowestLoadAddress` is the load bias: what turns a run-time address into
 * the address the file's symbols and debug info use. undefined: not a readable ELF file.
 */
export function lowestLoadAddress(path: string): number | undefined {
  const loads = programHeaders(path)?.filter((h) => h.type === PT_LOAD);
  if (!loads?.length) return undefined;
  const lowest = Math.min(...loads.map((h) => h.vaddr));
  return lowest - (lowest % 4096);
}

/**
 * Whether an ELF executable is dynamically linked (has a PT_INTERP program header):
 * only then does the dynamic loader run, and with it LD_PRELOAD.
 * undefined: not an ELF file (a script, say).
 */
export function isDynamicElf(path: string): boolean | undefined {
  return programHeaders(path)?.some((h) => h.type === PT_INTERP);
}
