import { loadSync } from '../../api/load';
import { writeFileAtomically } from '../../util/regular-files';
import { reportHtml } from '../../render/html-report';
import { reportModel, ReportOptions } from '../../views/model';

/**
 * Loads a recording (finished, or still being written: what it holds so far) and
 * writes its report. Written to a temporary file and renamed, so a reader never
 * sees half a report, and a failure leaves the previous one; an output or input
 * that is not a regular file is refused (a FileError, or the loader's LhpError). Returns its size and
 * what the loader noticed about the recording (cut short, no end record).
 */
export function writeReport(
  profilePath: string,
  output: string,
  options: ReportOptions = {},
): { bytes: number; warnings: string[] } {
  const profile = loadSync(profilePath, { progress: false });
  const html = reportHtml(reportModel(profile, profilePath, options));
  writeFileAtomically(output, html);
  return { bytes: Buffer.byteLength(html), warnings: [...profile.info.warnings] };
}
