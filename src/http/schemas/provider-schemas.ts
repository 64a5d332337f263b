import {
  providerCapabilitiesSchema as plainProviderCapabilitiesSchema,
  providerInputSchema as plainProviderInputSchema,
  providerPatchSchema as plainProviderPatchSchema,
} from "../../services/provider-service.ts";
import { documentSchema } from "../openapi-documentation.ts";

documentSchema(plainProviderInputSchema.shape.base_url, {
  description:
    "http(s) API root, without credentials (a key goes in api_key, where it is sealed). Loopback, " +
    "private, link-local and metadata addresses (in any notation, or a name resolving to one) are " +
    "refused with 422 `refused by the outbound policy` unless the operator allow-lists them " +
    "(DRAMATIS_OUTBOUND_ALLOW); every call and redirect is checked again",
});
documentSchema(plainProviderInputSchema.shape.api_key, {
  description: "Stored encrypted; never returned (responses say has_api_key)",
});
export const providerCapabilitiesSchema = documentSchema(
  plainProviderCapabilitiesSchema,
  "ProviderCapabilities",
  {
    description:
      "What a provider's models take beyond text. Each key is true (every model), false (none) or a list " +
      "of model-name globs (`*` any text, `?` one character, case-insensitive; matched against the model's " +
      "name and its part after the last `/`) naming the models that do; a key left out follows the model's " +
      "name (the built-in model families). images: `image_url` parts; audio: `input_audio` parts; files: " +
      "`file` parts such as PDFs; tools: `tools` and `tool_choice`; structured_output: `response_format` " +
      "json_object or json_schema. A request using what the persona's model cannot take is refused with a " +
      "400 naming the field. null or absent: every model follows its name; in a PATCH, null clears them",
    example: { images: ["house-model-*"], tools: true, structured_output: false },
  },
);
export const providerInputSchema = documentSchema(plainProviderInputSchema, "ProviderInput");

export const providerPatchSchema = documentSchema(plainProviderPatchSchema, "ProviderPatch");
