import type { Diagnosis } from '../diagnose/diagnose';
import type { ProcessSummary } from '../diagnose/process-summary';
import { DiagnosedProcess, diagnoseRecording, RecordingPart } from '../diagnose/recording';
import { bothViewsTimeline } from './both-views';
import { recordingHeadline } from './headline';
import { ReportModel, reportModel, ReportOptions } from './model';
import { processRows } from './process-rows';

/** Processes with a full section of their own in a report, at most: the headline process and the programs that matter next. */
export const MAX_SECTIONS = 6;

/** A row of the report's process picker: one process, or several of one command, verdict and role. */
export interface ProcessRow {
  processes: ProcessSummary[];
  /** Its section in `sections`, or -1 when it has none (a launcher, or past MAX_SECTIONS). */
  section: number;
}

/**
 * The report of a whole recording: its verdict and headline, every process in the
 * picker's rows, and a full report (ReportModel) of each process that matters, the
 * headline process first.
 */
export interface RecordingReportModel {
  source: string;
  generatedAt: string;
  verdict: Diagnosis['verdict'];
  /** `recordingHeadline`: the process's own headline when there is one process. */
  headline: string;
  /** Processes read (skipped ones not counted). */
  processCount: number;
  runtimeSeconds: number;
  allocations: number;
  rows: ProcessRow[];
  /** The headline process's first. */
  sections: ReportModel[];
  /** Programs (leaking or not) left without a section past MAX_SECTIONS. */
  leftOut: number;
  /** The profiles that could not be read, a line each. */
  skipped: string[];
  /** What to tell the user beside the report: the profiles that could not be read, the named profile's warnings. */
  warnings: string[];
}

/**
 * Diagnoses every profile of the recording (one loaded at a time), then loads again,
 * one at a time, the few that get a section, and builds their models with the
 * diagnosis already made; each profile is dropped once its model is built. A recording
 * of one profile loads it once.
 */
export function recordingReportModel(
  parts: RecordingPart[],
  source: string,
  options: ReportOptions = {},
): RecordingReportModel {
  const used = parts.length === 1 ? [loadedOnce(parts[0])] : parts;
  const rd = diagnoseRecording(used, options);
  const alone = rd.processes.length === 1;
  // a leaking process is always a program: the launchers are the ones that only started another
  const programs = rd.processes.filter((p) => p.summary.role === 'program');
  const shown = programs.slice(0, MAX_SECTIONS);
  const load = (p: DiagnosedProcess) => used.find((q) => q.file === p.summary.file)!.load();
  const sections = shown.map((p) => {
    const profile = load(p);
    const model = reportModel(profile, alone ? source : p.summary.file, options, p.diagnosis);
    const native = p.nativeView;
    if (!native) return model;
    const js = { profile, diagnosis: p.diagnosis };
    return { ...model, bothViews: bothViewsTimeline(js, { profile: load(native), diagnosis: native.diagnosis }) };
  });
  const sectionOf = new Map(shown.map((p, k) => [p.summary.file, k]));
  const rows = processRows(
    rd.processes.map((p) => p.summary),
    (p) => sectionOf.has(p.file),
  ).map((processes) => ({ processes, section: sectionOf.get(processes[0].file) ?? -1 }));
  return {
    source,
    generatedAt: sections[0]?.generatedAt ?? new Date().toISOString(),
    verdict: rd.verdict,
    headline: recordingHeadline(rd),
    processCount: rd.processes.length,
    runtimeSeconds: rd.runtimeSeconds,
    allocations: rd.allocations,
    rows,
    sections,
    leftOut: programs.length - shown.length,
    skipped: rd.skipped,
    warnings: [...rd.skipped, ...rd.named.diagnosis.warnings],
  };
}

/** A part loaded at most once, for a recording of one profile: its diagnosis and what shows it share the load. */
export function loadedOnce<P extends RecordingPart>(part: P): P {
  let profile: ReturnType<P['load']> | undefined;
  return { ...part, load: () => (profile ??= part.load() as ReturnType<P['load']>) };
}
