import { useQuery } from "@tanstack/react-query";
import { mediaKeys } from "../lib/query-keys-media.ts";
import { loadMediaModels } from "./media-requests.ts";
import { usePersonaForm } from "./persona-form-context.tsx";
import { CheckboxField, NumberField, SelectField } from "./persona-form-fields.tsx";
import { ErrorNotice } from "./notice.tsx";

/**
 * How the persona's pictures and videos are made (`media`): which image and video model (the server's
 * default when none is chosen), how long and how good its videos are, and whether they are priority
 * videos. Only editable while Media generation is on.
 */
export function PersonaMediaFields() {
  const form = usePersonaForm();
  const enabled = form.valueAt("features.media_generation") === true;
  const images = useQuery({
    queryKey: mediaKeys.models("image"),
    queryFn: ({ signal }) => loadMediaModels("image", signal),
    staleTime: 60_000,
  });
  const videos = useQuery({
    queryKey: mediaKeys.models("video"),
    queryFn: ({ signal }) => loadMediaModels("video", signal),
    staleTime: 60_000,
  });

  /** The models offered, plus the one saved if the server no longer lists it (so it is not lost). */
  const optionsFor = (models: typeof images.data, path: string) => {
    const options = (models ?? []).map((model) => ({ value: model.id, label: model.label }));
    const saved = form.valueAt(path);
    if (typeof saved === "string" && !options.some((option) => option.value === saved))
      options.unshift({ value: saved, label: `${saved} (not available on this server)` });
    return options;
  };

  return (
    <fieldset className="persona-media-fields" disabled={!enabled}>
      <legend>Pictures and videos</legend>
      {!enabled && <p className="field-hint">Turn on Media generation above to choose how they are made.</p>}
      <ErrorNotice error={images.error ?? videos.error} />
      <div className="form-grid">
        <SelectField
          path="media.image_model"
          label="Image model"
          options={optionsFor(images.data, "media.image_model")}
          nullable
          nullLabel="Server default"
        />
        <SelectField
          path="media.video_model"
          label="Video model"
          options={optionsFor(videos.data, "media.video_model")}
          nullable
          nullLabel="Server default"
        />
        <NumberField path="media.video_seconds" label="Video length (seconds)" min={1} max={20} step={1} />
        <SelectField
          path="media.video_quality"
          label="Video quality"
          options={[
            { value: "standard", label: "Standard" },
            { value: "high", label: "High" },
          ]}
        />
      </div>
      <CheckboxField
        path="media.priority_video"
        label="Priority videos"
        hint="Videos are made ahead of the queue (billed as priority videos)."
      />
    </fieldset>
  );
}
