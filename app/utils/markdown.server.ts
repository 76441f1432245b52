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

/**
 * Headings move down two levels (# → h3 … capped at h6): the text sits inside
 * a page that has its own h1 and section h2s, so the outline stays one tree.
 */
const demote = (tokens: { tag: string }[], idx: number) => {
  const t = tokens[idx]!;
  const level = Number(t.tag.slice(1));
  if (/^h[1-6]$/.test(t.tag)) t.tag = `h${Math.min(6, level + 2)}`;
};
md.core.ruler.push("demote_headings", (state) => {
  state.tokens.forEach((tok, i) => {
    if (tok.type === "heading_open" || tok.type === "heading_close") demote(state.tokens, i);
  });
});

export function renderMarkdown(source: string): string {
  return md.render(source);
}
