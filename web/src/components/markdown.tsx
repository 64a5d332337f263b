import type { ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";

/**
 * Model-written (or user-written) Markdown, rendered safely: raw HTML is never rendered (it shows as the
 * text it is), links keep only http, https and mailto targets and open in a new tab without referrer or
 * opener, and images become links (an external picture would be blocked by the page's CSP anyway, and
 * fetching it would tell a third party that the message was read).
 */

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/**
 * The URL to put in a link, or undefined to show no link: only absolute http, https and mailto URLs
 * pass (javascript:, data:, vbscript:, file:, relative and protocol-relative URLs do not). Pure, so it
 * can be unit tested.
 *
 * @example safeLinkUrl("https://example.com/a b") === "https://example.com/a%20b"
 * @example safeLinkUrl("javascript:alert(1)") === undefined
 */
export function safeLinkUrl(value: string | null | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    // No base: relative and protocol-relative ("//host") URLs fail to parse and are dropped.
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return undefined;
  if ((url.protocol === "http:" || url.protocol === "https:") && !url.hostname) return undefined;
  return url.href;
}

/** react-markdown's urlTransform: unsafe URLs become empty, and the components below drop the link. */
function transformUrl(value: string): string {
  return safeLinkUrl(value) ?? "";
}

/** A heading inside a chat message is emphasis, not part of the page's outline. */
function Heading({ children }: { children?: ReactNode }) {
  return (
    <p className="markdown-heading">
      <strong>{children}</strong>
    </p>
  );
}

const components: Components = {
  h1: Heading,
  h2: Heading,
  h3: Heading,
  h4: Heading,
  h5: Heading,
  h6: Heading,
  a({ href, children }) {
    const safe = safeLinkUrl(href);
    if (!safe) return <span className="markdown-dropped-link">{children}</span>;
    return (
      <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    );
  },
  img({ src, alt }) {
    const safe = typeof src === "string" ? safeLinkUrl(src) : undefined;
    const label = alt ? `Image: ${alt}` : "Image";
    if (!safe) return <span>[{label}]</span>;
    return (
      <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
        [{label}]
      </a>
    );
  },
};

export function Markdown({ children }: { children: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown urlTransform={transformUrl} components={components}>
        {children}
      </ReactMarkdown>
    </div>
  );
}
