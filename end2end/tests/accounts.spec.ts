import { test, expect } from "@playwright/test";
import { freshEmail, followMailLink, waitForHydration } from "./helpers";

test("sign up, open the verification mail, follow its link and land signed in", async ({ page }) => {
  const email = freshEmail("ann");
  await page.goto("/signup");
  await waitForHydration(page);
  // Filled in from the browser's Intl time zone once hydrated.
  await expect(page.getByLabel("Time zone")).not.toHaveValue("");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Your name").fill("Ann");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText(email);

  await followMailLink(page, email, "Confirm your email for Hearth");
  await expect(page.getByRole("heading", { name: "Confirm your email" })).toBeVisible();
  const linkUrl = page.url();
  await page.getByRole("button", { name: "Continue as Ann" }).click();
  await expect(page.getByText("Welcome back, Ann.")).toBeVisible();

  await page.goto("/me");
  await expect(page.getByText("✓ confirmed")).toBeVisible();

  // The same link a second time is refused and offers to log in.
  await page.goto(linkUrl);
  await expect(page.getByRole("heading", { name: "This link can't be used" })).toBeVisible();
});

test("a sign-up error comes back on the sign-up page with what was typed", async ({ page }) => {
  const email = freshEmail("bob");
  await page.goto("/signup");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Your name").fill("Bob");
  await page.getByLabel("Password").fill("short");
  await page.getByLabel("Password").evaluate((el: HTMLInputElement) => el.removeAttribute("required"));
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("alert")).toContainText("at least 8 characters");
  await expect(page).toHaveURL(/\/signup\?/);
  await expect(page).not.toHaveURL(/short/);
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Your name")).toHaveValue("Bob");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
});

test("an emailed sign-in link for an unconfirmed address confirms it and lands on its page", async ({ page, request }) => {
  const email = freshEmail("cara");
  const res = await request.post("/api/sign_up", {
    form: { email, display_name: "Cara", password: "a long password", time_zone: "Europe/Paris" },
    headers: { Accept: "application/json" },
  });
  expect(res.ok()).toBeTruthy();

  await page.goto("/login?next=/lunches");
  await waitForHydration(page);
  const linkForm = page.locator("section", { hasText: "Or get a sign-in link by email" });
  await linkForm.getByLabel("Email").fill(email);
  await linkForm.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();

  // The address was never confirmed: the link mailed confirms it as it signs in.
  await followMailLink(page, email, "Confirm your email for Hearth");
  await page.getByRole("button", { name: "Continue as Cara" }).click();
  await expect(page).toHaveURL(/\/lunches$/);
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "Hi, Cara" })).toBeVisible();
  await expect(page.getByText("✓ confirmed")).toBeVisible();
});

test("a sent form's button says what is happening and cannot be pressed twice (an island)", async ({ page }) => {
  await page.goto("/forgot");
  await waitForHydration(page);
  // Keep the page where it is after the form is sent, as a slow network would.
  await page.evaluate(() => document.addEventListener("submit", (e) => e.preventDefault(), true));
  await page.getByLabel("Email").fill(freshEmail("gus"));
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  const busy = page.getByRole("button", { name: "Sending…" });
  await expect(busy).toBeDisabled();
  await expect(busy).toHaveAttribute("aria-busy", "true");
});
