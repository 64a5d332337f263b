import { useEffect, useId, useRef, useState } from "react";
import { ApiError, client, unwrap } from "../lib/api.ts";
import { ATTACHMENT_TYPES, readPictureAsDataUrl } from "./media-requests.ts";
import { ModelPicker } from "./model-picker.tsx";
import { ErrorNotice } from "./notice.tsx";
import { usePersonaForm } from "./persona-form-context.tsx";
import { PersonaSuggestion, type AssistAnswer } from "./persona-suggestion.tsx";

/**
 * The server's reason for refusing the picture (e.g. "offline/… cannot see pictures: choose a model that
 * takes images"), in its own words; other failures go to ErrorNotice.
 */
function pictureRefusal(error: unknown): string | undefined {
  return error instanceof ApiError ? error.fieldMessage("image") : undefined;
}

/**
 * "Describe from a photo": the user picks a picture and a model that can see (the persona's by default);
 * the picture goes to POST /v1/personas/assist (describe_appearance) as a data: URL, and the model's
 * description is offered to accept into the appearance description, as the written assist's is.
 */
export function PersonaPhotoDescribe({ onAccept }: { onAccept: (text: string) => void }) {
  const id = useId();
  const form = usePersonaForm();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  const [photo, setPhoto] = useState<{ name: string; dataUrl: string } | undefined>(undefined);
  const [model, setModel] = useState<string | null>(form.definition.model ?? null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [answer, setAnswer] = useState<{ result: AssistAnswer; count: number } | undefined>(undefined);
  const disabled = form.disabled || busy;

  // Focus the picker's first control when the panel opens, so keyboard users land in it.
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  const choose = async (file: File) => {
    setError(undefined);
    try {
      setPhoto({ name: file.name, dataUrl: await readPictureAsDataUrl(file) });
    } catch (failure) {
      setPhoto(undefined);
      setError(failure);
    }
  };

  const describe = async () => {
    if (!photo) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await unwrap(
        client.POST("/v1/personas/assist", {
          body: {
            task: "describe_appearance",
            definition: form.definition,
            image: photo.dataUrl,
            ...(model ? { model } : {}),
          },
        }),
      );
      setAnswer((current) => ({ result, count: (current?.count ?? 0) + 1 }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <div className="button-row persona-photo-describe-open">
        <button type="button" disabled={form.disabled} onClick={() => setOpen(true)}>
          Describe from a photo
        </button>
      </div>
    );
  }

  const refusal = pictureRefusal(error);
  return (
    <div className="persona-photo-describe" role="region" aria-label="Describe from a photo">
      <p className="field-hint">
        A model that can see pictures describes the person in the photo; you review the text before it
        replaces the appearance description.
      </p>
      <div className="persona-photo-describe-pick">
        {photo && <img src={photo.dataUrl} alt={`The photo chosen, ${photo.name}`} width={72} height={72} />}
        <div className="field">
          <label htmlFor={`${id}-photo`}>Photo</label>
          <input
            ref={input}
            id={`${id}-photo`}
            type="file"
            accept={ATTACHMENT_TYPES.join(",")}
            disabled={disabled}
            aria-describedby={`${id}-photo-hint`}
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void choose(file);
            }}
          />
          <span id={`${id}-photo-hint`} className="field-hint">
            {photo ? `Chosen: ${photo.name}. Choose another to replace it. ` : ""}PNG, JPEG, WebP or GIF up to
            5 MB.
          </span>
        </div>
      </div>
      <ModelPicker
        label="Model that looks at the photo"
        value={model}
        onChange={setModel}
        hint="It must take pictures (such as GPT-4o, Claude or LLaVA); text-only models cannot see the photo."
        disabled={disabled}
      />
      <div className="button-row">
        <button
          type="button"
          className="button-primary"
          disabled={disabled || !photo}
          onClick={() => void describe()}
        >
          {busy ? "Looking…" : "Describe the photo"}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setOpen(false);
            setError(undefined);
          }}
        >
          Close
        </button>
      </div>
      {refusal ? (
        <p className="notice notice-error" role="alert">
          {refusal}
        </p>
      ) : (
        <ErrorNotice error={error} />
      )}
      {answer && (
        <PersonaSuggestion
          key={answer.count}
          answer={answer.result}
          onAccept={(text) => {
            onAccept(text);
            setAnswer(undefined);
            setOpen(false);
          }}
          onDiscard={() => setAnswer(undefined)}
        />
      )}
    </div>
  );
}
