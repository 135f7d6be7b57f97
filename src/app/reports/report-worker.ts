/**
 * The process that writes `record --report-every`'s reports, forked by
 * `PeriodicReports` with the profile as its argument and run at a low priority. It
 * keeps the recording loaded between reports (`RecordingSoFar`), and reads on as it
 * grows between them (a message without an output), so each report reads only what
 * was appended since the last step. One message at a time, one answer each; it ends
 * when `record` closes the channel (or dies).
 */
import { RecordingSoFar } from './recording-so-far';
import type { ReportAnswer, ReportJob } from './report-job';
import { writeRecordingReport } from './write-report';

const profile = process.argv[2];
const recording = new RecordingSoFar(profile);

process.on('message', (job: ReportJob) => {
  let answer: ReportAnswer = {};
  try {
    if (job.output === undefined) recording.readOn(job.moment);
    else writeRecordingReport(recording.partsAt(job.moment), profile, job.output);
  } catch (err) {
    answer = { error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
  process.send!(answer);
});

// a Ctrl-C meant for the program reaches its whole process group: the reports go on, the final one follows
process.on('SIGINT', () => {});

process.on('disconnect', () => {
  recording.close();
  process.exit(0);
});
