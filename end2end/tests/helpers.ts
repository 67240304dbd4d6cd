import { expect, Browser, Page } from "@playwright/test";

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

/** A phone-sized browser of its own (its own cookies). */
export async function newPerson(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  return context.newPage();
}

/** Signs up and confirms the address from the dev mailbox. */
export async function signUpAndVerify(page: Page, name: string, email: string): Promise<void> {
  await page.goto("/signup");
  await finishSignUp(page, name, email);
  await expect(page.getByText(`Welcome back, ${name}.`)).toBeVisible();
}

/** On the sign-up page (opened from an invitation, with the address filled in, or not):
 * completes it, follows the confirmation mail and presses "Continue as NAME". */
export async function finishSignUp(page: Page, name: string, email: string): Promise<void> {
  await waitForHydration(page);
  const address = page.getByLabel("Email");
  if ((await address.inputValue()) === "") await address.fill(email);
  else await expect(address).toHaveValue(email);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await followMailLink(page, email, "Confirm your email for Hearth");
  await page.getByRole("button", { name: `Continue as ${name}` }).click();
}


/** Opens the dev mailbox and follows the link of the newest mail to `to` with `subject`
 * whose address matches `href`. */
export async function followMailLinkMatching(page: Page, to: string, subject: string, href: RegExp): Promise<void> {
  await expect(async () => {
    await page.goto("/dev/mailbox");
    await expect(page.locator("li.mail", { hasText: to }).filter({ hasText: subject }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const mail = page.locator("li.mail", { hasText: to }).filter({ hasText: subject }).first();
  const links = mail.locator("ul.links a");
  const n = await links.count();
  for (let i = 0; i < n; i++) {
    const h = (await links.nth(i).getAttribute("href")) ?? "";
    if (href.test(h)) {
      await page.goto(h);
      return;
    }
  }
  throw new Error(`no link matching ${href} in the mail "${subject}" to ${to}`);
}

/** Saves a screenshot when HEARTH_SCREENSHOTS names a folder (for looking at the pages). */
export async function shot(page: Page, name: string) {
  const dir = process.env.HEARTH_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** `minutes` from now, as a datetime-local value in UTC (the browser's zone here). */
export function localIn(minutes: number): string {
  const t = new Date(Date.now() + minutes * 60_000);
  t.setUTCSeconds(0, 0);
  return t.toISOString().slice(0, 16);
}
