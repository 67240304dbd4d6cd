// First-visit transfer per page kind (end2end/pages.cjs measures it; the budget test in
// the README's test command fails over budget) and, here only, the slow-phone timings of
// the exchange and gift pages. Measures; it does not fail. Run by bench/pages (which
// starts the server).
const { chromium } = require("@playwright/test");
const { preparePages, firstVisit, table } = require("../end2end/pages.cjs");

const BASE = process.env.HEARTH_BENCH_URL;

(async () => {
  const { pages, id, ann } = await preparePages(BASE);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const rows = [];
  for (const p of pages) {
    const { kb, againKb } = await firstVisit(browser, BASE, p.path, p.who);
    rows.push({ ...p, kb, againKb });
  }
  // A slow phone: CPU ×4 slower, 4G-like network (9 Mbit/s down, 150 ms round trip).
  const slow = [];
  for (const [name, path] of [["an exchange", `/santa/${id}`], ["a gift", `/santa/${id}/gift`]]) {
    const context = await browser.newContext({ baseURL: BASE, viewport: { width: 360, height: 740 }, isMobile: true, storageState: await ann.api.storageState() });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: (9e6 / 8), uploadThroughput: (1.5e6 / 8) });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await page.addInitScript(() => {
      window.__perf = { lcp: 0, longTasks: [] };
      new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.__perf.lcp = e.startTime))).observe({ type: "largest-contentful-paint", buffered: true });
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__perf.longTasks.push([e.startTime, e.duration]))).observe({ type: "longtask", buffered: true });
      const poll = () => (window.__hearth_hydrated ? (window.__perf.hydrated = performance.now()) : setTimeout(poll, 10));
      poll();
    });
    await page.goto(path, { waitUntil: "load" });
    await page.waitForFunction(() => window.__perf && window.__perf.hydrated, undefined, { timeout: 60_000 }).catch(() => {});
    await page.waitForTimeout(1000);
    const m = await page.evaluate(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0;
      const tbt = window.__perf.longTasks.filter(([start]) => start >= fcp).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
      return { fcp, lcp: window.__perf.lcp, tbt, hydrated: window.__perf.hydrated ?? NaN };
    });
    slow.push([name, m]);
    await context.close();
  }
  await browser.close();
  console.log("\nA slow phone (CPU x4, 9 Mbit/s, 150 ms RTT): milliseconds");
  console.log("  page                   FCP     LCP     TBT   hydrated   [aim LCP <= 1500, TBT <= 100]");
  for (const [name, m] of slow) {
    const f = (x) => (Number.isFinite(x) ? x.toFixed(0) : "n/a").padStart(7);
    console.log(`  ${name.padEnd(18)} ${f(m.fcp)} ${f(m.lcp)} ${f(m.tbt)} ${f(m.hydrated)}`);
  }
  console.log(`\nFirst visit per page kind (${new Date().toISOString().slice(0, 10)}; encoded bytes on the wire until hydrated)`);
  console.log(table(rows));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
