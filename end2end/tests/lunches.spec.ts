import { test, expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { finishSignUp, followMailLinkMatching, freshEmail, newPerson, shot, signUpAndVerify, waitForHydration } from "./helpers";

/** `hearth admin grant EMAIL` with the server's configuration (scripts/test exports it). */
function grantAdmin(email: string) {
  const bin = process.env.HEARTH_BIN;
  if (!bin) throw new Error("HEARTH_BIN is not set (scripts/test sets it)");
  execFileSync(bin, ["admin", "grant", email], { env: process.env, stdio: "pipe" });
}

/** Tomorrow's date (the browser's zone is UTC here), as a date input takes it. */
function tomorrow(): string {
  return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
}

/** Fills the "Add a window" form for tomorrow and sends it. */
async function addWindow(p: Page, from: string, until: string) {
  await waitForHydration(p);
  const add = p.locator("form.window-form").last();
  await add.getByLabel("Date (for a one-off window)").fill(tomorrow());
  await add.getByLabel("From").fill(from);
  await add.getByLabel("Until").fill(until);
  await add.getByRole("button", { name: "Add window" }).click();
}

test("two members say when they are free, the matching proposes, both accept from their mail and the feed shows it anonymised", async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const [ada, bob] = [await newPerson(browser, baseURL), await newPerson(browser, baseURL)];
  const adaEmail = freshEmail("ada");
  const bobEmail = freshEmail("bob");
  const stamp = `${Date.now()}`.slice(-6);
  const office = `Office ${stamp}`;
  const soup = `Soup ${stamp}`;
  await signUpAndVerify(ada, "Ada", adaEmail);

  // Ada, made admin, keeps the lists: a duplicate name is refused and what was typed stays.
  expect((await ada.goto("/admin/lunches"))?.status()).toBe(404);
  grantAdmin(adaEmail);
  await ada.goto("/admin");
  await ada.getByRole("link", { name: /Lunches: food types/ }).click();
  await expect(ada.getByRole("heading", { name: "Lunches", level: 1 })).toBeVisible();
  await waitForHydration(ada);
  const locations = ada.locator("section#locations form.named-form").last();
  await locations.getByLabel("New name").fill(office);
  await locations.getByLabel("Time zone").fill("Europe/Paris");
  await locations.getByRole("button", { name: "Add" }).click();
  await expect(ada.getByText("Saved.")).toBeVisible();
  await waitForHydration(ada);
  const foods = ada.locator("section#foods form.named-form").last();
  await foods.getByLabel("New name").fill(soup);
  await foods.getByRole("button", { name: "Add" }).click();
  await expect(ada.getByText("Saved.")).toBeVisible();
  await waitForHydration(ada);
  const addFood = ada.locator("section#foods form.named-form").last();
  await addFood.getByLabel("New name").fill(soup.toUpperCase());
  await addFood.getByRole("button", { name: "Add" }).click();
  await expect(ada.locator("section#foods form.named-form").last().getByRole("alert")).toContainText("already in the list");
  await expect(ada.locator("section#foods form.named-form").last().getByLabel("New name")).toHaveValue(soup.toUpperCase());
  await shot(ada, "admin-lunches");

  // Ada invites Bob with a code; Bob has no account yet and follows the join link.
  await ada.goto("/lunches");
  await waitForHydration(ada);
  await ada.getByRole("button", { name: "Create an invitation code" }).click();
  const code = (await ada.getByTestId("new-code").innerText()).trim();
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await bob.goto(`/lunches/join?code=${code}`);
  await bob.getByRole("link", { name: "Create an account" }).click();
  await finishSignUp(bob, "Bob", bobEmail);
  await expect(bob.getByRole("heading", { name: "Join lunches", level: 1 })).toBeVisible();
  await waitForHydration(bob);
  await expect(bob.getByLabel("Invitation code")).toHaveValue(code);
  await bob.getByRole("button", { name: "Join lunches" }).click();
  await expect(bob.getByText("Welcome to lunches!")).toBeVisible();

  // Both choose the office and say when they are free tomorrow; a bad window is refused.
  for (const [p, from, until] of [[ada, "12:00", "13:30"], [bob, "12:30", "14:00"]] as const) {
    await p.goto("/lunches");
    await waitForHydration(p);
    await p.getByLabel("Where you lunch").selectOption({ label: `${office} (Europe/Paris)` });
    await p.getByRole("button", { name: "Save profile" }).click();
    await expect(p.getByText("Profile saved.")).toBeVisible();
    await waitForHydration(p);
    await addWindow(p, until, from);
    await expect(p.locator("form.window-form").last().getByRole("alert")).toContainText("before the start");
    await addWindow(p, from, until);
    await expect(p.getByText("Saved. Hearth looks for lunches")).toBeVisible();
    await expect(p.locator(".week .day-spans", { hasText: `${from}–${until}` })).toBeVisible();
  }
  await shot(bob, "lunches");

  // The matching runs (a few seconds after the change) and mails both; Ada accepts from her mail.
  await followMailLinkMatching(ada, adaEmail, "Lunch proposed", /\/lunches\/\d+\?t=/);
  // Food types are the whole site's: the lunch names one both can eat (maybe not Ada's soup).
  await expect(ada.getByRole("heading", { name: /^Lunch: / })).toBeVisible();
  await expect(ada.getByText(`At ${office}`)).toBeVisible();
  await expect(ada.getByText("Bob · hasn't answered")).toBeVisible();
  await waitForHydration(ada);
  await ada.getByRole("button", { name: "Accept" }).click();
  await expect(ada.getByText("Thanks, your answer is saved.")).toBeVisible();
  await expect(ada.getByTestId("lunch-state")).toHaveText("Proposed");
  await waitForHydration(ada);
  const adaLunch = ada.url();

  // Bob accepts from his mail; Ada's open page turns "Confirmed" without her reloading it.
  await followMailLinkMatching(bob, bobEmail, "Lunch proposed", /\/lunches\/\d+\?t=/);
  await waitForHydration(bob);
  await bob.getByRole("button", { name: "Accept" }).click();
  await expect(bob.getByTestId("lunch-state")).toHaveText("Confirmed");
  await expect(ada.getByTestId("lunch-state")).toHaveText("Confirmed", { timeout: 15_000 });
  expect(ada.url()).toBe(adaLunch);
  await shot(bob, "lunch");

  // The feed: initials, the date and the food; not the names.
  await bob.goto("/lunches/feed");
  const item = bob.locator(".feed li", { hasText: office });
  await expect(item).toContainText("A., B.");
  await expect(item).not.toContainText("Ada");
  await expect(item).not.toContainText("Bob");
  await shot(bob, "lunch-feed");
  await bob.goto("/lunches");
  await expect(bob.locator("#mine li.lunch", { hasText: office })).toContainText("Confirmed");
});
