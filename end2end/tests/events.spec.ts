import { test, expect, Page } from "@playwright/test";
import { finishSignUp, followMailLinkMatching, freshEmail, localIn, newPerson, shot, signUpAndVerify, waitForHydration } from "./helpers";

/** A small PNG (8×8, red), made here so the test needs no file on disk. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC",
  "base64",
);

async function devMailText(page: Page, to: string, subject: string): Promise<string> {
  let text = "";
  await expect(async () => {
    await page.goto("/dev/mailbox");
    const mail = page.locator("li.mail", { hasText: to }).filter({ hasText: subject }).first();
    await expect(mail).toBeVisible({ timeout: 1000 });
    text = await mail.innerText();
  }).toPass({ timeout: 30_000 });
  return text;
}

test("an organizer creates an event with a photo, invites a member and a newcomer, both answer from their mail, the roster arrives", async ({ browser, baseURL }) => {
  test.setTimeout(240_000);
  const [ann, bob, cy] = [await newPerson(browser, baseURL), await newPerson(browser, baseURL), await newPerson(browser, baseURL)];
  const annEmail = freshEmail("ann");
  const bobEmail = freshEmail("bob");
  const cyEmail = freshEmail("cy");
  await signUpAndVerify(ann, "Ann", annEmail);
  await signUpAndVerify(bob, "Bob", bobEmail);
  const title = `Book club ${Date.now()}`;

  // Ann creates a draft three hours ahead.
  await ann.goto("/events");
  await waitForHydration(ann);
  await expect(ann.getByText("No upcoming event")).toBeVisible();
  await ann.getByRole("link", { name: "New event" }).click();
  await expect(ann.getByRole("heading", { name: "New event" })).toBeVisible();
  await waitForHydration(ann);
  await ann.getByLabel("Title").fill(title);
  await ann.getByLabel("Short description (optional)").fill("Chapter three, with tea.");
  await ann.getByLabel("Online link").fill("https://meet.example/book-club");
  await ann.getByLabel("Starts").fill(localIn(180));
  await ann.getByLabel("Duration (minutes)").fill("60");
  await shot(ann, "event-new");
  await ann.getByRole("button", { name: "Save the draft" }).click();
  await expect(ann.getByRole("heading", { name: title })).toBeVisible();
  await expect(ann.getByText("Draft: only you can see it")).toBeVisible();
  const eventPath = new URL(ann.url()).pathname;

  // A stranger (Bob, not invited yet) cannot see the draft.
  const res = await bob.goto(eventPath);
  expect(res?.status()).toBe(404);

  // The cover photo.
  await ann.getByLabel("Cover photo").setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: PNG });
  await ann.getByRole("button", { name: "Upload the photo" }).click();
  await expect(ann.locator("img.cover")).toBeVisible();
  // The image decodes (polled: "visible" can come before the bytes have arrived).
  await expect.poll(() => ann.locator("img.cover").evaluate((img: HTMLImageElement) => img.complete ? img.naturalWidth : 0)).toBeGreaterThan(0);

  // Invitations: one member, one newcomer; then publish.
  await ann.getByLabel("Invite by email").fill(`${bobEmail}\n${cyEmail}`);
  await ann.getByRole("button", { name: "Invite", exact: true }).click();
  await expect(ann.getByText(`Invited: ${bobEmail}, ${cyEmail}`)).toBeVisible();
  await ann.getByRole("button", { name: "Publish and email invitees" }).click();
  await expect(ann.getByText("Upcoming", { exact: true })).toBeVisible();
  await shot(ann, "event-organizer");

  // Bob answers from the "Going" link of his mail: the page asks, one tap confirms.
  await followMailLinkMatching(bob, bobEmail, `You are invited: ${title}`, /rsvp=going/);
  await expect(bob.getByRole("heading", { name: title })).toBeVisible();
  await expect(bob.getByText("Your answer: No answer yet")).toBeVisible();
  await waitForHydration(bob);
  await shot(bob, "event-confirm");
  await bob.getByRole("button", { name: "Yes, I'm going" }).click();
  await expect(bob.getByText("Your answer: Going")).toBeVisible();
  await shot(bob, "event-invitee");
  await expect(bob.locator("ul.members li", { hasText: "Bob" })).toBeVisible();

  // Cy has no account: the "Going" link leads to sign-up, then back to the answer.
  await followMailLinkMatching(cy, cyEmail, `You are invited: ${title}`, /rsvp%3Dgoing/);
  await finishSignUp(cy, "Cy", cyEmail);
  await expect(cy.getByRole("heading", { name: title })).toBeVisible();
  await waitForHydration(cy);
  await cy.getByRole("button", { name: "Yes, I'm going" }).click();
  await expect(cy.getByText("Your answer: Going")).toBeVisible();

  // Ann sees both, and moves the start to 30 minutes from now: the roster is due at once.
  await ann.goto(eventPath);
  await waitForHydration(ann);
  await expect(ann.getByText("2 going")).toBeVisible();
  await ann.getByText("Edit the details").click();
  await ann.getByLabel("Starts").fill(localIn(30));
  await ann.getByRole("button", { name: "Save changes" }).click();
  await expect(ann.getByText(/in \d+ minutes/)).toBeVisible();
  const roster = await devMailText(ann, annEmail, `Who's coming to ${title}`);
  expect(roster).toContain("Bob (going)");
  expect(roster).toContain("Cy (going)");
  const moved = await devMailText(bob, bobEmail, `New time: ${title}`);
  expect(moved).toContain("Attached: event.ics");

  // The calendar file from the page.
  await bob.goto(eventPath);
  const ics = await bob.request.get(`${eventPath}/calendar.ics`);
  expect(ics.status()).toBe(200);
  const text = await ics.text();
  expect(text).toContain("BEGIN:VEVENT");
  expect(text).toContain("SEQUENCE:1");
  expect(text).not.toContain("ATTENDEE");
});
