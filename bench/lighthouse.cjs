// Lighthouse 12's mobile preset (simulated mid-range phone, slow 4G) on every page kind, in
// Debian's Chromium: performance score, LCP and TBT. Run by bench/lighthouse (which
// installs lighthouse from npm and starts the server). Measures; it does not fail.
const { execFileSync } = require("node:child_process");
const { preparePages } = require("../end2end/pages.cjs");

const BASE = process.env.HEARTH_BENCH_URL;
const LH = process.env.LIGHTHOUSE_BIN;

(async () => {
  const { pages } = await preparePages(BASE);
  console.log(`\nLighthouse ${execFileSync(LH, ["--version"]).toString().trim()}, mobile preset, performance`);
  console.log("  page                    score    LCP ms    TBT ms   [aim score >= 95]");
  for (const p of pages) {
    const headers = {};
    if (p.who) {
      const { cookies } = await p.who.api.storageState();
      headers.Cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    }
    const out = execFileSync(LH, [
      BASE + p.path,
      "--quiet",
      "--only-categories=performance",
      "--output=json",
      "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
      `--extra-headers=${JSON.stringify(headers)}`,
    ], { env: { ...process.env, CHROME_PATH: "/usr/bin/chromium" }, maxBuffer: 64 * 1024 * 1024 });
    const r = JSON.parse(out.toString());
    const score = Math.round(r.categories.performance.score * 100);
    const lcp = r.audits["largest-contentful-paint"].numericValue;
    const tbt = r.audits["total-blocking-time"].numericValue;
    console.log(`  ${p.name.padEnd(22)} ${String(score).padStart(6)} ${lcp.toFixed(0).padStart(9)} ${tbt.toFixed(0).padStart(9)}`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
