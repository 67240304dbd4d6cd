// The page kinds of Hearth with their first-visit budgets, and how to measure a first
// visit as a phone browser receives it: every response the page loads until its islands
// are hydrated (HTML + CSS + JS + wasm, encoded as on the wire), from a cold cache, summed
// from CDP's Network.loadingFinished. Used by the budget test (tests/budgets.spec.ts, in
// the README's test command) and by bench/pages (which adds slow-phone timings).
const { request } = require("@playwright/test");
const { execFileSync } = require("node:child_process");

const json = { Accept: "application/json" };

async function mailLink(api, email) {
  for (let i = 0; i < 100; i++) {
    const mails = await (await api.post("/api/dev_mailbox", { headers: json })).json();
    const mail = mails.find((m) => m.to === email && m.links.length > 0);
    if (mail) return mail.links[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${email}`);
}

let seq = 0;
async function member(base, name) {
  const api = await request.newContext({ baseURL: base });
  seq += 1;
  const email = `${name.toLowerCase()}.${Date.now()}.${seq}@example.com`;
  await api.post("/api/sign_up", { form: { email, display_name: name, password: "budget password", time_zone: "UTC" }, headers: json });
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

/** Lunches need an admin (the first code): with the server binary at hand (HEARTH_BIN and
 * its configuration in the environment, as scripts/test and bench/pages export them), Ann
 * becomes one, keeps a location and a food type, invites Bob with a code, both say when
 * they are free tomorrow and the matching proposes their lunch. */
async function lunchPages(ann, bob) {
  if (!process.env.HEARTH_BIN) throw new Error("HEARTH_BIN is not set: the lunch pages need `hearth admin grant`");
  execFileSync(process.env.HEARTH_BIN, ["admin", "grant", ann.email], { env: process.env, stdio: "pipe" });
  const stamp = `${Date.now()}`.slice(-6);
  await call(ann, "save_lunch_list_item", { list: "locations", name: `Budget office ${stamp}`, time_zone: "Europe/Paris" });
  await call(ann, "save_lunch_list_item", { list: "foods", name: `Budget soup ${stamp}` });
  const admin = await (await call(ann, "get_admin_lunches", {})).json();
  const location = admin.locations.find((l) => l.name.endsWith(stamp)).id;
  await call(ann, "create_lunch_code", {});
  const code = (await (await call(ann, "get_lunches_page", {})).json()).new_code;
  await call(bob, "join_lunches", { code });
  const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 10);
  for (const who of [ann, bob]) {
    await call(who, "save_lunch_profile", { location: `${location}` });
    await call(who, "save_lunch_window", { repeat: "date", date: tomorrow, from: "12:00", until: "13:30" });
    await call(who, "save_lunch_window", { repeat: "fri", from: "12:00", until: "14:00" });
  }
  await call(ann, "run_lunch_matching", {});
  const page = await (await call(ann, "get_lunches_page", {})).json();
  const lunch = [...page.proposed, ...page.upcoming][0];
  if (!lunch) throw new Error("the matching proposed no lunch");
  return [
    { name: "/lunches", path: "/lunches", who: ann, budget: 150 },
    { name: "a lunch", path: `/lunches/${lunch.id}`, who: ann, budget: 150 },
    { name: "the lunch feed", path: "/lunches/feed", who: bob, budget: 150 },
    { name: "join lunches (a code)", path: `/lunches/join?code=${code}`, who: null, budget: 100 },
    { name: "/admin/lunches", path: "/admin/lunches", who: ann, budget: 150 },
  ];
}

/** Makes a drawn three-member exchange and an unused link; returns the page kinds as
 * { name, path, who (a signed-in API context or null), budget (KB) } and the exchange id. */
async function preparePages(base) {
  const [ann, bob, cy] = [await member(base, "Ann"), await member(base, "Bob"), await member(base, "Cy")];
  const created = await call(ann, "create_exchange", { name: "Budget", spending_note: "", description: "" });
  const id = created.headers()["location"].split("/").pop();
  await call(ann, "invite_to_exchange", { id, addresses: `${bob.email} ${cy.email}` });
  await call(bob, "join_exchange", { id });
  await call(cy, "join_exchange", { id });
  const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 16);
  await call(ann, "draw_names", { id, reveal_at: tomorrow });
  const view = await (await call(ann, "get_exchange", { id })).json();
  // A link that nobody has used yet (its page is looked at, not pressed).
  const anon = await request.newContext({ baseURL: base });
  const dee = `dee.${Date.now()}@example.com`;
  await anon.post("/api/sign_up", { form: { email: dee, display_name: "Dee", password: "budget password", time_zone: "UTC" }, headers: json });
  const link = await mailLink(anon, dee);
  // An event: Ann organizes it, Bob is invited and has answered.
  const event = await call(ann, "create_event", {
    title: "Budget night", description: "Tea and talk.", online_link: "https://meet.example/budget",
    start_local: tomorrow, time_zone: "UTC", duration_minutes: "60", capacity: "",
  });
  const slug = event.headers()["location"].split("/").pop();
  await call(ann, "invite_to_event", { slug, addresses: bob.email });
  await call(ann, "publish_event", { slug });
  await call(bob, "answer_event", { slug, answer: "going" });
  const lunches = await lunchPages(ann, bob);
  const pages = [
    { name: "home", path: "/", who: null, budget: 100 },
    { name: "sign up", path: "/signup", who: null, budget: 150 },
    { name: "log in", path: "/login", who: null, budget: 100 },
    { name: "continue from a link", path: link.startsWith("http") ? new URL(link).pathname : link, who: null, budget: 100 },
    { name: "/me", path: "/me", who: ann, budget: 150 },
    { name: "/santa", path: "/santa", who: ann, budget: 150 },
    { name: "an exchange", path: `/santa/${id}`, who: ann, budget: 150 },
    { name: "a gift", path: `/santa/${id}/gift`, who: ann, budget: 150 },
    { name: "a present", path: `/santa/${id}/present`, who: ann, budget: 150 },
    { name: "the wall of shame", path: view.wall_path, who: null, budget: 150 },
    { name: "the dev mailbox", path: "/dev/mailbox", who: null, budget: 150 },
    { name: "/events", path: "/events", who: ann, budget: 150 },
    { name: "a new event", path: "/events/new", who: ann, budget: 150 },
    { name: "an event (organizer)", path: `/events/${slug}`, who: ann, budget: 150 },
    { name: "an event (invitee)", path: `/events/${slug}`, who: bob, budget: 150 },
    { name: "an event (preview)", path: `/events/${slug}`, who: null, budget: 100 },
    { name: "a sign-in problem", path: "/auth/problem?code=expired", who: null, budget: 100 },
    { name: "/vouchers", path: "/vouchers", who: bob, budget: 150 },
    { name: "redeem (from a mail)", path: "/vouchers/redeem?code=ABCD-EFGH-JKMN-PQRS", who: bob, budget: 150 },
    ...lunches,
  ];
  return { pages, id, ann };
}

/** KB received by a first visit of `path` in a fresh phone-sized context, the KB of a
 * second visit of the same page in that context (the shell assets come from the cache:
 * only the HTML should travel), and the page's heading (so a caller can check that the
 * page really rendered). */
async function firstVisit(browser, base, path, who) {
  const storageState = who ? await who.api.storageState() : undefined;
  // The service worker is kept out: what it fetches would not show in the page's network
  // events, and this measures what HTTP caching alone gives (the worker precaches the same
  // hashed files).
  const context = await browser.newContext({
    baseURL: base,
    viewport: { width: 360, height: 740 },
    isMobile: true,
    storageState,
    serviceWorkers: "block",
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
  const load = async () => {
    await page.goto(path, { waitUntil: "networkidle" });
    await page.waitForFunction(() => window.__hearth_hydrated === true, undefined, { timeout: 20_000 });
    await page.waitForLoadState("networkidle");
  };
  await load();
  const heading = await page.locator("h1").first().innerText();
  const first = bytes;
  bytes = 0;
  await load();
  await context.close();
  return { kb: first / 1024, againKb: bytes / 1024, heading };
}

function table(rows) {
  const lines = ["  page                      KB   budget        again KB"];
  for (const { name, kb, budget, againKb } of rows) {
    const again = againKb === undefined ? "" : againKb.toFixed(1).padStart(9);
    lines.push(`  ${name.padEnd(22)} ${kb.toFixed(1).padStart(7)}   ${String(budget).padStart(3)}  ${(kb <= budget ? "ok" : "OVER").padEnd(4)}  ${again}`);
  }
  return lines.join("\n");
}

module.exports = { preparePages, firstVisit, table };
