/**
 * The globals `leakhound script` gives a script (docs/SCRIPT.md), for an editor and
 * for tsc: put `/// <reference types="leakhound/script" />` at the top of a script,
 * or `"types": ["node", "leakhound/script"]` in its tsconfig.json. They are the verbs
 * of ScriptApi (src/script/script-api.ts); test/unit/script/script.test.ts checks that each is here.
 */
import type { ScriptApi } from 'leakhound';

declare global {
  // `var`, not `const`: the script runs with them as properties of globalThis
  var profile: ScriptApi['profile'];
  var allocations: ScriptApi['allocations'];
  var graph: ScriptApi['graph'];
  var data: ScriptApi['data'];
  var diagnose: ScriptApi['diagnose'];
  var println: ScriptApi['println'];
  var argv: ScriptApi['argv'];
}
