import { describe, expect, it } from "vitest";
import { renderMarkdown } from "~/utils/markdown.server";

describe("renderMarkdown", () => {
  it("renders headings, emphasis and lists", () => {
    const html = renderMarkdown("# Terms\n\nThe **partner** agrees:\n\n- one\n- two\n");
    // Headings sit two levels under the page's own h1 and h2.
    expect(html).toContain("<h3>Terms</h3>");
    expect(html).toContain("<strong>partner</strong>");
    expect(html).toContain("<li>one</li>");
  });

  it("keeps the outline: # → h3, ## → h4, deeper ones capped at h6", () => {
    const html = renderMarkdown("# One\n\n## Two\n\n##### Five\n");
    expect(html).toContain("<h3>One</h3>");
    expect(html).toContain("<h4>Two</h4>");
    expect(html).toContain("<h6>Five</h6>");
    expect(html).not.toMatch(/<h[12]/);
  });

  it("shows raw HTML in the source as text", () => {
    const html = renderMarkdown('Hello <script>alert(1)</script> <img src=x onerror="alert(2)">');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("gives links rel=noopener noreferrer and drops script URLs", () => {
    const html = renderMarkdown(
      "[site](https://vendor.test/terms) and https://auto.test and [bad](javascript:alert(1))",
    );
    expect(html).toContain('<a href="https://vendor.test/terms" rel="noopener noreferrer">site</a>');
    expect(html).toContain('<a href="https://auto.test" rel="noopener noreferrer">https://auto.test</a>');
    expect(html).not.toMatch(/href="javascript:/i);
  });
});
