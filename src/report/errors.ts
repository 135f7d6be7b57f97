/** A report could not be written (its file, its directory): one line for the user. */
export class ReportError extends Error {}
