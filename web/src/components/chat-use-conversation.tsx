import { useQuery, useQueryClient } from "@tanstack/react-query";
import { streamReply } from "@dramatis/sdk";
import { useCallback, useEffect, useRef, useState } from "react";
import { client, unwrap, type Schema } from "../lib/api.ts";
import { conversationKeys } from "../lib/query-keys-personas.ts";
import { loadMessages } from "./chat-loaders.ts";
import { streamControl, type ControlRequest } from "./chat-control-stream.ts";

type Exchange = Schema<"Exchange">;
type Message = Schema<"Message">;
type Media = Schema<"Media">;
type UserPersonaSnapshot = NonNullable<Schema<"Message">["user_persona"]>;

/** The message being sent and the reply streaming back, until the stored versions replace them. */
export interface PendingExchange {
  content: string;
  userPersona: UserPersonaSnapshot | null;
  startedAt: string;
  /** Set by `message-start`: the stored user message and the id the reply will have. */
  userMessage?: Message;
  replyId?: string;
  text: string;
  model?: string;
  phase: "sending" | "streaming" | "stopped";
  /** The photos sent with the message. */
  media: Media[];
}

/** A failed send: what went wrong, and whether the user's message was stored before it did. */
export interface SendFailure {
  error: unknown;
  content: string;
  stored: boolean;
}

export interface SendOutcome {
  /** The message was not stored: the caller puts the text back in the composer. */
  restoreDraft: boolean;
}

/** A regenerate or continue under way: which message it rewrites and the text streamed so far. */
export interface LiveControl {
  kind: ControlRequest["kind"];
  /** The message whose place the streamed text takes (the reply regenerated or continued). */
  messageId: string;
  text: string;
  /** Stop was pressed: the text stays shown until the stored reply is read back. */
  stopped?: boolean;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The user's message as the stream gives it, with the photos it carries: the stream's copy is the one
 * stored before they were attached, so it lists none (the list read back has them).
 */
function withAttachments(message: Message, media: Media[]): Message {
  return media.length > 0 && !message.media?.length ? { ...message, media } : message;
}

/**
 * One conversation: its messages, and sending with the reply streamed token by token (SSE events
 * message-start, message-delta, message-end, error). Stop aborts the request; the server then stores
 * what was generated as a `partial` reply, which is read back and shown as such.
 */
export function useChatConversation(conversationId: string, onActivity: () => void) {
  const queryClient = useQueryClient();
  const conversationQuery = useQuery({
    queryKey: conversationKeys.detail(conversationId),
    queryFn: ({ signal }) =>
      unwrap(client.GET("/v1/conversations/{id}", { params: { path: { id: conversationId } }, signal })),
  });
  // The messages live in the query cache: the stream appends to the cached list as it goes.
  const messagesQuery = useQuery({
    queryKey: conversationKeys.messages(conversationId),
    queryFn: ({ signal }) => loadMessages(conversationId, signal),
  });
  const conversation = conversationQuery.data;
  const messages = messagesQuery.data;
  const loadError = conversationQuery.error ?? messagesQuery.error ?? undefined;
  const updateMessages = useCallback(
    (id: string, update: (list: Message[] | undefined) => Message[]) =>
      queryClient.setQueryData<Message[]>(conversationKeys.messages(id), update),
    [queryClient],
  );
  const [pending, setPending] = useState<PendingExchange | undefined>(undefined);
  const [failure, setFailure] = useState<SendFailure | undefined>(undefined);
  const [exchanges, setExchanges] = useState<Map<string, Exchange>>(() => new Map());
  const [streaming, setStreaming] = useState(false);
  const [live, setLive] = useState<LiveControl | undefined>(undefined);
  const [controlError, setControlError] = useState<unknown>(undefined);
  const controllerRef = useRef<AbortController | undefined>(undefined);
  const currentIdRef = useRef(conversationId);
  currentIdRef.current = conversationId;

  useEffect(() => {
    setPending(undefined);
    setFailure(undefined);
    setLive(undefined);
    setControlError(undefined);
    return () => {
      // Leaving the conversation stops its reply; the server keeps what was written as partial.
      controllerRef.current?.abort();
    };
  }, [conversationId]);

  const refresh = useCallback(
    async (id: string) => {
      try {
        const loaded = await loadMessages(id);
        if (currentIdRef.current !== id) return;
        // Keep messages that arrived (from a newer send) after this list was read.
        const ids = new Set(loaded.map((message) => message.id));
        const last = loaded.at(-1)?.sequence ?? 0;
        updateMessages(id, (list) => [
          ...loaded,
          ...(list ?? []).filter((message) => !ids.has(message.id) && message.sequence > last),
        ]);
      } catch {
        // The messages on screen stay; the next action tries again.
      }
    },
    [updateMessages],
  );

  const send = useCallback(
    /**
     * `userPersona` undefined: the user's active one (the server decides). `recordingId`: a voice message
     * uploaded first (its transcript is `content`), kept with the message. `attachments`: photos uploaded
     * to the conversation, sent with it.
     */
    async (
      content: string,
      userPersona: UserPersonaSnapshot | null | undefined,
      options: { recordingId?: string; attachments?: Media[] } = {},
    ): Promise<SendOutcome> => {
      const attachments = options.attachments ?? [];
      if (controllerRef.current) return { restoreDraft: false };
      const id = conversationId;
      const controller = new AbortController();
      controllerRef.current = controller;
      setStreaming(true);
      setFailure(undefined);
      setPending({
        content,
        userPersona: userPersona ?? null,
        startedAt: new Date().toISOString(),
        text: "",
        phase: "sending",
        media: attachments,
      });
      let stored = false;
      let replyId: string | undefined;
      let ended = false;
      let error: unknown;
      try {
        const body = {
          content,
          user_persona_id: userPersona === undefined ? undefined : (userPersona?.id ?? null),
          // Not in streamReply's parameter type yet; it sends the body as given.
          ...(options.recordingId ? { recording_id: options.recordingId } : {}),
          ...(attachments.length > 0 ? { attachment_ids: attachments.map((item) => item.id) } : {}),
        };
        // An `error` event (the model failed after the stream began) throws like a failed request.
        for await (const event of streamReply(client, id, body, { signal: controller.signal })) {
          if (currentIdRef.current !== id) continue;
          if (event.type === "message-start") {
            stored = true;
            replyId = event.message_id;
            const userMessage = withAttachments(event.user_message, attachments);
            updateMessages(id, (list) => [...(list ?? []), userMessage]);
            setPending((p) => p && { ...p, userMessage, replyId: event.message_id, phase: "streaming" });
          } else if (event.type === "message-delta") {
            setPending((p) => p && { ...p, text: p.text + event.text, phase: "streaming" });
          } else {
            const exchange = event.exchange;
            ended = true;
            updateMessages(id, (list) => [
              ...(list ?? []).filter(
                (m) => m.id !== exchange.user_message.id && m.id !== exchange.message.id,
              ),
              withAttachments(exchange.user_message, attachments),
              exchange.message,
            ]);
            setExchanges((map) => new Map(map).set(exchange.message.id, exchange));
            setPending(undefined);
          }
        }
        if (!ended && error === undefined && !controller.signal.aborted) {
          error = new Error("The connection closed before the reply was complete.");
        }
      } catch (caught) {
        if (!controller.signal.aborted) error = caught;
      } finally {
        controllerRef.current = undefined;
        setStreaming(false);
      }
      if (currentIdRef.current !== id) return { restoreDraft: false };
      onActivity();
      if (controller.signal.aborted && !ended) {
        // Stopped: the server notices the closed connection, stops the model and stores the partial
        // reply under the id it announced. Read the conversation back until that reply is there (the
        // stream is gone, so there is no event to wait for), backing off, for a few seconds at most.
        setPending((p) => p && { ...p, phase: "stopped" });
        for (let wait = 150; wait <= 4_800; wait *= 2) {
          await delay(wait);
          await refresh(id);
          const shown = queryClient.getQueryData<Message[]>(conversationKeys.messages(id));
          if (replyId === undefined || shown?.some((message) => message.id === replyId)) break;
        }
        return { restoreDraft: !stored };
      }
      if (error !== undefined) {
        setPending(undefined);
        setFailure({ error, content, stored });
        if (stored) await refresh(id);
        return { restoreDraft: !stored };
      }
      return { restoreDraft: false };
    },
    [conversationId, onActivity, queryClient, refresh, updateMessages],
  );

  /**
   * Regenerates the latest reply (`messageId`) or continues it, streaming the new text in its place. The
   * reply that ends the stream replaces it in the list; the list is then read back, as its alternatives
   * and counts changed on the server.
   */
  const control = useCallback(
    async (request: ControlRequest, messageId: string): Promise<void> => {
      if (controllerRef.current) return;
      const id = conversationId;
      const controller = new AbortController();
      controllerRef.current = controller;
      setStreaming(true);
      setControlError(undefined);
      setFailure(undefined);
      setLive({ kind: request.kind, messageId, text: "" });
      try {
        for await (const event of streamControl(request, controller.signal)) {
          if (currentIdRef.current !== id) continue;
          if (event.type === "delta") setLive((l) => l && { ...l, text: l.text + event.text });
          else if (event.type === "end") {
            const reply = event.reply.message;
            const list = queryClient.getQueryData<Message[]>(conversationKeys.messages(id)) ?? [];
            const asked = list.find((m) => m.id === reply.reply_to);
            updateMessages(id, () => list.map((m) => (m.id === messageId ? reply : m)));
            // Usage and timings for the prompt inspector, as a send keeps them.
            if (asked)
              setExchanges((map) => new Map(map).set(reply.id, { ...event.reply, user_message: asked }));
          }
        }
      } catch (caught) {
        if (!controller.signal.aborted && currentIdRef.current === id) setControlError(caught);
      } finally {
        controllerRef.current = undefined;
        setStreaming(false);
      }
      if (currentIdRef.current !== id) return;
      if (controller.signal.aborted) {
        // Stopped: the server stores what was written once it notices the closed connection. Read the
        // list back until the reply changed (there is no event left to wait for), for a few seconds at most.
        setLive((l) => l && { ...l, stopped: true });
        const before = queryClient
          .getQueryData<Message[]>(conversationKeys.messages(id))
          ?.find((m) => m.id === messageId);
        for (let wait = 150; wait <= 4_800; wait *= 2) {
          await delay(wait);
          await refresh(id);
          const now = queryClient
            .getQueryData<Message[]>(conversationKeys.messages(id))
            ?.find((m) => m.id === messageId);
          if (now?.content !== before?.content) break;
        }
      } else {
        await refresh(id);
      }
      setLive(undefined);
      onActivity();
    },
    [conversationId, onActivity, queryClient, refresh, updateMessages],
  );

  const stop = useCallback(() => controllerRef.current?.abort(), []);
  const dismissFailure = useCallback(() => setFailure(undefined), []);

  return {
    conversation,
    messages,
    loadError,
    pending,
    failure,
    exchanges,
    streaming,
    live,
    controlError,
    setControlError,
    send,
    control,
    stop,
    dismissFailure,
    refresh,
    updateMessages,
  };
}
