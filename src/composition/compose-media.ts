import type { Clock } from "../lib/clock.ts";
import { createOfflineMedia } from "../media/offline-renderer.ts";
import { MediaRegistry } from "../media/media-registry.ts";
import type { RateLimits } from "../rate-limits/rate-limits.ts";
import { MediaGeneration } from "../services/media/media-generation.ts";
import { MediaService } from "../services/media/media-service.ts";
import type { PersonaAvatarService } from "../services/persona-avatar-service.ts";
import type { PersonaService } from "../services/persona-service.ts";
import type { BlobStore } from "../store/blob-store.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/** The gallery and the pictures and videos personas make, over the operator's media services. */
export function composeMedia(parts: {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  personas: PersonaService;
  personaAvatars: PersonaAvatarService;
  rateLimits: RateLimits;
  options: Pick<ServiceOptions, "jobs" | "media">;
}): Pick<Services, "media" | "mediaGeneration"> {
  const { store, blobs, clock, personas, personaAvatars, rateLimits, options } = parts;
  const media = new MediaService({ store, blobs, clock });
  const mediaGeneration = new MediaGeneration({
    store,
    blobs,
    clock,
    queue: options.jobs,
    registry: new MediaRegistry({
      // The embedded placeholder is always there: the default only when nothing else is configured.
      providers: [...(options.media?.providers ?? []), createOfflineMedia()],
      defaultImageModel: options.media?.defaultImageModel,
      defaultVideoModel: options.media?.defaultVideoModel,
    }),
    personas,
    avatars: personaAvatars,
    media,
    prices: options.media?.prices,
    limits: options.media?.limits,
    rateLimits,
  });
  return { media, mediaGeneration };
}
