/** A recording that cannot start or finish for a reason the user can act on: reported as one line. */
export class RecordError extends Error {}
