import type { Readable } from "node:stream";
import { NotFoundError } from "../../errors/app-error.ts";
import type { CallRow } from "../../store/call-repository.ts";
import type { UserRow } from "../../store/schema.ts";
import type { Store } from "../../store/store.ts";
import { encodeWav } from "../../speech/wav.ts";
import type { SpeechService } from "../speech/speech-service.ts";
import type { CallSummary } from "./call-session.ts";
import type { Call } from "./call-views.ts";

/**
 * A call's stereo recording (left the caller, right the persona), kept as the conversation's audio: stored
 * when the call ends, described in the call's view, opened for download.
 */
export class CallRecordings {
  private readonly store: Store;
  private readonly speech: SpeechService;

  constructor(dependencies: { store: Store; speech: SpeechService }) {
    this.store = dependencies.store;
    this.speech = dependencies.speech;
  }

  /** Stores an ended call's recording; its audio id, or null when the session kept none. */
  async keep(user: UserRow, call: CallRow, recording: CallSummary["recording"]): Promise<string | null> {
    if (!recording) return null;
    return this.speech.storeCallRecording(user, call.conversation_id, encodeWav(recording));
  }

  /** The recording as the call's view shows it; null when none was kept (or its audio is gone). */
  async describe(row: CallRow): Promise<Call["recording"]> {
    if (!row.recording_audio_id) return null;
    const audio = await this.store.messageAudio.find(row.tenant_id, row.recording_audio_id);
    if (!audio) return null;
    return {
      url: `/v1/calls/${row.id}/recording`,
      duration_seconds: audio.duration_ms / 1000,
      content_type: audio.content_type,
    };
  }

  async open(
    user: UserRow,
    row: CallRow,
  ): Promise<{ stream: Readable; contentType: string; size: number; sha256: string }> {
    if (!row.recording_audio_id) throw new NotFoundError(`a recording of call ${row.id} (none was kept)`);
    return this.speech.openAudio(user, row.conversation_id, row.recording_audio_id);
  }
}
