import type { Context } from "hono";
import { BadRequestError, PayloadTooLargeError } from "../errors/app-error.ts";
import type { AppEnv } from "./app-env.ts";

/** A file a client sent: its bytes, the name it gave, and the form's other text fields. */
export interface FileUpload {
  bytes: Uint8Array;
  fileName: string | undefined;
  /** a text field of the multipart form, else the query parameter of that name; undefined when empty */
  field(name: string): string | undefined;
}

/**
 * Reads an uploaded file: a multipart form's `file` field, or the raw body. A declared length past
 * `maxBytes` (plus room for the form's own bytes) is refused before anything is read.
 *
 * @example const upload = await readFileUpload(c, 5 * 1024 * 1024, "the picture");
 */
export async function readFileUpload(
  c: Context<AppEnv>,
  maxBytes: number,
  what: string,
): Promise<FileUpload> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes + 64 * 1024) throw new PayloadTooLargeError(maxBytes);
  const query = (name: string) => c.req.query(name) || undefined;
  const contentType = (c.req.header("content-type") ?? "").toLowerCase();
  if (!contentType.startsWith("multipart/form-data")) {
    return { bytes: new Uint8Array(await c.req.arrayBuffer()), fileName: query("file_name"), field: query };
  }
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw new BadRequestError(
      `the body is not a valid multipart form (check the boundary): send ${what} in a field named 'file'`,
      [{ field: "file", message: "unreadable multipart body" }],
    );
  }
  const file = form.get("file");
  if (!(file instanceof File)) {
    throw new BadRequestError(`the multipart form must carry ${what} in a field named 'file'`, [
      { field: "file", message: "required" },
    ]);
  }
  return {
    bytes: new Uint8Array(await file.arrayBuffer()),
    fileName: file.name || undefined,
    field: (name) => {
      const value = form.get(name);
      return typeof value === "string" && value !== "" ? value : query(name);
    },
  };
}
