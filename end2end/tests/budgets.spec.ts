import { test, expect } from "@playwright/test";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { preparePages, firstVisit, table } = require("../pages.cjs");

// Sizes are deterministic (same build, same data shapes), so this is a gate, not a timing:
// the first visit of every page kind, as a phone receives it, must stay inside its budget.
test("every page kind's first visit stays inside its transfer budget", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const { pages } = await preparePages(baseURL);
  const rows = [];
  for (const p of pages) {
    const { kb, againKb, heading } = await firstVisit(browser, baseURL, p.path, p.who);
    // The page really rendered (not an error page that happens to be small).
    expect(heading.length, `${p.name} has a heading`).toBeGreaterThan(0);
    expect(heading, `${p.name} is not an error page`).not.toMatch(/not found|please log in/i);
    rows.push({ ...p, kb, againKb });
  }
  console.log(`\nFirst visit per page kind (KB, encoded bytes on the wire until hydrated)\n${table(rows)}`);
  for (const r of rows) expect(r.kb, `${r.name}: ${r.kb.toFixed(1)} KB against ${r.budget} KB`).toBeLessThanOrEqual(r.budget);
  // A second visit transfers the page's HTML only: the hashed shell assets are cached for good.
  for (const r of rows) expect(r.againKb, `${r.name} again: ${r.againKb.toFixed(1)} KB`).toBeLessThan(12);
});
