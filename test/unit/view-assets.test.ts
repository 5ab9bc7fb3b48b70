/** The viewer page's one-script bundle: no module syntax left, valid JS, no name declared twice. */
import { describe, expect, it } from "vitest";
import { joinModules, pageScript, toClassicScript, viewerPage } from "../../src/view/assets.js";

describe("viewer page script", () => {
  it("is one classic script that parses and keeps no import or export", () => {
    const js = pageScript();
    expect(js).not.toMatch(/^\s*(import|export)\b/m);
    expect(() => new Function(js)).not.toThrow();
  });

  it("refuses two modules declaring the same top-level name", () => {
    const a = toClassicScript('import { x } from "./b.js";\nexport function h() {}\n');
    const b = toClassicScript("export const h = 1;\n");
    expect(() => joinModules([a, b])).toThrow(/both declare h/);
    expect(joinModules([a])).toContain("function h()");
  });

  it("allows only its own inline script and style, by hash", () => {
    const { html, csp } = viewerPage({ kind: "static", data: { mode: "static", note: "</script><b>x" } });
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe");
    // Embedded data cannot close its script element.
    expect(html).not.toContain("</script><b>");
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });
});
