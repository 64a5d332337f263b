/** The message with its continuation; a space between them unless either side already has one. */
export function joinContinuation(message: string, continuation: string): string {
  if (!continuation) return message;
  if (!message || /\s$/.test(message) || /^[\s,.;:!?)]/.test(continuation)) return message + continuation;
  return `${message} ${continuation}`;
}
