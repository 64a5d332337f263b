/** A command line that makes no sense: printed with a pointer to the command's help, exit code 2. */
export class UsageError extends Error {}

/** A failure a command reports as a message for people, not as a stack trace (exit code 1). */
export class CommandError extends Error {}
