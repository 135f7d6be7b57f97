import type { ProfilePart } from '../../api/recording';
import type { DiagnoseOptions } from '../../diagnose/diagnose';
import { diagnoseRecording, RecordingDiagnosis } from '../../diagnose/recording';
import { headline, recordingHeadline, shortCommand } from '../../views/headline';
import { loadedOnce } from '../../views/recording-model';
import { isLeakVerdict } from '../../views/verdict-order';
import { BadRequest } from './filters';
import { UiViews } from './views';

/**
 * Processes whose profile stays loaded at most: the one shown and the one before (often
 * the headline's). Another is loaded again when picked, in the time its size takes.
 */
const LOADED_PROCESSES = 2;

/**
 * The web UI's data for a whole recording: every profile diagnosed once at start (one
 * loaded at a time), and the views of a process (UiViews) made when it is first asked
 * for, with the diagnosis already made. A process is named by its index in the
 * recording's list (the headline's is 0): the page never sends a path.
 */
export class RecordingViews {
  readonly recording: RecordingDiagnosis;
  private readonly parts: ProfilePart[];
  /** Least recently used first. */
  private readonly loaded = new Map<number, UiViews>();
  private readonly processesJson: object;

  constructor(
    parts: ProfilePart[],
    readonly source: string,
    private readonly options: DiagnoseOptions = {},
  ) {
    this.parts = parts.length === 1 ? [loadedOnce(parts[0])] : parts;
    this.recording = diagnoseRecording(this.parts, options);
    this.processesJson = this.makeProcesses();
    // the headline process's, before the address is printed: the page opens on it
    this.views(0);
  }

  /** The recording's verdict and headline, and every process, those that matter first: the page's picker. */
  processes(): object {
    return this.processesJson;
  }

  /** The views of the process at `index` of the recording's list, its profile loaded when first asked for. */
  views(index: number): UiViews {
    const cached = this.loaded.get(index);
    if (cached) {
      this.loaded.delete(index);
      this.loaded.set(index, cached);
      return cached;
    }
    const { summary, diagnosis } = this.recording.processes[index];
    const part = this.parts.find((p) => p.file === summary.file)!;
    const alone = this.recording.processes.length === 1;
    const views = new UiViews(part.load(), alone ? this.source : summary.file, this.options, diagnosis);
    this.loaded.set(index, views);
    while (this.loaded.size > LOADED_PROCESSES) this.loaded.delete(this.loaded.keys().next().value!);
    return views;
  }

  /**
   * The views of the process a request names by `process=<index>` (the headline's when
   * absent), the parameter taken out of `params`; a BadRequest for anything but an
   * index into the list.
   */
  viewsFor(params: URLSearchParams): UiViews {
    const given = params.getAll('process');
    params.delete('process');
    if (given.length > 1) throw new BadRequest('process is given more than once');
    if (given.length === 0) return this.views(0);
    const count = this.recording.processes.length;
    const index = /^\d{1,9}$/.test(given[0]) ? Number(given[0]) : -1;
    if (index < 0 || index >= count)
      throw new BadRequest(
        `process: expected the index of a process of this recording, 0 to ${count - 1}, got ${JSON.stringify(given[0])}`,
      );
    return this.views(index);
  }

  private makeProcesses(): object {
    const rd = this.recording;
    return {
      verdict: rd.verdict,
      headline: recordingHeadline(rd),
      processes: rd.processes.map(({ summary, diagnosis }, index) => ({
        index,
        pid: summary.pid,
        command: summary.command,
        shortCommand: shortCommand(summary.command),
        verdict: summary.verdict,
        role: summary.role,
        allocations: summary.allocations,
        /** Its sites with a leak verdict: the page's first view and flame graph show them when there are any. */
        leakSites: diagnosis.groups.filter((g) => isLeakVerdict(g.verdict)).length,
        headline: headline(diagnosis),
      })),
      /** The profiles that could not be read, a line each. */
      skipped: rd.skipped,
    };
  }
}
