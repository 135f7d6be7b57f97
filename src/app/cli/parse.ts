import { InvalidArgumentError } from 'commander';
import ms from 'ms';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1');
  return n;
}

/** A count with an optional k/M suffix: 200k, 10M, 1500. */
export function count(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a number such as 200000, 200k or 10M');
  const n = Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6));
  if (n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** Bytes with an optional binary suffix: 65536, 64k, 1M. */
export function bytes(value: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(value.trim());
  if (!m || Number(m[1]) <= 0) throw new InvalidArgumentError('expected a size in bytes such as 65536, 64k or 1M');
  return Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1024 : 1 << 20);
}

/** Milliseconds, or `auto`. */
export function millisecondsOrAuto(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : positiveInt(value);
}

/** A duration: 1s, 250ms, 10m, 2h (the `ms` package's units); a bare number is seconds. */
export function duration(value: string): number {
  const text = value.trim();
  const milliseconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : ms(text as ms.StringValue);
  if (typeof milliseconds !== 'number' || !(milliseconds > 0))
    throw new InvalidArgumentError('expected a duration such as 500ms, 1s, 60s, 10m or 2h');
  return milliseconds;
}

/** A duration a timer can wait: Node fires a longer one (over 2^31 - 1 ms, 24.8 days) at once. */
export function timerPeriod(value: string): number {
  const t = duration(value);
  if (t > 2 ** 31 - 1) throw new InvalidArgumentError('expected at most 24 days');
  return t;
}

/** A percentage, with or without its sign: 20%, 20, 12.5%. */
export function percentage(value: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a percentage such as 20% or 20');
  return Number(m[1]);
}
