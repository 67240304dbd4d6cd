import { test, expect } from "@playwright/test";
import { freshEmail, followMailLink } from "./helpers";

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
  // What was typed comes back (the password does not).
  await expect(page.getByLabel("Email")).toHaveValue("not-an-address@");
  await expect(page.getByLabel("Your name")).toHaveValue("Eve");
  await expect(page.getByLabel("Password")).toHaveValue("");
});

test("continue from an emailed link, then log in, with JavaScript disabled", async ({ page, request }) => {
  const email = freshEmail("fay");
  await request.post("/api/sign_up", {
    form: { email, display_name: "Fay", password: "a long password", time_zone: "UTC", next: "/santa" },
    headers: { Accept: "application/json" },
  });
  // An unconfirmed address cannot log in with its password.
  await page.goto("/login");
  let pw = page.locator("section", { hasText: "Forgot your password?" });
  await pw.getByLabel("Email").fill(email);
  await pw.getByLabel("Password").fill("a long password");
  await pw.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert").first()).toContainText("confirm your email address first");
  // The emailed link: its page, its button (a plain form post), and the page it is about.
  await followMailLink(page, email, "Confirm your email for Hearth");
  await expect(page).toHaveURL(/\/l\/[A-Za-z0-9_-]{43}$/);
  // Signed up elsewhere (another client): the page asks for the password, to keep it.
  await page.getByLabel("Password chosen at sign-up (optional)").fill("a long password");
  await page.getByRole("button", { name: "Continue as Fay" }).click();
  await expect(page).toHaveURL(/\/santa$/);
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "Hi, Fay" })).toBeVisible();
  // Signed out again, the password now works.
  await page.context().clearCookies();
  await page.goto("/login?next=/events");
  pw = page.locator("section", { hasText: "Forgot your password?" });
  await pw.getByLabel("Email").fill(email);
  await pw.getByLabel("Password").fill("a long password");
  await pw.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/events$/);
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "Hi, Fay" })).toBeVisible();
});
