import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../profile/loader';
import { ReportError } from './errors';
import { reportHtml } from './html-report';
import { reportModel, ReportOptions } from './model';

/**
 * Loads a recording (finished, or still being written: what it holds so far) and
 * writes its report. Written to a temporary file and renamed, so a reader never
 * sees half a report, and a failure leaves the previous one. Returns its size and
 * what the loader noticed about the recording (cut short, no end record).
 */
export function writeReport(profilePath: string, output: string, options: ReportOptions = {}): { bytes: number; warnings: string[] } {
  const profile = loadSync(profilePath, { progress: false });
  const html = reportHtml(reportModel(profile, profilePath, options));
  const temporary = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temporary, html);
    fs.renameSync(temporary, output);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw new ReportError(`cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { bytes: Buffer.byteLength(html), warnings: [...profile.info.warnings] };
}
