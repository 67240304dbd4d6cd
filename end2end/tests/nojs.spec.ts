import { test, expect } from "@playwright/test";
import { freshEmail } from "./helpers";

test.use({ javaScriptEnabled: false });

test("the sign-up form works with JavaScript disabled", async ({ page }) => {
  const email = freshEmail("dan");
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Your name").fill("Dan");
  await page.getByLabel("Password").fill("a long password");
  await page.getByLabel("Time zone").fill("Europe/Paris");
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText(email);
});

test("without JavaScript a sign-up mistake comes back as a readable message", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill("not-an-address@");
  await page.getByLabel("Email").evaluate((el: HTMLInputElement) => (el.type = "text"));
  await page.getByLabel("Your name").fill("Eve");
  await page.getByLabel("Password").fill("a long password");
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page.getByRole("alert")).toContainText("doesn't look like an email address");
});

test("log in and continue from an emailed link work with JavaScript disabled", async ({ page, request }) => {
  const email = freshEmail("fay");
  await request.post("/api/sign_up", {
    form: { email, display_name: "Fay", password: "a long password", time_zone: "UTC" },
    headers: { Accept: "application/json" },
  });
  await page.goto("/login?next=/events");
  const pw = page.locator("section", { hasText: "Forgot your password?" });
  await pw.getByLabel("Email").fill(email);
  await pw.getByLabel("Password").fill("a long password");
  await pw.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/events$/);
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "Hi, Fay" })).toBeVisible();
});
