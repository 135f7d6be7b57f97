import { allocationSites } from '../profile/sites';
import type { Profile } from '../profile/profile';

/**
 * The allocations of every allocation site, by one counting sort of the columns:
 * `members(site)` is then a view, free to ask for each site a report draws.
 */
export class SiteIndex {
  /** The site (its first stack id) of each stack id. */
  readonly site: Int32Array;
  private readonly sorted: Uint32Array;
  /** The allocations of site s are sorted[start[s] … start[s + 1]). */
  private readonly start: Float64Array;

  constructor(profile: Profile) {
    this.site = allocationSites(profile);
    const { stack, count } = profile.columns;
    this.start = new Float64Array(profile.stacks.length + 1);
    for (let i = 0; i < count; i++) this.start[this.site[stack[i]] + 1]++;
    for (let s = 0; s < profile.stacks.length; s++) this.start[s + 1] += this.start[s];
    const fill = this.start.slice();
    this.sorted = new Uint32Array(count);
    for (let i = 0; i < count; i++) this.sorted[fill[this.site[stack[i]]]++] = i;
  }

  /** Column indices of the site's allocations, in allocation order. */
  members(site: number): Uint32Array {
    return this.sorted.subarray(this.start[site], this.start[site + 1]);
  }
}
