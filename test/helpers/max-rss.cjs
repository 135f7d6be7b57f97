// Preloaded (node --require) into a command a test runs: writes the process's peak
// resident memory, in KiB, to the file named by LEAKHOUND_TEST_MAX_RSS when it exits.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.LEAKHOUND_TEST_MAX_RSS, String(process.resourceUsage().maxRSS));
});
