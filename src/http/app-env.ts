import type { Logger } from "pino";
import type { AccountSummary } from "../services/account-service.ts";
import type { ApiKeyPrincipal } from "../services/api-key-service.ts";
import type { RateLimitDecision } from "../rate-limits/rate-limits.ts";
import type { Services } from "../composition/create-services.ts";

/** What every request handler can reach through `c.var`. */
export interface AppEnv {
  Variables: {
    services: Services;
    logger: Logger;
    principal: ApiKeyPrincipal;
    /** set when the request came from a signed-in web session rather than an API key */
    account: AccountSummary | undefined;
    sessionToken: string | undefined;
    csrfToken: string | undefined;
    /** the address rate limits count against (the socket's, or X-Forwarded-For's under DRAMATIS_TRUST_PROXY) */
    clientAddress: string;
    /** set once the request is counted: what the RateLimit headers report */
    rateLimit: RateLimitDecision | undefined;
  };
}
