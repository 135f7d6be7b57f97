/**
 * The import rule of docs/ARCHITECTURE.md, checked by `npm run lint:imports`.
 *
 * src/ is cut into layers along the data flow, lowest first. A folder may import
 * its own files and the folders of lower layers, never a folder of its own layer
 * or of a higher one; no import cycles. `src/index.ts` (the package entry) may
 * import any layer but app/; `src/testing/` (the `leakhound/testing` entry) stands
 * alone. Type-only imports count: a type is a dependency too.
 */
const LAYERS = [
  ['util'],
  ['format', 'symbolize'],
  ['recorders', 'simulate', 'import'],
  ['profile'],
  ['query'],
  ['diagnose'],
  ['views'],
  ['render', 'export'],
  ['api'],
  ['script'],
  ['app'],
];

const folder = (names) => `^src/(${names.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.map((name) => {
    const above = LAYERS.slice(rank + 1).flat();
    const forbidden = [...layer.filter((other) => other !== name), ...above, 'testing'];
    return {
      name: `layer-${name}`,
      comment: `${name}/ may import only ${LAYERS.slice(0, rank).flat().join(', ') || 'nothing of src'} (docs/ARCHITECTURE.md)`,
      severity: 'error',
      from: { path: folder([name]) },
      to: { path: [folder(forbidden), '^src/index\\.ts$'] },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment:
        'an import cycle: a module ends up importing itself. Type-only imports are erased at run time and do not count; ' +
        "nor do cycles through the query API's list and group classes, mutual by design (a list groups, a group's allocations are a list)",
      severity: 'error',
      from: {},
      to: {
        circular: true,
        viaOnly: { dependencyTypesNot: ['type-only'], pathNot: '^src/query/(allocation-list|group-list)\\.ts$' },
      },
    },
    {
      name: 'entry-not-app',
      comment: 'the package entry is the library: it does not reach into the app (cli, web, metrics, reports)',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: [folder(['app', 'testing'])] },
    },
    {
      name: 'testing-alone',
      comment: 'leakhound/testing is its own entry point: it imports nothing else of src, and nothing imports it',
      severity: 'error',
      from: { path: folder(['testing']) },
      to: { path: '^src/', pathNot: folder(['testing']) },
    },
    {
      name: 'layer-unknown',
      comment:
        'every folder of src belongs to a layer: add a new one to LAYERS in .dependency-cruiser.cjs and to docs/ARCHITECTURE.md',
      severity: 'error',
      from: { path: '^src/', pathNot: [folder([...LAYERS.flat(), 'testing']), '^src/index\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
