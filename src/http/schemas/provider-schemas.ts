import {
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
export const providerInputSchema = documentSchema(plainProviderInputSchema, "ProviderInput");

export const providerPatchSchema = documentSchema(plainProviderPatchSchema, "ProviderPatch");
