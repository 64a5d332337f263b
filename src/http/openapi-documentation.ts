import {
  extendZodWithOpenApi,
  zodToOpenAPIRegistry,
  type ZodOpenAPIMetadata,
} from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// `.openapi()` exists once zod is extended; @hono/zod-openapi does that when it loads. Zod 4 copies
// methods onto each schema when it is built, so a service schema built before that (when a service module
// loads before the app) lacks the method: documentSchema calls the extended prototype's instead.
extendZodWithOpenApi(z);
const openapi = z.ZodType.prototype.openapi;

type OpenApiMetadata = Partial<ZodOpenAPIMetadata>;

/**
 * Gives a schema owned by a lower layer (services, research) its OpenAPI metadata: a component name,
 * a description, an example. Those layers use plain zod; the document is an HTTP concern.
 *
 * `.openapi()` alone would not do: it returns a decorated copy, and the objects, arrays and optional or
 * default wrappers the service already built around the original would never see it. So the metadata is
 * also registered on the original instance, where the generator finds it through every wrapper. The
 * decorated copy is returned for schemas http builds on top (`.extend()` of a named component keeps
 * its `$ref`).
 *
 * @example documentSchema(identitySchema, "PersonaIdentity");
 * @example documentSchema(modifiersSchema.shape.nsfw, { description: "Permanent" });
 */
export function documentSchema<T extends z.ZodType>(schema: T, metadata: OpenApiMetadata): T;
export function documentSchema<T extends z.ZodType>(schema: T, refId: string, metadata?: OpenApiMetadata): T;
export function documentSchema<T extends z.ZodType>(
  schema: T,
  refIdOrMetadata: string | OpenApiMetadata,
  metadata?: OpenApiMetadata,
): T {
  const documented = (
    typeof refIdOrMetadata === "string"
      ? openapi.call(schema, refIdOrMetadata, metadata)
      : openapi.call(schema, refIdOrMetadata)
  ) as T;
  const registered = zodToOpenAPIRegistry.get(documented);
  if (registered) zodToOpenAPIRegistry.add(schema, registered);
  return documented;
}
