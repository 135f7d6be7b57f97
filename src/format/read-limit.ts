/**
 * How far a source reads: the file's first `bytes` (compressed bytes of a zstd file).
 * `final`: the data ends there (a compressed stream stopped inside a frame is then
 * cut short); otherwise more may come, and `next()` gives null until the limit is raised.
 */
export interface ReadLimit {
  bytes: number;
  final: boolean;
}

/** The whole file, however far it has grown by the time it is read. */
export const WHOLE_FILE: ReadLimit = Object.freeze({ bytes: Infinity, final: true });
