/**
 * Text safe inside an XML element or attribute (TwiML, Azure's SSML, the placeholder renderer's SVG):
 * markup characters escaped, and the characters XML 1.0 forbids outright (most control characters, lone
 * surrogates) dropped, since a model's reply or a user's prompt can carry them and one makes the document
 * unreadable.
 *
 * @example escapeXml(`<a href="x">&'`) // "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
 */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these control characters outright
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}
