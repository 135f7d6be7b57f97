#!/usr/bin/env node
// tsc compiles only TypeScript: this copies the web UI's page, script and stylesheet
// (src/app/web/ui/*) beside the compiled server (dist/app/web/ui/), which reads them at start.
const fs = require('node:fs');
const path = require('node:path');

const from = path.join(__dirname, '..', 'src', 'app', 'web', 'ui');
const to = path.join(__dirname, '..', 'dist', 'app', 'web', 'ui');
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
for (const name of fs.readdirSync(from)) {
  if (fs.statSync(path.join(from, name)).isFile()) fs.copyFileSync(path.join(from, name), path.join(to, name));
}
