/** Constants of the .lhp event stream. The spec is docs/FORMAT.md. */

// The magics are typed Uint8Array, not Buffer: this file's types are public (LhpHeader),
// and a consumer's TypeScript must not need Node's ambient types to read them.

/** PNG-style magic: a high byte, the name, and line-ending bytes that catch text-mode mangling. */
export const MAGIC: Uint8Array = Buffer.from([0x89, 0x4c, 0x48, 0x50, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A reader refuses a file whose major version is newer; minor versions only add record types. */
export const FORMAT_MAJOR = 1;
export const FORMAT_MINOR = 3;

/** Bounds that tell damage from data: no real header or record comes near them. */
export const MAX_HEADER_JSON = 1 << 24;
export const MAX_RECORD_PAYLOAD = 1 << 26;

/** The first four bytes of a zstd frame: a compressed stream is detected by them. */
export const ZSTD_MAGIC: Uint8Array = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** The fixed header fields, stored as a length-prefixed JSON object after magic and version. */
export interface LhpHeader {
  /** Which recorder wrote the stream: "native", "node", "rss", "simulate", or an importer's name. */
  recorder: string;
  /** Clock of every record time; only "monotonic-ns" exists today. */
  clock: 'monotonic-ns';
  /** Clock reading at the start, as a decimal string: monotonic nanoseconds exceed 2^53 on long-running hosts. */
  startNs: string;
  /** Wall-clock time of the start, ISO 8601. */
  startWallTime: string;
  command: string[];
  pid: number;
  host: { hostname: string; platform: string; arch: string; cpus: number };
  /** Free-form settings of the recorder (sampling interval, seed, …). */
  options?: Record<string, unknown>;
}

/** The module of the frames of V8's builtin functions (`push`, `repeat`): they have no script. See FORMAT.md. */
export const V8_BUILTIN_MODULE = 'v8:builtin';
