import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, client, unwrap, type Schema } from "../lib/api.ts";
import { userPersonaKeys } from "../lib/query-keys-personas.ts";
import { ErrorNotice, Loading } from "./notice.tsx";
import { ChatComposer, NO_PERSONA } from "./chat-composer.tsx";
import { ChatConversationHeader } from "./chat-conversation-header.tsx";
import { callLocalesOf } from "./call-button.tsx";
import { ChatMessage, type ShownMessage } from "./chat-message.tsx";
import { ChatPromptInspector } from "./chat-prompt-inspector.tsx";
import { useChatConversation, type LiveControl, type PendingExchange } from "./chat-use-conversation.tsx";
import { ChatMessageControls, ChatMessageEditor } from "./chat-message-controls.tsx";
import { DeleteMessageDialog, useMessageActions } from "./chat-use-message-actions.tsx";
import { branchConversation } from "./chat-archive-requests.ts";
import { navigate, useLocation } from "../lib/router.tsx";
import { uploadRecording, useAutoPlayReplies } from "./chat-message-audio.tsx";
import { useChatAttachments } from "./chat-attachments.tsx";
import { latestMedia } from "./media-live.ts";
import { deleteMedia } from "./media-requests.ts";
import { MediaViewer } from "./media-viewer.tsx";
import { conversationKeys } from "../lib/query-keys-personas.ts";
import { mediaKeys } from "../lib/query-keys-media.ts";

type PersonaSummary = Schema<"Persona">;
type UserPersona = Schema<"UserPersona">;
type Message = Schema<"Message">;
type Media = Schema<"Media">;

function shownMessages(
  messages: Message[],
  pending: PendingExchange | undefined,
  control: LiveControl | undefined,
): ShownMessage[] {
  const shown: ShownMessage[] = messages.map((message, index) => {
    const opener = index === 0 && message.role === "assistant" && message.reply_to === null;
    if (control?.messageId !== message.id) return { ...message, opener };
    // Regenerating streams a new text in the reply's place; continuing streams more of it.
    const content = control.kind === "continue" ? message.content + control.text : control.text;
    return { ...message, opener, content, status: control.stopped ? "stopped" : "streaming" };
  });
  if (!pending) return shown;
  const live = pending.phase !== "stopped";
  if (!pending.userMessage && live) {
    shown.push({
      id: "pending-user",
      role: "user",
      content: pending.content,
      status: "complete",
      user_persona: pending.userPersona,
      model: null,
      created_at: pending.startedAt,
      media: pending.media,
    });
  }
  const replyStored = pending.replyId !== undefined && messages.some((m) => m.id === pending.replyId);
  if (live || (pending.replyId && !replyStored)) {
    shown.push({
      id: pending.replyId ?? "pending-reply",
      role: "assistant",
      content: pending.text,
      status: live ? "streaming" : "stopped",
      user_persona: pending.userPersona,
      model: null,
      created_at: pending.startedAt,
    });
  }
  return shown;
}

/** A conversation: header, messages (with the reply streaming in), composer and prompt inspector. */
export function ChatConversationView({
  conversationId,
  personas,
  userPersonas,
  activeUserPersonaId,
  onActiveUserPersonaChange,
  onActivity,
}: {
  conversationId: string;
  personas: Map<string, PersonaSummary>;
  userPersonas: UserPersona[] | undefined;
  activeUserPersonaId: string | null | undefined;
  onActiveUserPersonaChange: (id: string | null) => void;
  onActivity: () => void;
}) {
  const chat = useChatConversation(conversationId, onActivity);
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState("");
  const [focusRequest, setFocusRequest] = useState(0);
  const [speakingAsChoice, setSpeakingAsChoice] = useState<string | undefined>(undefined);
  const [speakingAsError, setSpeakingAsError] = useState<string | undefined>(undefined);
  const [inspected, setInspected] = useState<string | undefined>(undefined);
  const inspectButtonRef = useRef<HTMLButtonElement | null>(null);
  const logRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  // ?message=<id> (a search hit, a branch's source): scrolled to and highlighted once loaded.
  const pointedAt = useLocation().search.get("message") ?? undefined;
  const scrolledTo = useRef<string | undefined>(undefined);
  const attachments = useChatAttachments(conversationId);
  const [viewing, setViewing] = useState<string | undefined>(undefined);

  useEffect(() => {
    setDraft("");
    setSpeakingAsChoice(undefined);
    setSpeakingAsError(undefined);
    setInspected(undefined);
    setViewing(undefined);
    stickToBottom.current = true;
  }, [conversationId]);

  const persona = chat.conversation ? personas.get(chat.conversation.persona_id) : undefined;
  const personaName = persona?.name ?? "Persona";
  const messages = chat.messages ?? [];
  const shown = shownMessages(messages, chat.pending, chat.live);

  // Who the user speaks as: their choice here, else as in their last message, else the active one.
  const lastUserMessage = [...messages].reverse().find((message) => message.role === "user");
  const fallback = lastUserMessage
    ? (lastUserMessage.user_persona?.id ?? NO_PERSONA)
    : (activeUserPersonaId ?? NO_PERSONA);
  const wanted = speakingAsChoice ?? fallback;
  const speakingAs = userPersonas?.some((p) => p.id === wanted) ? wanted : NO_PERSONA;

  const lastShown = shown.at(-1);
  const pointedAtLoaded = pointedAt !== undefined && messages.some((message) => message.id === pointedAt);
  useLayoutEffect(() => {
    const log = logRef.current;
    if (pointedAtLoaded && scrolledTo.current !== `${conversationId}/${pointedAt}`) {
      scrolledTo.current = `${conversationId}/${pointedAt}`;
      stickToBottom.current = false;
      document.getElementById(`message-${pointedAt}`)?.scrollIntoView({ block: "center" });
      return;
    }
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [shown.length, lastShown?.content, chat.failure, pointedAtLoaded, pointedAt, conversationId]);

  async function branchFrom(messageId: string) {
    chat.setControlError(undefined);
    try {
      const branch = await branchConversation(conversationId, messageId);
      onActivity();
      navigate(`/chat/${encodeURIComponent(branch.id)}`);
    } catch (error) {
      chat.setControlError(error);
    }
  }

  async function changeSpeakingAs(id: string) {
    setSpeakingAsChoice(id);
    setSpeakingAsError(undefined);
    // Also make it the active user persona, so new conversations and API clients follow the choice.
    try {
      if (id === NO_PERSONA) await unwrap(client.DELETE("/v1/user-personas/active"));
      else await unwrap(client.PUT("/v1/user-personas/active/{id}", { params: { path: { id } } }));
      onActiveUserPersonaChange(id === NO_PERSONA ? null : id);
      void queryClient.invalidateQueries({ queryKey: userPersonaKeys.all });
    } catch (error) {
      setSpeakingAsError(
        `Could not make it your active user persona (${error instanceof Error ? error.message : String(error)}); ` +
          "your messages here still use it.",
      );
    }
  }

  const send = useCallback(async () => {
    const content = draft.trim();
    if ((!content && attachments.ready === 0) || attachments.uploading || chat.streaming) return;
    const chosen = userPersonas?.find((p) => p.id === speakingAs);
    // Until the user personas are loaded the server picks the active one.
    const snapshot =
      userPersonas === undefined
        ? undefined
        : chosen
          ? { id: chosen.id, name: chosen.name, description: chosen.description }
          : null;
    setDraft("");
    const photos = attachments.take();
    stickToBottom.current = true;
    const outcome = await chat.send(content, snapshot, { attachments: photos.media });
    if (outcome.restoreDraft) {
      setDraft((current) => (current.trim() ? current : content));
      photos.restore();
    } else photos.sent();
    setFocusRequest((n) => n + 1);
  }, [draft, chat, userPersonas, speakingAs, attachments]);

  /** A voice message: stored and transcribed, then sent like a typed message, keeping its recording. */
  const sendVoiceMessage = useCallback(
    async (wav: Blob) => {
      const recording = await uploadRecording(conversationId, wav);
      const content = recording.text.trim();
      if (!content)
        throw new Error("Nothing was heard in the recording. Try again, closer to the microphone.");
      const chosen = userPersonas?.find((p) => p.id === speakingAs);
      const snapshot =
        userPersonas === undefined
          ? undefined
          : chosen
            ? { id: chosen.id, name: chosen.name, description: chosen.description }
            : null;
      stickToBottom.current = true;
      const outcome = await chat.send(content, snapshot, { recordingId: recording.recording_id });
      if (outcome.restoreDraft) setDraft((current) => (current.trim() ? current : content));
      // The streamed messages do not carry the recording; the list read back does.
      else await chat.refresh(conversationId);
    },
    [chat, conversationId, userPersonas, speakingAs],
  );

  // Auto-play replies: a reply that just finished streaming (sent, regenerated, continued) is read aloud.
  const [autoPlay, setAutoPlay] = useAutoPlayReplies();
  const [autoPlayId, setAutoPlayId] = useState<string | undefined>(undefined);
  const wasStreaming = useRef(false);
  const lastMessage = messages.at(-1);
  useEffect(() => {
    if (wasStreaming.current && !chat.streaming && autoPlay && lastMessage?.role === "assistant") {
      if (lastMessage.status === "complete") setAutoPlayId(lastMessage.id);
    }
    wasStreaming.current = chat.streaming;
  }, [chat.streaming, autoPlay, lastMessage]);

  const { control, setControlError } = chat;
  const actions = useMessageActions(chat, conversationId, onActivity, (id) =>
    setInspected((current) => (current === id ? undefined : current)),
  );
  const latestReply = messages.at(-1)?.role === "assistant" ? messages.at(-1) : undefined;

  // The viewer moves through every picture and video of the conversation, in order.
  const viewable: Media[] = viewing
    ? shown.flatMap((message) => message.media ?? []).map((item) => latestMedia(queryClient, item))
    : [];
  const closeViewer = useCallback(() => setViewing(undefined), []);
  const deleteFromConversation = useCallback(
    async (item: Media) => {
      await deleteMedia(item.id);
      queryClient.removeQueries({ queryKey: mediaKeys.detail(item.id) });
      void queryClient.invalidateQueries({ queryKey: mediaKeys.lists() });
      queryClient.setQueryData<Message[]>(conversationKeys.messages(conversationId), (list) =>
        list?.map((message) =>
          message.media?.some((m) => m.id === item.id)
            ? { ...message, media: message.media.filter((m) => m.id !== item.id) }
            : message,
        ),
      );
    },
    [queryClient, conversationId],
  );

  if (chat.loadError) {
    return (
      <section className="chat-view">
        <ErrorNotice error={chat.loadError} />
      </section>
    );
  }
  if (!chat.conversation || !chat.messages) {
    return (
      <section className="chat-view">
        <Loading label="Loading the conversation…" />
      </section>
    );
  }

  const inspectedMessage = inspected ? shown.find((message) => message.id === inspected) : undefined;
  const failure = chat.failure;
  const contentError =
    failure && !failure.stored && failure.error instanceof ApiError
      ? failure.error.fieldMessage("content")
      : undefined;
  return (
    <section className="chat-view" aria-label={`Conversation with ${personaName}`}>
      <ChatConversationHeader
        conversation={chat.conversation}
        personaName={personaName}
        personaRevision={persona?.updated_at}
        onListChange={onActivity}
        autoPlay={autoPlay}
        onAutoPlayChange={setAutoPlay}
        callLocales={persona ? callLocalesOf(persona) : []}
      />
      <ol
        className="chat-log"
        ref={logRef}
        aria-label="Conversation log"
        tabIndex={0}
        onScroll={(event) => {
          const log = event.currentTarget;
          stickToBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
        }}
        // A picture that arrives makes the log taller: stay at the newest message if the user was there.
        onLoadCapture={(event) => {
          if (stickToBottom.current) event.currentTarget.scrollTop = event.currentTarget.scrollHeight;
        }}
      >
        {shown.length === 0 && (
          <li className="chat-empty muted">
            {personaName} has no greeting. Say hello to start the conversation.
          </li>
        )}
        {shown.map((message) => {
          const stored = messages.find((m) => m.id === message.id);
          // A reply keeps its place (and the focus within it) while regenerated or swiped: one per turn.
          const key = message.opener
            ? "opener"
            : message.role === "assistant" && message.reply_to
              ? `turn-${message.reply_to}`
              : message.id;
          return (
            <ChatMessage
              key={key}
              message={message}
              conversationId={conversationId}
              autoPlay={message.id === autoPlayId}
              editor={
                stored && actions.editing === stored.id ? (
                  <ChatMessageEditor
                    initial={stored.content}
                    onSave={(content) => actions.saveEdit(stored, content)}
                    onCancel={() => actions.closeEditor(stored.id)}
                  />
                ) : undefined
              }
              controls={
                stored ? (
                  <ChatMessageControls
                    label={
                      message.role === "assistant"
                        ? `Actions for ${personaName}'s message`
                        : "Actions for your message"
                    }
                    focusEdit={actions.editClosed === stored.id}
                    alternativeIndex={stored.alternative_index ?? 0}
                    alternativeCount={stored.alternative_count ?? 1}
                    // An opening message swipes between its greetings (SillyTavern's way): no model
                    // rewrites what the card's author wrote, so it has no Regenerate.
                    swipeNoun={message.opener ? "greeting" : "alternative"}
                    canSwipe={stored === latestReply && (stored.reply_to !== null || !!message.opener)}
                    canRegenerate={stored === latestReply && stored.reply_to !== null}
                    canContinue={stored === latestReply}
                    busy={chat.streaming}
                    onChoose={(index) => void actions.choose(stored, index)}
                    onRegenerate={() => {
                      stickToBottom.current = true;
                      void control({ kind: "regenerate", conversationId, messageId: stored.id }, stored.id);
                    }}
                    onContinue={() => {
                      stickToBottom.current = true;
                      void control({ kind: "continue", conversationId }, stored.id);
                    }}
                    onEdit={() => actions.setEditing(stored.id)}
                    onDelete={() => actions.setDeleting(stored)}
                    onBranch={() => void branchFrom(stored.id)}
                  />
                ) : undefined
              }
              highlighted={message.id === pointedAt}
              warnings={chat.exchanges.get(message.id)?.warnings}
              onOpenMedia={(item) => setViewing(item.id)}
              personaId={chat.conversation!.persona_id}
              personaName={personaName}
              personaRevision={persona?.updated_at}
              inspecting={inspected === message.id}
              onInspect={(id, button) => {
                inspectButtonRef.current = button;
                setInspected((current) => (current === id ? undefined : id));
              }}
            />
          );
        })}
        {chat.controlError !== undefined && (
          <li className="chat-failure">
            <ErrorNotice error={chat.controlError} />
            <button type="button" className="button-small" onClick={() => setControlError(undefined)}>
              Dismiss
            </button>
          </li>
        )}
        {failure && (
          <li className="chat-failure">
            <div className="notice notice-error" role="alert">
              <p>
                {failure.stored ? "The reply failed" : "Your message was not sent"}:{" "}
                {failure.error instanceof Error ? failure.error.message : String(failure.error)}
              </p>
              <p>
                {failure.stored
                  ? "Your message is saved in the conversation."
                  : "Your text is back in the message box; send it again when ready."}
              </p>
              <div className="button-row">
                {failure.stored && (
                  <button
                    type="button"
                    className="button-small"
                    onClick={() => {
                      setDraft(failure.content);
                      chat.dismissFailure();
                      setFocusRequest((n) => n + 1);
                    }}
                  >
                    Edit and resend
                  </button>
                )}
                <button type="button" className="button-small" onClick={chat.dismissFailure}>
                  Dismiss
                </button>
              </div>
            </div>
          </li>
        )}
      </ol>
      <p className="visually-hidden" role="status">
        {chat.streaming ? `${personaName} is replying…` : ""}
      </p>
      <ChatComposer
        draft={draft}
        onDraftChange={setDraft}
        onSend={() => void send()}
        onStop={chat.stop}
        streaming={chat.streaming}
        disabled={false}
        userPersonas={userPersonas}
        speakingAs={speakingAs}
        onSpeakingAsChange={(id) => void changeSpeakingAs(id)}
        speakingAsError={speakingAsError}
        contentError={contentError}
        focusRequest={focusRequest}
        onVoiceMessage={sendVoiceMessage}
        attachments={attachments}
      />
      {viewing && (
        <MediaViewer
          items={viewable}
          initialId={viewing}
          onClose={closeViewer}
          onDelete={deleteFromConversation}
        />
      )}
      <DeleteMessageDialog
        message={actions.deleting}
        personaName={personaName}
        onConfirm={actions.confirmDelete}
        onClose={() => actions.setDeleting(undefined)}
      />

      {inspectedMessage && (
        <ChatPromptInspector
          conversationId={conversationId}
          message={inspectedMessage}
          exchange={chat.exchanges.get(inspectedMessage.id)}
          onClose={() => {
            setInspected(undefined);
            inspectButtonRef.current?.focus();
          }}
        />
      )}
    </section>
  );
}
