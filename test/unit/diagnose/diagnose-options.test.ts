import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeCommand } from '../../../src/app/cli/analyze';
import { reportCommand } from '../../../src/app/cli/report';
import { serveCommand } from '../../../src/app/cli/serve';
import { DIAGNOSE_DEFAULTS, DIAGNOSE_FLAGS, withDefaults } from '../../../src/diagnose/options';

test('diagnose falls back on DIAGNOSE_DEFAULTS, and a given option wins', () => {
  assert.deepEqual(withDefaults({}), DIAGNOSE_DEFAULTS);
  assert.deepEqual(withDefaults({ warmup: 0.3 }), { ...DIAGNOSE_DEFAULTS, warmup: 0.3 });
  assert.ok(Object.isFrozen(DIAGNOSE_DEFAULTS), 'no one changes the defaults for everyone');
});

test('analyze, report and serve take --exit-window and --warmup from DIAGNOSE_FLAGS, with the defaults diagnose uses', () => {
  for (const command of [analyzeCommand(), reportCommand(), serveCommand()]) {
    for (const flag of DIAGNOSE_FLAGS) {
      const option = command.options.find((o) => o.flags === flag.flag);
      assert.ok(option, `${command.name()} has ${flag.flag}`);
      assert.equal(option.defaultValue, DIAGNOSE_DEFAULTS[flag.key], `${command.name()} ${flag.flag}`);
      assert.equal(option.description, flag.description);
      assert.equal(option.attributeName(), flag.key);
    }
  }
});
