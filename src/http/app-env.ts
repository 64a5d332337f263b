import type { Logger } from "pino";
import type { ApiKeyPrincipal } from "../services/api-key-service.ts";
import type { Services } from "../services/services.ts";

/** What every request handler can reach through `c.var`. */
export interface AppEnv {
  Variables: {
    services: Services;
    logger: Logger;
    principal: ApiKeyPrincipal;
  };
}
