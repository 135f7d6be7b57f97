/**
 * A memory series of any length kept as at most `capacity` time buckets, each the
 * mean of its samples: a day of 1 s samples costs as much to judge as a minute.
 * When full, neighbouring buckets merge pairwise, so buckets stay of equal span.
 */
export class BucketedSeries {
  private readonly time: number[] = [];
  private readonly sum: number[] = [];
  private readonly count: number[] = [];
  /** Samples per bucket: doubles at each merge. */
  private span = 1;
  /** Samples in the last bucket. */
  private filling = 0;
  private latest = 0;
  private samples = 0;

  constructor(private readonly capacity = 128) {}

  add(timeSeconds: number, value: number): void {
    this.samples++;
    this.latest = value;
    if (this.time.length === 0 || this.filling >= this.span) {
      if (this.time.length === this.capacity) this.merge();
      // a merge may leave the last bucket with room
      if (this.time.length === 0 || this.filling >= this.span) {
        this.time.push(timeSeconds);
        this.sum.push(value);
        this.count.push(1);
        this.filling = 1;
        return;
      }
    }
    const last = this.time.length - 1;
    this.time[last] += timeSeconds;
    this.sum[last] += value;
    this.count[last]++;
    this.filling++;
  }

  private merge(): void {
    let out = 0;
    for (let i = 0; i < this.time.length; i += 2) {
      const j = Math.min(i + 1, this.time.length - 1);
      const both = j !== i;
      this.time[out] = this.time[i] + (both ? this.time[j] : 0);
      this.sum[out] = this.sum[i] + (both ? this.sum[j] : 0);
      this.count[out] = this.count[i] + (both ? this.count[j] : 0);
      out++;
    }
    this.time.length = this.sum.length = this.count.length = out;
    this.span *= 2;
    this.filling = this.count[out - 1];
  }

  /** Bucket means: mean time (seconds) and mean value of each bucket. */
  points(): { time: Float64Array; value: Float64Array } {
    const n = this.time.length;
    const time = new Float64Array(n);
    const value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      time[i] = this.time[i] / this.count[i];
      value[i] = this.sum[i] / this.count[i];
    }
    return { time, value };
  }

  get sampleCount(): number {
    return this.samples;
  }

  get last(): number {
    return this.latest;
  }
}
