/**
 * The crash and kill proofs of test/stress/kill-proofs.ts, a few runs each (the
 * stress suite, `npm run test:stress`, runs them 10 to 50 times beside a CPU hog):
 * programs, and `record` itself, killed or terminated at random moments from a fixed
 * seed; a program mixing threads, fork, exec, posix_spawn, vfork and dumps.
 */
import { describe, it } from 'node:test';
import {
  proveLauncherSigkill,
  proveMixedProcesses,
  proveNodeSigkill,
  proveProgramSigkill,
  proveSigterm,
} from '../stress/kill-proofs';

const LINUX_ONLY = process.platform !== 'linux' && 'the native recorder is Linux-only';

describe('crash and kill proofs, a few runs each', { skip: LINUX_ONLY }, () => {
  it('a 4-thread allocating program SIGKILLed at random moments: every profile loads', () => proveProgramSigkill(3));
  it('SIGTERM to record or to the program at random moments: no hang, every profile loads whole', () =>
    proveSigterm(4));
  it('threads, fork, exec, posix_spawn, vfork and dumps: no deadlock, one loadable profile per process image', () =>
    proveMixedProcesses(3));
  it('a Node.js program SIGKILLed at random moments: every profile loads', () => proveNodeSigkill(3));
  it('record itself SIGKILLed at random moments: the program runs on and its profile loads', () =>
    proveLauncherSigkill(3));
});
