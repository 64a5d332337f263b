import { useId, useState } from "react";
import { AvatarCrop } from "./avatar-crop.tsx";
import type { SquareCrop } from "./avatar-crop-geometry.ts";
import { useLiveMedia } from "./media-live.ts";
import { requestAvatarCandidates, setAvatarFromMedia, type Media } from "./media-requests.ts";
import { MediaStatus } from "./media-status.tsx";
import { ErrorNotice, Notice } from "./notice.tsx";
import "./media.css";
import "./persona-appearance.css";

/** How many portraits one request asks for (the server's most). */
const CANDIDATE_COUNT = 4;

type Busy = "request" | "save" | undefined;

/**
 * "Generate profile picture": asks the server for four portraits drawn from the persona's saved
 * appearance and art style, shows them as they finish (progress while being made, the reason when one
 * fails), and lets the user pick one, crop a square of it and make it the profile picture. The portraits
 * come from the saved draft, so unsaved changes are saved first (`onSaveFirst`). Without a saved persona
 * (`personaId` undefined) the button waits, saying why.
 */
export function PersonaAvatarGenerator({
  personaId,
  disabled,
  dirty,
  onSaveFirst,
  onSaved,
}: {
  personaId: string | undefined;
  disabled: boolean;
  /** The form has changes the saved draft lacks. */
  dirty: boolean;
  /** Saves the draft; false when that failed (the editor shows why). */
  onSaveFirst: () => Promise<boolean>;
  /** The profile picture changed; `revision` refreshes it wherever it is shown. */
  onSaved: (revision: string) => void;
}) {
  const id = useId();
  const [candidates, setCandidates] = useState<Media[] | undefined>(undefined);
  const [chosen, setChosen] = useState<Media | undefined>(undefined);
  const [crop, setCrop] = useState<SquareCrop | undefined>(undefined);
  const [busy, setBusy] = useState<Busy>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);

  const generate = async () => {
    if (!personaId) return;
    setBusy("request");
    setError(undefined);
    setSaved(false);
    try {
      if (dirty && !(await onSaveFirst())) return;
      const queued = await requestAvatarCandidates(personaId, CANDIDATE_COUNT);
      setCandidates(queued);
      setChosen(undefined);
      setCrop(undefined);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const save = async () => {
    if (!personaId || !chosen || !crop) return;
    setBusy("save");
    setError(undefined);
    try {
      const revision = await setAvatarFromMedia(personaId, chosen.id, {
        x: crop.x,
        y: crop.y,
        width: crop.size,
        height: crop.size,
      });
      onSaved(revision);
      setCandidates(undefined);
      setChosen(undefined);
      setCrop(undefined);
      setSaved(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const close = () => {
    setCandidates(undefined);
    setChosen(undefined);
    setCrop(undefined);
    setError(undefined);
  };

  return (
    <div className="avatar-generator">
      <div className="button-row">
        <button
          type="button"
          disabled={disabled || busy !== undefined || !personaId}
          aria-describedby={`${id}-hint`}
          onClick={() => void generate()}
        >
          {busy === "request" ? "Asking for pictures…" : "Generate profile picture"}
        </button>
        {candidates && (
          <button type="button" className="button-small" disabled={busy !== undefined} onClick={close}>
            Close
          </button>
        )}
      </div>
      <p id={`${id}-hint`} className="field-hint">
        {!personaId
          ? "Save the persona first: the pictures are drawn from its saved appearance description and art style."
          : dirty
            ? "Your unsaved changes are saved as the draft first: the pictures are drawn from the saved appearance description and art style."
            : `${CANDIDATE_COUNT} portraits from the appearance description and art style; pick one and crop it.`}
      </p>
      <div aria-live="polite">{saved && <Notice kind="success">Profile picture saved.</Notice>}</div>
      <ErrorNotice error={error} />
      {candidates && (
        <fieldset className="avatar-candidates" disabled={busy !== undefined}>
          <legend>Profile picture candidates</legend>
          <ul className="avatar-candidate-list" aria-label="Profile picture candidates">
            {candidates.map((candidate, index) => (
              <AvatarCandidate
                key={candidate.id}
                item={candidate}
                name={`${id}-candidate`}
                label={`Candidate ${index + 1}`}
                selected={chosen?.id === candidate.id}
                onSelect={(ready) => {
                  setChosen(ready);
                  setCrop(undefined);
                }}
              />
            ))}
          </ul>
        </fieldset>
      )}
      {candidates && chosen?.url && (
        <div className="avatar-crop-panel" role="region" aria-label="Crop the profile picture">
          <AvatarCrop
            key={chosen.id}
            src={chosen.url}
            alt="The chosen candidate, to crop"
            value={crop}
            onChange={setCrop}
          />
          <div className="button-row">
            <button
              type="button"
              className="button-primary"
              disabled={disabled || busy !== undefined || !crop}
              onClick={() => void save()}
            >
              {busy === "save" ? "Saving…" : "Use as profile picture"}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * One candidate as it stands: a picture to pick (a radio button, labelled when it is an offline
 * placeholder), its progress while being made, or why it failed.
 */
function AvatarCandidate({
  item: given,
  name,
  label,
  selected,
  onSelect,
}: {
  item: Media;
  name: string;
  label: string;
  selected: boolean;
  onSelect: (item: Media) => void;
}) {
  const item = useLiveMedia(given);
  return (
    <li className="avatar-candidate" data-status={item.status} data-selected={selected}>
      {item.status === "ready" && item.url ? (
        <label>
          <input type="radio" name={name} checked={selected} onChange={() => onSelect(item)} />
          <img src={item.url} alt="" width={120} height={120} decoding="async" />
          <span className="avatar-candidate-label">
            {label}
            {item.offline && (
              <>
                {" "}
                <span className="badge badge-warning">Offline placeholder</span>
              </>
            )}
          </span>
        </label>
      ) : (
        <>
          <span className="avatar-candidate-label">{label}</span>
          <MediaStatus item={item} />
        </>
      )}
    </li>
  );
}
