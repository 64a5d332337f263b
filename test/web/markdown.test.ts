import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown, safeLinkUrl } from "../../web/src/components/markdown.tsx";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, null, text));

describe("chat Markdown", () => {
  it("keeps only absolute http, https and mailto links", () => {
    expect(safeLinkUrl("https://example.com/a?b=1")).toBe("https://example.com/a?b=1");
    expect(safeLinkUrl("mailto:ana@example.com")).toBe("mailto:ana@example.com");
    for (const unsafe of [
      "javascript:alert(1)",
      " JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
      "//evil.example/x",
      "/relative",
      "",
    ]) {
      expect(safeLinkUrl(unsafe), unsafe).toBeUndefined();
    }
  });

  it("renders raw HTML as text and drops javascript: links", () => {
    const html = render(
      'Hi <script>alert(1)</script> <img src=x onerror="alert(1)"> [click](javascript:alert(1)) [ok](https://example.com)',
    );
    expect(html).not.toMatch(/<script|<img|onerror="|href="javascript:/i);
    expect(html).toContain(">click</span>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toMatch(/<a [^>]*href="https:\/\/example.com\/"[^>]*rel="noopener noreferrer nofollow"/);
  });

  it("renders emphasis, lists and code", () => {
    const html = render("**bold** and _soft_\n\n- one\n- two\n\n`code`");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain("<code>code</code>");
  });
});
