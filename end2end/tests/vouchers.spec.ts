import { test, expect } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { finishSignUp, followMailLinkMatching, freshEmail, localIn, newPerson, shot, signUpAndVerify, waitForHydration } from "./helpers";

/** `hearth admin grant EMAIL`, the documented way to make the first admin (scripts/test
 * exports the server binary and its configuration). */
function grantAdmin(email: string) {
  const bin = process.env.HEARTH_BIN;
  if (!bin) throw new Error("HEARTH_BIN is not set (scripts/test sets it)");
  execFileSync(bin, ["admin", "grant", email], { env: process.env, stdio: "pipe" });
}

test("an admin creates a template, a member gives a voucher, the newcomer redeems it from the mail and pays a ticket with it", async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const [ada, bob, cy] = [await newPerson(browser, baseURL), await newPerson(browser, baseURL), await newPerson(browser, baseURL)];
  const adaEmail = freshEmail("ada");
  const bobEmail = freshEmail("bob");
  const cyEmail = freshEmail("cy");
  await signUpAndVerify(ada, "Ada", adaEmail);
  await signUpAndVerify(bob, "Bob", bobEmail);

  // Before the grant the admin pages do not exist for Ada.
  expect((await ada.goto("/admin"))?.status()).toBe(404);
  grantAdmin(adaEmail);
  await ada.goto("/admin");
  await expect(ada.getByRole("heading", { name: "Admin" })).toBeVisible();
  // Other journeys make admins too: this grant is the one naming Ada's address.
  await expect(ada.locator("li", { hasText: "admin.grant" }).filter({ hasText: adaEmail })).toBeVisible();
  await ada.getByRole("link", { name: "Vouchers and templates" }).click();
  await expect(ada.getByRole("heading", { name: "Vouchers", level: 1 })).toBeVisible();
  await waitForHydration(ada);

  // A bad price is refused and what was typed stays.
  const title = `Gift card ${Date.now()}`;
  const form = ada.locator("section", { has: ada.getByRole("heading", { name: "New voucher template" }) });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Price", { exact: true }).fill("-5");
  await form.getByLabel("Valid for (days)").fill("365");
  await form.getByRole("button", { name: "Save template" }).click();
  await expect(form.getByRole("alert")).toContainText("more than zero");
  await expect(form.getByLabel("Title")).toHaveValue(title);
  await form.getByLabel("Price", { exact: true }).fill("20");
  await form.getByRole("button", { name: "Save template" }).click();
  await expect(ada.getByText("Template saved.")).toBeVisible();
  await expect(ada.getByText(title).first()).toBeVisible();
  await shot(ada, "admin-vouchers");

  // Bob gives one to Cy, who has no account yet.
  await bob.goto("/vouchers");
  await waitForHydration(bob);
  await expect(bob.getByTestId("credit")).toHaveText("€0.00");
  const offer = bob.locator("li.voucher-offer", { hasText: title });
  await offer.getByLabel("Gift to (optional)").fill(cyEmail);
  await offer.getByLabel("Gift message (optional)").fill("Happy birthday!");
  await offer.getByRole("button", { name: "Buy" }).click();
  await expect(bob.getByText("waits for an admin to confirm the payment")).toBeVisible();
  await expect(bob.locator("li.voucher", { hasText: `Gift to ${cyEmail}` })).toContainText("waiting for payment");
  await shot(bob, "vouchers");

  // The manual provider: Ada marks the purchase paid.
  await ada.goto("/admin/vouchers");
  await waitForHydration(ada);
  const row = ada.locator("li.voucher", { hasText: cyEmail });
  await row.getByRole("button", { name: "Mark paid" }).click();
  await expect(ada.locator("li.voucher", { hasText: cyEmail })).toContainText("ready to redeem");

  // Cy follows the gift mail: sign up with the address, verify, land on the redeem page.
  await followMailLinkMatching(cy, cyEmail, "Bob sent you a gift", /signup/);
  await finishSignUp(cy, "Cy", cyEmail);
  await expect(cy.getByRole("heading", { name: "Redeem a voucher" })).toBeVisible();
  await waitForHydration(cy);
  await expect(cy.getByLabel("Voucher code")).toHaveValue(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await shot(cy, "redeem");
  await cy.getByRole("button", { name: "Redeem" }).click();
  await expect(cy.getByText("Added to your credit.")).toBeVisible();
  await expect(cy.getByTestId("credit")).toHaveText("€20.00");
  await expect(cy.getByText("Voucher redeemed")).toBeVisible();

  // The same code again: already redeemed.
  const code = await (async () => {
    await cy.goto("/dev/mailbox");
    const text = await cy.locator("li.mail", { hasText: cyEmail }).filter({ hasText: "Bob sent you a gift" }).first().innerText();
    return /code is ([0-9A-Z-]{19})/.exec(text)?.[1] ?? "";
  })();
  expect(code).toHaveLength(19);
  await bob.goto("/vouchers");
  await waitForHydration(bob);
  await bob.getByLabel("Voucher code").fill(code);
  await bob.getByRole("button", { name: "Redeem" }).click();
  await expect(bob.getByRole("alert").filter({ hasText: "already been redeemed" })).toBeVisible();
  await expect(bob.getByTestId("credit")).toHaveText("€0.00");

  // Bob organizes a paid event and invites Cy, who pays the ticket from her credit.
  const eventTitle = `Paid workshop ${Date.now()}`;
  await bob.goto("/events/new");
  await waitForHydration(bob);
  await bob.getByLabel("Title").fill(eventTitle);
  await bob.getByLabel("Online link").fill("https://meet.example/workshop");
  await bob.getByLabel("Starts").fill(localIn(24 * 60));
  await bob.getByLabel("Duration (minutes)").fill("60");
  await bob.getByLabel("Ticket price (optional)").fill("8");
  await bob.getByRole("button", { name: "Save the draft" }).click();
  await expect(bob.getByRole("heading", { name: eventTitle })).toBeVisible();
  await bob.getByLabel("Invite by email").fill(cyEmail);
  await bob.getByRole("button", { name: "Invite", exact: true }).click();
  await bob.getByRole("button", { name: "Publish and email invitees" }).click();
  await expect(bob.getByText("Upcoming", { exact: true })).toBeVisible();
  const eventPath = new URL(bob.url()).pathname;

  await cy.goto(eventPath);
  await waitForHydration(cy);
  await expect(cy.getByTestId("ticket-price")).toHaveText("This costs €8.00; you have €20.00. Tickets are not refunded.");
  await shot(cy, "paid-event");
  await cy.getByRole("button", { name: "Going", exact: true }).click();
  await expect(cy.getByText("Your answer: Going")).toBeVisible();
  await expect(cy.getByTestId("ticket-price")).toContainText("Ticket €8.00: paid.");
  await cy.goto("/vouchers");
  await expect(cy.getByTestId("credit")).toHaveText("€12.00");
  await expect(cy.getByText("Event ticket")).toBeVisible();

  await bob.goto(eventPath);
  await expect(bob.getByTestId("earnings")).toHaveText("Your earnings: 1 ticket paid: €8.00");
  await shot(bob, "paid-event-organizer");

  // The admin sees every event, with its organizer and price.
  await ada.goto("/admin/events");
  await expect(ada.locator("li.admin-event", { hasText: eventTitle })).toContainText(bobEmail);
  await expect(ada.locator("li.admin-event", { hasText: eventTitle })).toContainText("ticket €8.00");
});
