// The typed SDK in a few lines: create a persona, start a conversation, stream a reply.
// Run it against a running server (`npm start`) with the admin key it printed on first start:
//   DRAMATIS_API_KEY=dra_... node docs/examples/sdk-quickstart.mjs  (DRAMATIS_URL: another server)
import { createDramatisClient, streamReply, unwrap } from "@dramatis/sdk";

/**
 * Creates a persona and chats once; `fetch` lets the test suite run it against the app in process.
 * @param {{ baseUrl: string, apiKey: string, user?: string, fetch?: (request: Request) => Promise<Response>,
 *   write?: (text: string) => void }} options
 */
export async function quickstart({
  baseUrl,
  apiKey,
  user = "sdk-example",
  fetch,
  write = (text) => {
    process.stdout.write(text);
  },
}) {
  const client = createDramatisClient({ baseUrl, apiKey, user, ...(fetch ? { fetch } : {}) });
  const persona = await unwrap(
    client.POST("/v1/personas", {
      body: { name: "Marlowe", personality: "dry, observant, kind underneath" },
    }),
  );
  const conversation = await unwrap(client.POST("/v1/conversations", { body: { persona_id: persona.id } }));
  let reply = "";
  for await (const event of streamReply(client, conversation.id, { content: "Who are you?" })) {
    if (event.type === "message-delta") {
      reply += event.text;
      write(event.text);
    }
  }
  write("\n");
  return { persona, conversation, reply };
}

if (import.meta.url === new URL(process.argv[1] ?? "", "file://").href) {
  const apiKey = process.env.DRAMATIS_API_KEY;
  if (!apiKey) {
    console.error("Set DRAMATIS_API_KEY to an API key (the admin key `npm start` printed on first start).");
    process.exit(2);
  }
  await quickstart({ baseUrl: process.env.DRAMATIS_URL ?? "http://127.0.0.1:8787", apiKey });
}
