import { test, expect, chromium } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("Chromium reports no installability errors", async ({ baseURL, launchOptions }) => {
  // Installability is never reported for incognito contexts: use a real profile.
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "hearth-pwa-")), {
    ...launchOptions,
    baseURL,
    viewport: { width: 360, height: 740 },
  });
  const page = await context.newPage();
  await page.goto("/");
  await page.waitForFunction(async () => !!(await navigator.serviceWorker.getRegistration()), undefined, { timeout: 20_000 });
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);
  const manifest = await cdp.send("Page.getAppManifest");
  expect(manifest.errors).toEqual([]);
  await context.close();
});

test("the offline page shows when the network is cut", async ({ page, context }) => {
  await page.goto("/");
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker.ready;
    return !!reg.active && reg.active.state === "activated";
  }, undefined, { timeout: 20_000 });
  // Let the worker take control of this page, then load once more under it.
  await page.reload();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, undefined, { timeout: 20_000 });
  await context.setOffline(true);
  await page.goto("/santa").catch(() => {});
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await context.setOffline(false);
});

test("the bottom navigation fits a 360 px phone with 44 px touch targets", async ({ page }) => {
  await page.goto("/");
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  // The four sections (Secret Santa, Events, Credit, Lunches) and Me.
  await expect(links).toHaveCount(5);
  for (const link of await links.all()) {
    const box = await link.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    expect(box!.width).toBeGreaterThanOrEqual(44);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  }
});

test("the shell assets are named by content, cached for good, and precached by the service worker", async ({ page, request }) => {
  await page.goto("/");
  const html = await page.content();
  const assets = [...new Set(html.match(/\/pkg\/hearth\.[A-Za-z0-9_-]+\.(js|wasm|css)/g) ?? [])];
  expect(assets.map((a) => a.split(".").pop()).sort()).toEqual(["css", "js", "wasm"]);
  for (const asset of assets) {
    const res = await request.get(asset);
    expect(res.ok()).toBeTruthy();
    expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  }
  const page_res = await request.get("/");
  expect(page_res.headers()["cache-control"]).toBe("no-cache");
  const sw = await (await request.get("/sw.js")).text();
  for (const asset of assets) expect(sw).toContain(`"${asset}"`);
  expect(sw).not.toContain("__HEARTH_");
});
