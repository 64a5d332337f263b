import { pauseOthers } from "../lib/exclusive-playback.ts";
import type { Call } from "../lib/call-controller.ts";
import { formatCallDuration } from "./call-format.ts";

/** A kept recording: a player (stereo: you left, the persona right) and a download link. */
export function CallRecording({ call }: { call: Call }) {
  const recording = call.recording;
  if (!recording) return null;
  return (
    <div className="call-recording">
      <audio
        controls
        preload="none"
        src={recording.url}
        aria-label="Call recording"
        onPlay={(event) => pauseOthers(event.currentTarget)}
      />
      <span className="muted">{formatCallDuration(recording.duration_seconds)}</span>
      <a href={recording.url} download={`call-${call.id}.wav`} className="button button-small">
        Download recording
      </a>
    </div>
  );
}
