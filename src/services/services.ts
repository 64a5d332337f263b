import type { Clock } from "../lib/clock.ts";
import type { Store } from "../store/store.ts";
import { ApiKeyService } from "./api-key-service.ts";
import { PersonaService } from "./persona-service.ts";
import { TenantService } from "./tenant-service.ts";
import { UserPersonaService } from "./user-persona-service.ts";
import { UserService } from "./user-service.ts";

/** Every domain service, wired over one store and one clock. */
export interface Services {
  readonly store: Store;
  readonly clock: Clock;
  readonly apiKeys: ApiKeyService;
  readonly tenants: TenantService;
  readonly users: UserService;
  readonly personas: PersonaService;
  readonly userPersonas: UserPersonaService;
}

export function createServices(store: Store, clock: Clock): Services {
  const apiKeys = new ApiKeyService(store, clock);
  return {
    store,
    clock,
    apiKeys,
    tenants: new TenantService(store, apiKeys, clock),
    users: new UserService(store, clock),
    personas: new PersonaService(store, clock),
    userPersonas: new UserPersonaService(store, clock),
  };
}
