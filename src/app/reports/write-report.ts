import { type ProfilePart, recordingParts } from '../../api/recording';
import { writeFileAtomically } from '../../util/regular-files';
import { recordingReportHtml } from '../../render/html-report';
import type { ReportOptions } from '../../views/model';
import { recordingReportModel } from '../../views/recording-model';

/**
 * Loads a recording (finished, or still being written: what it holds so far) with the
 * other processes' profiles beside it, and writes its report. Written to a temporary
 * file and renamed, so a reader never sees half a report, and a failure leaves the
 * previous one; an output or input that is not a regular file is refused (a
 * FileError, or the loader's LhpError). Returns its size and what to tell the user:
 * what the loader noticed about the recording (cut short, no end record), the other
 * profiles that could not be read.
 */
export function writeReport(
  profilePath: string,
  output: string,
  options: ReportOptions = {},
): { bytes: number; warnings: string[] } {
  return writeRecordingReport(recordingParts(profilePath, { progress: false }), profilePath, output, options);
}

/** The report of a recording's profiles (`parts`, the one named `source` first), written as `writeReport` does. */
export function writeRecordingReport(
  parts: ProfilePart[],
  source: string,
  output: string,
  options: ReportOptions = {},
): { bytes: number; warnings: string[] } {
  const model = recordingReportModel(parts, source, options);
  const html = recordingReportHtml(model);
  writeFileAtomically(output, html);
  return { bytes: Buffer.byteLength(html), warnings: model.warnings };
}
