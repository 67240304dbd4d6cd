import { test, expect } from "@playwright/test";
import { freshEmail, newPerson, shot, waitForHydration } from "./helpers";

test("continue with the test provider: its login page, then back in Hearth, signed in, where the journey began", async ({ browser, baseURL }) => {
  const page = await newPerson(browser, baseURL);
  const email = freshEmail("olive");
  await page.goto("/events");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await shot(page, "login-providers");
  await page.getByRole("link", { name: "Continue with Test provider" }).click();

  // The provider's own login page (another origin).
  await expect(page.locator("#username")).toBeVisible();
  expect(new URL(page.url()).origin).not.toBe(new URL(baseURL!).origin);
  await page.locator("#username").fill(`name=Olive Oak:${email}`);
  await page.locator("#sign-in").click();

  // Back in Hearth: the name asked once (prefilled), then signed in on /events.
  await expect(page.getByRole("heading", { name: "Welcome to Hearth" })).toBeVisible();
  await expect(page.getByLabel("Your name")).toHaveValue("Olive Oak");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Create my account" }).click();
  await expect(page).toHaveURL(/\/events$/);
  await expect(page.getByRole("link", { name: "New event" })).toBeVisible();
  await page.goto("/me");
  await expect(page.getByRole("heading", { name: "Hi, Olive Oak" })).toBeVisible();
  await expect(page.getByText(`Test provider (${email})`)).toBeVisible();
});
