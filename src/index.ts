/**
 * leakhound's public API: load a recording, query it, diagnose it.
 *
 * ```ts
 * import { loadSync, diagnose } from 'leakhound';
 * const p = loadSync('run.lhp');
 * const site = diagnose(p).groups.find((g) => g.verdict === 'leak'); // most suspicious first
 * const group = p.allocations().groupBySite().filter((g) => g.stackId === site?.stackId).get(0);
 * console.log(site?.explanation, group.backtrace().strip().toString());
 * ```
 */
export { load, loadSync, LoadOptions } from './api/load';
export { Profile } from './api/profile';
export { LoadInfo, Mark, Series, ThreadInfo, ProcessInfo, ModuleInfo } from './profile/profile';
export { Backtrace } from './profile/backtrace';
export { Frame } from './profile/frames';
export { AllocationList, Predicate, BacktraceSource } from './query/allocation-list';
export { Allocation } from './query/allocation';
export { AllocationGroup, AllocationGroupList } from './query/group-list';
export { Graph, GraphSeries } from './api/graph';
export { ScriptApi } from './script/script-api';
export { diagnose, Diagnosis, GroupDiagnosis, UnattributedGrowth, Verdict, DiagnoseOptions } from './diagnose/diagnose';
export { LhpWriter, FrameInfo, WriterOptions } from './format/writer';
export { readLhp, LhpVisitor, ReadResult } from './format/reader';
export { LhpHeader } from './format/constants';
export { LhpError } from './format/errors';
