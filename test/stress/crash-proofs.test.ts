/**
 * The crash and kill proofs of kill-proofs.ts at full count, beside a CPU hog on
 * every core: programs, and `record` itself, killed or terminated at random moments
 * from a fixed seed (printed); a program mixing threads, fork, exec, posix_spawn,
 * vfork and dumps. Run by `npm run test:stress`; test/e2e/crash-proofs.test.ts runs a
 * few of each in `npm test`.
 */
import { describe, it } from 'node:test';
import { hogEveryCore } from './cpu-hog';
import {
  proveLauncherSigkill,
  proveMixedProcesses,
  proveNodeSigkill,
  proveProgramSigkill,
  proveSigterm,
} from './kill-proofs';

const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

describe('crash and kill proofs beside a CPU hog on every core', { skip: LINUX_ONLY }, () => {
  hogEveryCore();

  it('50 runs: a 4-thread allocating program SIGKILLed at random moments, every profile loads', () =>
    proveProgramSigkill(50));
  it('50 runs: SIGTERM to record or to the program at random moments, no hang, every profile loads whole', () =>
    proveSigterm(50));
  it('20 runs: threads, fork, exec, posix_spawn, vfork and dumps, no deadlock, one loadable profile per process image', () =>
    proveMixedProcesses(20));
  it('20 runs: a Node.js program SIGKILLed at random moments, every profile loads', () => proveNodeSigkill(20));
  it('10 runs: record itself SIGKILLed at random moments, the program runs on and its profile loads', () =>
    proveLauncherSigkill(10));
});
