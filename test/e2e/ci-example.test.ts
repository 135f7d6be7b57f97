/**
 * docs/CI.md's examples, run as written: the commands of the GitHub Actions step and of
 * the GitLab job's script, taken from the document, on a small git repository made
 * here (test/fixtures/native/versions.c as `app.c`, built by a Makefile), with
 * `leakhound` on the PATH. A leak added fails the job (exit 3); a change that adds none passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers/native-fixtures';
import { CLI, ROOT, tmpDir } from '../helpers/helpers';

const CI_DOC = fs.readFileSync(path.join(ROOT, 'docs', 'CI.md'), 'utf8');

/** The fenced ```yaml blocks of docs/CI.md, in order: GitHub's workflow, then GitLab's job. */
function yamlBlocks(): string[][] {
  return [...CI_DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1].split('\n'));
}

/** The lines nested under `key` (first after line `from`), dedented. */
function nested(lines: string[], key: RegExp, from = 0): string[] {
  const at = lines.findIndex((l, i) => i >= from && key.test(l));
  assert.ok(at >= 0, `docs/CI.md has ${key}`);
  const indent = lines[at].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const inner = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return body.map((l) => l.slice(inner)).filter((l) => l.trim());
}

/** The GitHub step's environment and script. */
function githubStep(): { env: Record<string, string>; script: string } {
  const lines = yamlBlocks()[0];
  const step = lines.findIndex((l) => /- name: Record base and head, compare/.test(l));
  const env = Object.fromEntries(nested(lines, /^\s+env:$/, step).map((l) => l.split(/:\s+/, 2) as [string, string]));
  return { env, script: nested(lines, /^\s+run: \|$/, step).join('\n') };
}

/** The GitLab job's script lines, as one script. */
function gitlabScript(): string {
  return nested(yamlBlocks()[1], /^\s+script:$/)
    .map((l) => l.replace(/^- /, ''))
    .join('\n');
}

const dir = tmpDir('leakhound-ci-');
const repo = path.join(dir, 'repo');
const bin = path.join(dir, 'bin');

function git(...args: string[]): string {
  const r = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Commits a Makefile building app.c as `version` (versions.c: fixed, leak), plus `readme`. */
function commit(version: string, readme: string): string {
  fs.writeFileSync(
    path.join(repo, 'Makefile'),
    `app: app.c fixture.h Makefile\n\tcc -O1 -g -DVERSION='"${version}"' -o app app.c\n`,
  );
  fs.writeFileSync(path.join(repo, 'README'), `${readme}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', `${version}: ${readme}`);
  return git('rev-parse', 'HEAD');
}

/** The repository: a program without a leak, then one with a leak, then one with only its README changed. */
function makeRepository(): { fixed: string; leak: string; docsOnly: string } {
  fs.mkdirSync(repo, { recursive: true });
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'leakhound'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, {
    mode: 0o755,
  });
  git('init', '-q');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  fs.copyFileSync(path.join(FIXTURES, 'versions.c'), path.join(repo, 'app.c'));
  fs.copyFileSync(path.join(FIXTURES, 'fixture.h'), path.join(repo, 'fixture.h'));
  fs.writeFileSync(path.join(repo, '.gitignore'), 'app\n*.lhp\n');
  const fixed = commit('fixed', 'a service');
  const leak = commit('leak', 'a service that remembers its sessions');
  const docsOnly = commit('leak', 'a service that remembers its sessions, documented');
  return { fixed, leak, docsOnly };
}

const commits = makeRepository();

/** Runs a CI script in the workspace checked out at `head`, as the runner's bash does (-e, pipefail). */
function runJob(head: string, script: string, env: Record<string, string>): { code: number | null; output: string } {
  git('checkout', '-q', '--detach', head);
  for (const f of fs.readdirSync(repo)) if (f.endsWith('.lhp')) fs.rmSync(path.join(repo, f));
  const tmp = fs.mkdtempSync(path.join(dir, 'runner-'));
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: repo,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: tmp, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, output: r.stdout + r.stderr };
}

test('GitHub Actions: the step fails the pull request that adds a leak, naming it', () => {
  const { env, script } = githubStep();
  // GitHub fills in the expression; here, the base commit
  assert.deepEqual(env, { BASE_SHA: ['$', '{{ github.event.pull_request.base.sha }}'].join('') });
  const runnerTemp = fs.mkdtempSync(path.join(dir, 'gh-'));
  const r = runJob(commits.leak, script, { BASE_SHA: commits.fixed, RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: repo });
  assert.equal(r.code, 3, r.output);
  assert.match(r.output, /REGRESSION: 1 new leak \(base\.lhp → head\.lhp\)/);
  assert.match(r.output, /new leak\s+temporary\s+leak .*session_new \(app\.c:\d+\)/);
  assert.ok(fs.existsSync(path.join(repo, 'base.lhp')) && fs.existsSync(path.join(repo, 'head.lhp')));
});

test('GitLab CI: the job passes a merge request that adds no leak, though the program leaks', () => {
  const r = runJob(commits.docsOnly, gitlabScript(), {
    CI_MERGE_REQUEST_DIFF_BASE_SHA: commits.leak,
    CI_PROJECT_DIR: repo,
  });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /NO CHANGE: no new, fixed or grown leak/);
  assert.match(r.output, /unchanged\s+leak .*\s+leak .*session_new \(app\.c:\d+\)/);
});
