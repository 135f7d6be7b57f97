/**
 * bytehound's "Memory leak analysis" case study, step by step, in leakhound's
 * query API: the same verbs in camelCase (`only_leaked` is `onlyLeaked`,
 * `list[0]` is `list.get(0)`, `data().runtime()` is `data().runtime`).
 *
 *   npx leakhound simulate -o demo.lhp --seed 1
 *   npx leakhound script examples/case-study.ts demo.lhp --output-dir graphs
 *
 * The demo server `simulate` writes has the study's four kinds of memory: a clear
 * leak (session_new), a bounded cache (cache_insert), a rare leak among
 * temporaries (request_context_new) and a leak freed only at exit
 * (connection_remember). Each graph is written as graphs/graph-N.svg; the last has
 * nothing to draw, so it is not written, and stderr says why.
 */
import type { AllocationGroup, AllocationGroupList, AllocationList } from 'leakhound';

// Step one: let's take a look at the timeline.
graph().title('Live memory of every allocation').add('All allocations', allocations()).save();

// Step two: let's find all of the obvious memory leaks.
graph()
  .title('Never freed, stacked under everything else')
  .add('Never freed', allocations().onlyLeaked())
  .add('Freed', allocations())
  .save();

// Split the leaking part by backtrace.
const groups = allocations().onlyLeaked().groupByBacktrace().sortBySize();

graph().title('Never freed, by backtrace').add(groups).save();

function analyzeGroup(title: string, list: AllocationGroup | AllocationList): void {
  const listAll = allocations().onlyMatchingBacktraces(list);

  graph()
    .title(`${title}: never freed and freed`)
    .add('Never freed', listAll.onlyLeaked())
    .add('Freed', listAll)
    .save();

  println('Total: {}', listAll.len());
  println('Never freed: {}', listAll.onlyLeaked().len());
  println();
  println('Backtrace:');
  println(listAll.get(0).backtrace().strip());
}

// Group #0, #1, #2: the biggest leaked groups.
analyzeGroup('Group #0', groups.get(0));
analyzeGroup('Group #1', groups.get(1));
analyzeGroup('Group #2', groups.get(2));

// Step three: we need to go deeper — memory freed, but only at the very end.
graph().title('Freed before the end').add('Freed', allocations().onlyTemporary()).save();

// Leave out what step two already looked at.
const remaining = allocations().onlyNotMatchingBacktraces(groups);

let leakedUntilEnd = remaining.onlyLeakedOrDeallocatedAfter(data().runtime * 0.98);

graph().title('Alive in the last 2 %').add('Never freed or freed after 98 %', leakedUntilEnd).save();

// Without the short-lived allocations of the last 2 %.
leakedUntilEnd = remaining
  .onlyLeakedOrDeallocatedAfter(data().runtime * 0.98)
  .onlyAliveForAtLeast(data().runtime * 0.02);

graph()
  .title('Alive in the last 2 %, and for at least 2 % of the run')
  .add('Never freed or freed after 98 %', leakedUntilEnd)
  .save();

const untilEnd = leakedUntilEnd.groupByBacktrace().sortBySize();
graph().title('Alive until the end, by backtrace').add(untilEnd).save();

function analyzeUntilEnd(list: AllocationGroup): void {
  const listAll = allocations().onlyMatchingBacktraces(list);
  const listSelected = listAll.onlyDeallocatedAfterAtLeast(data().runtime * 0.98);

  graph()
    .title('Freed only at the very end')
    .add('Deallocated after 98%', listSelected)
    .add('Deallocated before 98%', listAll)
    .save();

  println('Total: {}', listAll.len());
  println('Deallocated after 98%: {}', listSelected.len());
  println();
  println('Backtrace:');
  println(listAll.get(0).backtrace().strip());
}

analyzeUntilEnd(untilEnd.get(0));

// Anything else that lives until the end, once the leak found is set aside?
const group: AllocationGroupList = untilEnd.ungroup().onlyNotMatchingBacktraces(untilEnd.get(0)).groupByBacktrace();

// No group is left: this graph has no series, so it is not written, and stderr says why.
graph().title('Other groups living until the end').add(group).save();
println('Other groups living until the end: {}', group.len());
