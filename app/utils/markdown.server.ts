import MarkdownIt from "markdown-it";

/**
 * Markdown → HTML that is safe to put in a page with dangerouslySetInnerHTML:
 * raw HTML in the source is escaped (html: false), link targets go through
 * markdown-it's validateLink (no javascript:, vbscript:, file: or non-image
 * data: URLs) and every link carries rel="noopener noreferrer".
 *
 * Used for vendor-authored texts (programme agreements, training modules).
 * This is the only way Markdown becomes HTML in the portal.
 */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const defaultLinkOpen: NonNullable<typeof md.renderer.rules.link_open> =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));

md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return md.render(source);
}
