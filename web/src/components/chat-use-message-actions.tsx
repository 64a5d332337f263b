import { useCallback, useEffect, useState } from "react";
import type { Schema } from "../lib/api.ts";
import { chooseAlternative, deleteMessage, editMessage } from "./chat-message-requests.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import type { useChatConversation } from "./chat-use-conversation.tsx";

type Message = Schema<"Message">;
type Chat = ReturnType<typeof useChatConversation>;

/**
 * The chat controls that change stored messages at once: choosing an alternative, editing in place
 * (which message is being edited, and focus back to its Edit button when done) and deleting after a
 * confirmation. Each updates the cached list with the server's answer, then reads the list back.
 */
export function useMessageActions(
  chat: Chat,
  conversationId: string,
  onActivity: () => void,
  onDeleted: (messageId: string) => void,
) {
  const { refresh, updateMessages, setControlError } = chat;
  const [editing, setEditing] = useState<string | undefined>(undefined);
  // The message whose editor just closed: its Edit button takes the focus back, once.
  const [editClosed, setEditClosed] = useState<string | undefined>(undefined);
  const [deleting, setDeleting] = useState<Message | undefined>(undefined);

  useEffect(() => {
    if (editClosed) setEditClosed(undefined);
  }, [editClosed]);
  useEffect(() => {
    setEditing(undefined);
    setDeleting(undefined);
  }, [conversationId]);

  const closeEditor = useCallback((messageId: string) => {
    setEditing(undefined);
    setEditClosed(messageId);
  }, []);

  async function choose(message: Message, index: number) {
    setControlError(undefined);
    try {
      const chosen = await chooseAlternative(conversationId, message.id, index);
      updateMessages(conversationId, (list) => (list ?? []).map((m) => (m.id === message.id ? chosen : m)));
      await refresh(conversationId);
    } catch (error) {
      setControlError(error);
    }
  }

  async function saveEdit(message: Message, content: string) {
    const edited = await editMessage(conversationId, message.id, content);
    // The answer may leave out the turn's alternative counts; keep those the list had.
    updateMessages(conversationId, (list) =>
      (list ?? []).map((m) => (m.id === message.id ? { ...m, ...edited } : m)),
    );
    closeEditor(message.id);
  }

  async function confirmDelete(message: Message) {
    await deleteMessage(conversationId, message.id);
    updateMessages(conversationId, (list) => (list ?? []).filter((m) => m.id !== message.id));
    onDeleted(message.id);
    await refresh(conversationId);
    onActivity();
  }

  return {
    editing,
    setEditing,
    editClosed,
    closeEditor,
    deleting,
    setDeleting,
    choose,
    saveEdit,
    confirmDelete,
  };
}

/** Asks before a message is deleted; names what goes with it. */
export function DeleteMessageDialog({
  message,
  personaName,
  onConfirm,
  onClose,
}: {
  message: Message | undefined;
  personaName: string;
  onConfirm: (message: Message) => Promise<void>;
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      open={message !== undefined}
      title="Delete this message?"
      confirmLabel="Delete message"
      onConfirm={() => (message ? onConfirm(message) : undefined)}
      onClose={onClose}
    >
      <p>
        {message?.role === "assistant"
          ? `${personaName}'s reply goes, with every alternative of it. `
          : "Your message goes from the conversation. "}
        This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
