/** A script failed: its message and where in the script. */
export class ScriptError extends Error {}
