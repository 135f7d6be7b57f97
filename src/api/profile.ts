import * as data from '../profile/profile';
import { AllocationList } from '../query/allocation-list';
import { Graph } from './graph';

/**
 * The Profile `load()` gives: the recording's data (profile/profile.ts) with the
 * verbs that query it. The data class cannot have them: query and graph are built
 * on it, so the verbs live here, above both.
 */
export class Profile extends data.Profile {
  /** Every allocation of the recording, as a lazy query list. */
  allocations(): AllocationList {
    return AllocationList.all(this);
  }

  /** A new, empty graph of live memory over time. */
  graph(): Graph {
    return new Graph(this);
  }
}
