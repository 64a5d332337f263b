import net from "node:net";

/**
 * A loopback TCP proxy in front of a server that can cut every connection and refuse new ones, then let
 * them through again: how a test drops a browser's long-lived stream (offline emulation in Chromium
 * leaves an open stream alone) and holds its reconnects back for as long as it likes.
 *
 * @example
 * const cutter = await startConnectionCutter(server.url);
 * await page.goto(`${cutter.url}/scheduled`);
 * cutter.cut(); // ...the page's streams drop and its reconnects are refused...
 * cutter.restore();
 */
export interface ConnectionCutter {
  /** The proxy's address, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startConnectionCutter(targetUrl: string): Promise<ConnectionCutter> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
