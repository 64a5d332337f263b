import {
  userPersonaInputSchema as plainUserPersonaInputSchema,
  userPersonaPatchSchema as plainUserPersonaPatchSchema,
} from "../../services/user-persona-service.ts";
import { documentSchema } from "../openapi-documentation.ts";

export const userPersonaInputSchema = documentSchema(plainUserPersonaInputSchema, "UserPersonaInput");

export const userPersonaPatchSchema = documentSchema(plainUserPersonaPatchSchema, "UserPersonaPatch");
