import { parseOutboundAllowList } from "../lib/outbound-allow-list.ts";
import { OutboundGuard } from "../lib/outbound-guard.ts";
import {
  probeLocalServer,
  type LocalServerAddress,
  type LocalServerKind,
  type LocalServerProbe,
} from "../models/local-model-servers.ts";
import type { Store } from "../store/store.ts";

/** Asks one fixed address for its models (injected so tests and the service never fetch themselves). */
export type ProbeLocalServer = (address: LocalServerAddress) => Promise<LocalServerProbe>;

/**
 * Who may reach the model servers on the server's own machine, and how.
 *
 * The outbound guard refuses loopback for every tenant-supplied URL: a tenant must not reach the
 * server's own network. A model server on the same machine is the one exception a self-hosted install
 * wants, so it is made narrowly:
 * - only the fixed addresses discovery probes (DRAMATIS_LOCAL_MODEL_SERVERS, or the well-known ports),
 *   never an address from a request;
 * - only for the operator's tenant (the one a single self-hosted install has; hosted tenants never
 *   reach the operator's machine);
 * - only a provider whose base URL is exactly such a server's `<origin>/v1`; its calls then go through a
 *   guard that allows that one host and port and nothing else (redirects are still checked).
 * `DRAMATIS_LOCAL_MODEL_SERVERS=off` turns discovery and the exception off.
 */
export class LocalServerAccess {
  private readonly store: Store;
  private readonly addresses: readonly LocalServerAddress[];
  private readonly probe: ProbeLocalServer;
  private readonly guards = new Map<string, OutboundGuard>();
  private readonly operatorTenants = new Map<string, boolean>();

  constructor(dependencies: {
    store: Store;
    /** the fixed addresses to probe; empty: discovery is off */
    addresses: readonly LocalServerAddress[];
    probe?: ProbeLocalServer;
  }) {
    this.store = dependencies.store;
    this.addresses = dependencies.addresses;
    this.probe = dependencies.probe ?? ((address) => probeLocalServer(address));
  }

  /** Whether this tenant may discover and use the machine's local model servers. */
  async mayUse(tenantId: string): Promise<boolean> {
    if (this.addresses.length === 0) return false;
    let operator = this.operatorTenants.get(tenantId);
    if (operator === undefined) {
      operator = (await this.store.tenants.findById(tenantId))?.is_operator === 1;
      this.operatorTenants.set(tenantId, operator);
    }
    return operator;
  }

  /** The configured address of a kind, if any. */
  addressOf(kind: LocalServerKind): LocalServerAddress | undefined {
    return this.addresses.find((address) => address.kind === kind);
  }

  /** Probes every configured address at once. */
  probeAll(): Promise<LocalServerProbe[]> {
    return Promise.all(this.addresses.map((address) => this.probe(address)));
  }

  probeOne(address: LocalServerAddress): Promise<LocalServerProbe> {
    return this.probe(address);
  }

  /**
   * The guard a tenant provider with this base URL calls through when it is a discovered local server
   * the tenant may use: it lets exactly that server's host and port through. Undefined otherwise (the
   * provider uses the strict guard).
   */
  async guardFor(tenantId: string, baseUrl: string | null): Promise<OutboundGuard | undefined> {
    if (baseUrl === null) return undefined;
    const address = this.addresses.find((candidate) => sameApiRoot(baseUrl, `${candidate.origin}/v1`));
    if (!address || !(await this.mayUse(tenantId))) return undefined;
    let guard = this.guards.get(address.origin);
    if (!guard) {
      const url = new URL(address.origin);
      const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
      const host = url.hostname.includes(":") ? `[${url.hostname.replace(/^\[|\]$/g, "")}]` : url.hostname;
      guard = new OutboundGuard({ allow: parseOutboundAllowList(`${host}:${port}`) });
      this.guards.set(address.origin, guard);
    }
    return guard;
  }
}

/** True when two API roots are the same URL, a trailing slash aside. */
export function sameApiRoot(left: string, right: string): boolean {
  const normalise = (text: string) => {
    try {
      const url = new URL(text);
      return `${url.origin}${url.pathname.replace(/\/+$/, "")}${url.search}`;
    } catch {
      return text;
    }
  };
  return normalise(left) === normalise(right);
}
