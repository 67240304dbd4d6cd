// First-visit transfer per page kind, as a phone browser receives it: every response the
// page loads until it has hydrated (HTML + CSS + JS + wasm, as encoded on the wire), from a
// cold cache, summed from CDP's Network.loadingFinished. Prints a table against the budgets
// of the shape issue (100 KB: home, log in, continue-from-link; 150 KB: every other page).
// Measures; it does not fail. Run by bench/pages (which starts the server).
const { chromium, request } = require("@playwright/test");

const BASE = process.env.HEARTH_BENCH_URL;
const json = { Accept: "application/json" };

async function mailLink(api, email) {
  for (let i = 0; i < 50; i++) {
    const mails = await (await api.post("/api/dev_mailbox", { headers: json })).json();
    const mail = mails.find((m) => m.to === email && m.links.length > 0);
    if (mail) return mail.links[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${email}`);
}

async function member(name) {
  const api = await request.newContext({ baseURL: BASE });
  const email = `${name.toLowerCase()}.${Date.now()}@example.com`;
  await api.post("/api/sign_up", { form: { email, display_name: name, password: "bench password", time_zone: "UTC" }, headers: json });
  const link = await mailLink(api, email);
  const res = await api.post("/api/continue_link", { form: { token: link.split("/").pop() }, headers: json });
  if (!res.ok()) throw new Error(`${name} could not confirm: ${res.status()}`);
  return { api, email };
}

async function call(who, endpoint, form) {
  const res = await who.api.post(`/api/${endpoint}`, { form, headers: json });
  if (!res.ok()) throw new Error(`${endpoint}: ${res.status()} ${await res.text()}`);
  return res;
}

(async () => {
  const [ann, bob, cy] = [await member("Ann"), await member("Bob"), await member("Cy")];
  const created = await call(ann, "create_exchange", { name: "Budget", spending_note: "", description: "" });
  const id = created.headers()["location"].split("/").pop();
  await call(ann, "invite_to_exchange", { id, addresses: `${bob.email} ${cy.email}` });
  await call(bob, "join_exchange", { id });
  await call(cy, "join_exchange", { id });
  const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 16);
  await call(ann, "draw_names", { id, reveal_at: tomorrow });
  const view = await (await call(ann, "get_exchange", { id })).json();
  // A link that nobody has used yet (its page is looked at, not pressed).
  const anon = await request.newContext({ baseURL: BASE });
  const dee = `dee.${Date.now()}@example.com`;
  await anon.post("/api/sign_up", { form: { email: dee, display_name: "Dee", password: "bench password", time_zone: "UTC" }, headers: json });
  const link = await mailLink(anon, dee);

  const pages = [
    ["home", "/", null, 100],
    ["sign up", "/signup", null, 150],
    ["log in", "/login", null, 100],
    ["continue from a link", link, null, 100],
    ["/me", "/me", ann, 150],
    ["/santa", "/santa", ann, 150],
    ["an exchange", `/santa/${id}`, ann, 150],
    ["a gift", `/santa/${id}/gift`, ann, 150],
    ["a present", `/santa/${id}/present`, ann, 150],
    ["the wall of shame", view.wall_path, null, 150],
    ["the dev mailbox", "/dev/mailbox", null, 150],
  ];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const rows = [];
  for (const [name, path, who, budget] of pages) {
    const storageState = who ? await who.api.storageState() : undefined;
    const context = await browser.newContext({ baseURL: BASE, viewport: { width: 360, height: 740 }, isMobile: true, storageState });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
    await page.goto(path, { waitUntil: "networkidle" });
    await page.waitForFunction(() => window.__hearth_hydrated === true, undefined, { timeout: 20_000 }).catch(() => {});
    await page.waitForTimeout(300);
    const kb = bytes / 1024;
    rows.push([name, kb, budget]);
    await context.close();
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
  console.log("  page                      KB   budget");
  for (const [name, kb, budget] of rows) {
    console.log(`  ${name.padEnd(22)} ${kb.toFixed(1).padStart(7)}   ${String(budget).padStart(3)}  ${kb <= budget ? "ok" : "OVER"}`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
