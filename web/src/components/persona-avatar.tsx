/**
 * A persona's picture: the uploaded avatar, or the generated one the server makes when there is none.
 * `revision` (e.g. the persona's updated_at) busts the browser cache after an upload.
 */
export function PersonaAvatar({
  personaId,
  name,
  revision,
  size = "normal",
}: {
  personaId: string;
  name: string;
  revision?: string | number | undefined;
  size?: "normal" | "large";
}) {
  const source = `/v1/personas/${encodeURIComponent(personaId)}/avatar${revision === undefined ? "" : `?v=${encodeURIComponent(String(revision))}`}`;
  return (
    <img
      className={size === "large" ? "avatar avatar-large" : "avatar"}
      src={source}
      alt={`${name}'s avatar`}
      loading="lazy"
      width={size === "large" ? 112 : 48}
      height={size === "large" ? 112 : 48}
    />
  );
}
