import type { MediaRow } from "../../store/media-repository.ts";

/** A picture or video as the API shows it. */
export interface MediaView {
  id: string;
  kind: MediaRow["kind"];
  source: MediaRow["source"];
  /** queued and running: a generation in progress; failed: see `error` */
  status: MediaRow["status"];
  /** 0-1 while running, when the provider says */
  progress: number | null;
  error: string | null;
  persona_id: string | null;
  /** the persona's name when it was listed; null once the persona is gone */
  persona_name: string | null;
  conversation_id: string | null;
  message_id: string | null;
  /** what was asked for */
  request: string;
  /** the prompt the provider got */
  prompt: string;
  model: string | null;
  /** true: the embedded placeholder drew it (no image or video model is configured) */
  offline: boolean;
  priority: boolean;
  reference_media_id: string | null;
  /** the background job making it (GET /v1/jobs/{id}/events streams its progress) */
  job_id: string | null;
  content_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  file_name: string | null;
  /** where its bytes are served (with the caller's credentials); null until ready */
  url: string | null;
  created_at: string;
  completed_at: string | null;
}

export function toMediaView(row: MediaRow, personaName: string | null = null): MediaView {
  return {
    id: row.id,
    kind: row.kind,
    source: row.source,
    status: row.status,
    progress: row.progress,
    error: row.error,
    persona_id: row.persona_id,
    persona_name: personaName,
    conversation_id: row.conversation_id,
    message_id: row.message_id,
    request: row.request,
    prompt: row.prompt,
    model: row.model,
    offline: row.offline === 1,
    priority: row.priority === 1,
    reference_media_id: row.reference_media_id,
    job_id: row.job_id,
    content_type: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    duration_seconds: row.duration_ms === null ? null : row.duration_ms / 1000,
    file_name: row.file_name,
    url: row.status === "ready" && row.blob_id ? `/v1/media/${row.id}/content` : null,
    created_at: row.created_at,
    completed_at: row.completed_at,
  };
}

/** The media of each message, by message id (what message lists show). */
export function mediaByMessage(rows: readonly MediaRow[]): Map<string, MediaView[]> {
  const byMessage = new Map<string, MediaView[]>();
  for (const row of rows) {
    if (!row.message_id) continue;
    byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), toMediaView(row)]);
  }
  return byMessage;
}
