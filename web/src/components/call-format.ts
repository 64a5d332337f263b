/** Wording shared by the call screen and the call history. */

/** "0:07", "12:40", "1:02:03": a running timer or a call's length. */
export function formatCallDuration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** "412 ms", or "1.2 s" past a second. */
export function formatLatency(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** "30 s", "2 min", "1 min 30 s": a configured limit. */
function formatLimit(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/**
 * Why a call ended, as a sentence. `silenceTimeoutSeconds` (from the locale's voice configuration) makes
 * the silence case precise when it is known.
 */
export function describeEndReason(
  reason: string | null | undefined,
  options: { silenceTimeoutSeconds?: number | undefined } = {},
): string {
  switch (reason) {
    case "hangup":
      return "You hung up.";
    case "silence_timeout":
      return options.silenceTimeoutSeconds
        ? `The call ended after ${formatLimit(options.silenceTimeoutSeconds)} of silence.`
        : "The call ended after a silence.";
    case "max_duration":
      return "Time limit reached.";
    case "error":
      return "The call ended because of an error.";
    case "server_shutdown":
      return "The server was stopping, so the call ended.";
    case null:
    case undefined:
      return "The call did not start.";
    default:
      return `The call ended (${reason}).`;
  }
}

/** A short label for lists: "Hung up", "Silence", "Time limit". */
export function endReasonLabel(reason: string | null | undefined, status: string): string {
  switch (reason) {
    case "hangup":
      return "Hung up";
    case "silence_timeout":
      return "Silence";
    case "max_duration":
      return "Time limit";
    case "error":
      return "Error";
    case "server_shutdown":
      return "Server stopped";
    default:
      return status === "canceled" ? "Canceled" : status === "ringing" ? "Not answered" : status;
  }
}

/** A call's start in the viewer's local time: "7 Dec 2026, 14:05". */
export function formatCallDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
