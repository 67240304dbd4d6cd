import { expect, Page } from "@playwright/test";

let counter = 0;
/** A fresh address per test run, so tests never collide with each other. */
export function freshEmail(prefix: string): string {
  counter += 1;
  return `${prefix}.${Date.now()}.${counter}@example.com`;
}

/** Opens the dev mailbox and follows the first link of the newest mail to `to` with `subject`. */
export async function followMailLink(page: Page, to: string, subject: string): Promise<void> {
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(page.locator("li.mail", { hasText: to }).filter({ hasText: subject }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const mail = page.locator("li.mail", { hasText: to }).filter({ hasText: subject }).first();
  await mail.locator("ul.links a").first().click();
}

/** Waits until the page has hydrated (the WebAssembly bundle took over). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as any).__hearth_hydrated === true, undefined, { timeout: 20_000 });
}
