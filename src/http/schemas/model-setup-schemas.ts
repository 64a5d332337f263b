import {
  defaultModelInputSchema as plainDefaultModelInputSchema,
  localServerInputSchema as plainLocalServerInputSchema,
} from "../../services/model-setup-service.ts";
import { downloadInputSchema as plainDownloadInputSchema } from "../../services/model-download-service.ts";
import { documentSchema } from "../openapi-documentation.ts";

documentSchema(plainDefaultModelInputSchema.shape.model, {
  description: "`provider/model` (see GET /v1/model-setup/models), or null for the server's default",
  example: "ollama/llama3.2",
});
export const defaultModelInputSchema = documentSchema(plainDefaultModelInputSchema, "DefaultModelInput");

documentSchema(plainLocalServerInputSchema.shape.kind, {
  description: "Which discovered server to add (GET /v1/model-setup/local-servers)",
});
export const localServerInputSchema = documentSchema(plainLocalServerInputSchema, "LocalModelServerInput");

documentSchema(plainDownloadInputSchema.shape.catalog_id, {
  description: "An id from GET /v1/model-setup/downloads/catalog",
});
export const downloadInputSchema = documentSchema(plainDownloadInputSchema, "ModelDownloadInput");
