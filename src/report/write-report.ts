import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSync } from '../profile/loader';
import { reportHtml } from './html-report';
import { reportModel, ReportOptions } from './model';

/**
 * Loads a recording (finished, or still being written: what it holds so far) and
 * writes its report. Written to a temporary file and renamed, so a reader never
 * sees half a report, and a failure leaves the previous one.
 */
export function writeReport(profilePath: string, output: string, options: ReportOptions = {}): { bytes: number } {
  const html = reportHtml(reportModel(loadSync(profilePath, { progress: false }), profilePath, options));
  const temporary = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, html);
  fs.renameSync(temporary, output);
  return { bytes: Buffer.byteLength(html) };
}
