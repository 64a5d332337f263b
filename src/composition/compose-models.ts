import type { Clock } from "../lib/clock.ts";
import type { OutboundGuard } from "../lib/outbound-guard.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { LocalServerAccess } from "../services/local-server-access.ts";
import { ModelDownloadService } from "../services/model-download-service.ts";
import { ModelSetupService } from "../services/model-setup-service.ts";
import { ProviderService } from "../services/provider-service.ts";
import type { Store } from "../store/store.ts";
import type { Services } from "./create-services.ts";
import type { ServiceOptions } from "./service-options.ts";

/**
 * Where models come from: tenants' providers, local model servers, default models, curated downloads.
 * The provider and setup services plug tenants' providers and default models into the registry.
 */
export function composeModels(parts: {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  outbound: OutboundGuard;
  options: Pick<
    ServiceOptions,
    "models" | "jobs" | "localModelServers" | "serverProviders" | "modelDownloads"
  >;
}): Pick<Services, "providers" | "modelSetup" | "modelDownloads"> {
  const { store, clock, secrets, outbound, options } = parts;
  const localServers = new LocalServerAccess({ store, addresses: options.localModelServers ?? [] });
  const providers = new ProviderService({
    store,
    clock,
    secrets,
    models: options.models,
    serverProviders: options.serverProviders ?? [],
    outbound,
    localServers,
  });
  const modelSetup = new ModelSetupService({
    store,
    clock,
    models: options.models,
    providers,
    localServers,
  });
  return {
    providers,
    modelSetup,
    modelDownloads: new ModelDownloadService({
      store,
      clock,
      queue: options.jobs,
      catalog: options.modelDownloads?.catalog ?? [],
      files: options.modelDownloads?.files,
    }),
  };
}
