//! Events pages: my events, a new event, one event (the organizer's controls, invitees'
//! answers, or the public preview). Forms post as plain HTML forms; the page comes back
//! rendered by the server.
use super::api::*;
use super::domain::{countdown, Phase, Rsvp, Schedule, Standing, DESCRIPTION_MAX};
use super::types::*;
use crate::core::error::AppError;
use crate::ui::components::form::{action_error, done, typed, Field, FormError, Submit, TimeZoneField};
use crate::ui::components::layout::{PageProblem, Section};
use crate::ui::components::live::LiveRefresh;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Events in the navigation and on the home page.
pub const SECTION: Section = Section {
    href: "/events",
    icon: "📅",
    label: "Events",
    title: "Events",
    blurb: "Virtual events with invitations and RSVPs.",
};

#[component]
fn Problem(error: AppError) -> impl IntoView {
    view! {
        <PageProblem
            error
            not_found="This event does not exist, or it is not shared with you."
            back_href="/events"
            back_label="Back to my events"
        />
    }
}

fn phase_label(p: Phase) -> &'static str {
    match p {
        Phase::Draft => "Draft: only you can see it",
        Phase::Upcoming => "Upcoming",
        Phase::Live => "Happening now",
        Phase::Past => "Past",
        Phase::Cancelled => "Cancelled",
    }
}

fn standing_label(s: Option<Standing>) -> &'static str {
    match s {
        Some(Standing::Going) => "Going",
        Some(Standing::Waitlisted) => "On the waitlist",
        Some(Standing::Maybe) => "Maybe",
        Some(Standing::NotGoing) => "Can't go",
        None => "No answer yet",
    }
}

#[component]
pub fn EventsPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_my_events());
    view! {
        <Title text="Events · Hearth" />
        <h1>"Events"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your events…"</p> }>
            {move || {
                list.get()
                    .map(|r| match r {
                        Ok(mine) => view! {
                            <p class="actions"><A href="/events/new" attr:class="button primary">"New event"</A></p>
                            <EventList title="Upcoming" items=mine.upcoming empty="No upcoming event. Create one and invite people by email." />
                            <EventList title="Past" items=mine.past empty="" />
                        }
                        .into_any(),
                        Err(AppError::Unauthorized) => view! { <EventsIntro /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn EventsIntro() -> impl IntoView {
    view! {
        <section class="card">
            <p class="big-icon" aria-hidden="true">"📅"</p>
            <p class="lead">"Schedule an online event, invite people by email and see who is coming."</p>
            <ul>
                <li>"Invitees answer going, maybe or can't go with one tap from their email."</li>
                <li>"Set a capacity: when it is full, people join a waitlist and move up when a place frees."</li>
                <li>"An hour before the start you get the list of who is coming."</li>
            </ul>
            <p class="actions">
                <a class="button primary" href="/signup?next=/events">"Create an account"</a>
                <a class="button" href="/login?next=/events">"Log in"</a>
            </p>
        </section>
    }
}

#[component]
fn EventList(title: &'static str, items: Vec<EventSummary>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return (!empty.is_empty())
            .then(|| view! { <section class="card empty-state"><p>{empty}</p></section> })
            .into_any();
    }
    view! {
        <section>
            <h2>{title}</h2>
            <ul class="tiles">
                {items
                    .into_iter()
                    .map(|e| {
                        let role = if e.organizing { "You organize".to_string() } else { standing_label(e.my_standing).to_string() };
                        view! {
                            <li>
                                <A href=format!("/events/{}", e.slug)>
                                    <strong>{e.title}</strong>
                                    <span>{format!("{} · {}", e.when, phase_label(e.phase))}</span>
                                    <span>{role}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The fields of the create and edit forms. `form` holds the saved values when editing;
/// after a failed post without JavaScript, what was typed comes back.
#[component]
fn EventFields(form: EventForm, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let pick = |saved: String, name: &'static str| {
        let t = typed(name);
        Signal::derive(move || {
            let typed = t.get();
            if typed.is_empty() {
                saved.clone()
            } else {
                typed
            }
        })
    };
    let description = pick(form.description.clone(), "description");
    let start = pick(form.start_local.clone(), "start_local");
    let duration = pick(
        if form.duration_minutes.is_empty() { "60".into() } else { form.duration_minutes.clone() },
        "duration_minutes",
    );
    let capacity = pick(form.capacity.clone(), "capacity");
    let ticket_price = pick(form.ticket_price.clone(), "ticket_price");
    let price_editable = form.price_editable;
    let zone_typed = typed("time_zone").get_untracked();
    let (zone, zone_was_typed) = if !zone_typed.is_empty() {
        (zone_typed, true)
    } else if !form.time_zone.is_empty() {
        (form.time_zone.clone(), true)
    } else {
        ("UTC".to_string(), false)
    };
    let invalid = move |name: &'static str| {
        move || if error.get().is_some_and(|e| e.field() == Some(name)) { "true" } else { "false" }
    };
    let zone_invalid = error.get_untracked().is_some_and(|e| e.field() == Some("time_zone"));
    view! {
        <Field label="Title" name="title" value=pick(form.title.clone(), "title") hint="At most 120 characters." error />
        <div class="field">
            <label for="f-description">"Short description (optional)"</label>
            <textarea id="f-description" name="description" rows="3" maxlength=DESCRIPTION_MAX.to_string() aria-invalid=invalid("description") aria-describedby="f-description-hint">{move || crate::ui::components::form::raw_text(&description.get())}</textarea>
            <p class="hint" id="f-description-hint">"At most 280 characters, so it can be shared with the link."</p>
        </div>
        <Field label="Online link" name="online_link" kind="url" value=pick(form.online_link.clone(), "online_link") hint="Where people join: https://…" error />
        <div class="field">
            <label for="f-start_local">"Starts"</label>
            <input id="f-start_local" name="start_local" type="datetime-local" required=true aria-invalid=invalid("start_local") aria-describedby="f-start_local-hint" value=move || start.get() />
            <p class="hint" id="f-start_local-hint">"In the time zone below."</p>
        </div>
        <TimeZoneField value=zone typed=zone_was_typed invalid=zone_invalid />
        <div class="field">
            <label for="f-duration_minutes">"Duration (minutes)"</label>
            <input id="f-duration_minutes" name="duration_minutes" type="number" min="1" max="1440" required=true inputmode="numeric" aria-invalid=invalid("duration_minutes") value=move || duration.get() />
        </div>
        <div class="field">
            <label for="f-capacity">"Capacity (optional)"</label>
            <input id="f-capacity" name="capacity" type="number" min="1" inputmode="numeric" aria-invalid=invalid("capacity") aria-describedby="f-capacity-hint" value=move || capacity.get() />
            <p class="hint" id="f-capacity-hint">"Leave empty for no limit. When full, people join a waitlist."</p>
        </div>
        <div class="field">
            <label for="f-ticket_price">"Ticket price (optional)"</label>
            <input id="f-ticket_price" name="ticket_price" type="text" inputmode="decimal" readonly=!price_editable aria-invalid=invalid("ticket_price") aria-describedby="f-ticket_price-hint" value=move || ticket_price.get() />
            <p class="hint" id="f-ticket_price-hint">
                {if price_editable {
                    "Leave empty for a free event. Attendees pay from their credit when they say they're going; tickets are not refunded. Set before publishing."
                } else {
                    "The price is fixed once the event is published."
                }}
            </p>
        </div>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    let create = ServerAction::<CreateEvent>::new();
    let error = action_error(create);
    let defaults = Resource::new(|| (), |_| new_event_defaults());
    view! {
        <Title text="New event · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                defaults.get()
                    .map(|r| match r {
                        Ok(time_zone) => view! {
                            <section class="card">
                                <h1>"New event"</h1>
                                <p class="hint">"It stays a draft only you can see until you publish it."</p>
                                <ActionForm action=create>
                                    <FormError error />
                                    <EventFields form=EventForm { time_zone, price_editable: true, ..EventForm::default() } error />
                                    <Submit label="Save the draft" busy_label="Saving…" />
                                </ActionForm>
                            </section>
                        }
                        .into_any(),
                        Err(AppError::Unauthorized) => view! { <EventsIntro /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (params.read().get("slug").unwrap_or_default(), q.get("t"), q.get("rsvp"))
        },
        |(slug, t, rsvp)| get_event(slug, t, rsvp),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the event…"</p> }>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(EventOrPreview::Full(view)) => view! { <EventDetails x=*view /> }.into_any(),
                        Ok(EventOrPreview::Preview(p)) => view! { <PreviewCard p=*p /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The public face of a published event: what a link preview shows, and a stranger.
#[component]
fn PreviewCard(p: EventPreview) -> impl IntoView {
    let next = format!("/events/{}", p.slug);
    view! {
        <Title text=crate::ui::components::form::raw_text(&format!("{} · Hearth", p.title)) />
        <Meta property="og:title" content=p.title.clone() />
        <Meta property="og:description" content=p.description.clone() />
        <Meta property="og:type" content="website" />
        {p.image_url.clone().map(|url| view! { <Meta property="og:image" content=url /> })}
        <section class="card event">
            {p.cover.clone().map(|c| view! { <Cover c /> })}
            <h1>{p.title.clone()}</h1>
            <p class="state">{phase_label(p.phase)}</p>
            <p>{format!("{} · by {}", p.when, p.organizer_name)}</p>
            {(!p.description.is_empty()).then(|| view! { <p class="description">{p.description.clone()}</p> })}
            {if p.signed_in {
                view! { <p class="hint">"This event is for its invitees. If you were invited, use the link in your invitation email."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"Invited? Log in with the address the invitation was sent to."</p>
                    <p class="actions"><a class="button primary" href=format!("/login?next={next}")>"Log in"</a></p>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn Cover(c: MediaView) -> impl IntoView {
    view! {
        <img class="cover" src=c.url alt="" width=c.width.map(|w| w.to_string()) height=c.height.map(|h| h.to_string()) decoding="async" />
    }
}

#[component]
fn EventDetails(x: EventView) -> impl IntoView {
    let calendar = match &x.answering_as {
        Some(_) => None,
        None => Some(format!("/events/{}/calendar.ics", x.slug)),
    };
    let token = use_query_map().read_untracked().get("t").unwrap_or_default();
    let calendar = calendar.unwrap_or_else(|| format!("/events/{}/calendar.ics?t={token}", x.slug));
    // Someone answering from a mailed link listens with its token (no session needed).
    let live_url = match &x.answering_as {
        Some(_) => format!("/api/live/event/{}?t={token}", x.id),
        None => format!("/api/live/event/{}", x.id),
    };
    // An invitee waiting for the link gets the page again when it opens.
    let reload_at = (x.online_link.is_none() && x.phase == Phase::Upcoming && !x.is_organizer)
        .then(|| x.start - super::domain::LINK_SHOWN_BEFORE_SECS);
    let link_note = match x.phase {
        Phase::Upcoming | Phase::Draft => Some("The link to join appears here 15 minutes before the start."),
        _ => None,
    };
    view! {
        <Title text=crate::ui::components::form::raw_text(&format!("{} · Hearth", x.title)) />
        <article class="card event">
            {x.cover.clone().map(|c| view! { <Cover c /> })}
            <h1>{x.title.clone()}</h1>
            <LiveRefresh url=live_url message="This event has changed.".to_string() />
            <p class="state">{phase_label(x.phase)}</p>
            <p class="when">
                <strong>{x.when.clone()}</strong>
                {(x.phase != Phase::Cancelled).then(|| view! {
                    " · "
                    <Countdown start=x.start duration_minutes=x.duration_minutes initial=x.countdown.clone() reload_at />
                })}
                {format!(" · {} min", x.duration_minutes)}
            </p>
            <p class="hint">{format!("Times in your time zone ({}). Organized by {}.", x.viewer_time_zone, x.organizer_name)}</p>
            {x.price.clone().map(|p| view! { <p class="price">{format!("Ticket: {p}, paid from your credit")}</p> })}
            {x.earnings.clone().map(|e| view! { <p class="earnings" data-testid="earnings">{format!("Your earnings: {e}")}</p> })}
            {(!x.description.is_empty()).then(|| view! { <p class="description">{x.description.clone()}</p> })}
            {match x.online_link.clone() {
                Some(link) => view! { <p><a class="button primary" href=link rel="noopener noreferrer" target="_blank">"Join online"</a></p> }.into_any(),
                None => link_note.map(|n| view! { <p class="hint">{n}</p> }).into_any(),
            }}
            {x.video.clone().map(|v| view! {
                <video class="event-video" controls=true preload="metadata" playsinline=true src=v.url></video>
            })}
            {(x.phase != Phase::Cancelled).then(|| view! { <p><a href=calendar.clone() download="event.ics">"Add to my calendar (.ics)"</a></p> })}
        </article>
        {x.answering_as.clone().map(|name| view! { <p class="notice">{format!("Answering as {name}, from your invitation email.")}</p> })}
        <Answer x=x.clone() token=token.clone() />
        <Attendees x=x.clone() />
        {x.is_organizer.then(|| view! { <OrganizerControls x=x.clone() /> })}
    }
}

/// The countdown to the start, rendered by the server and kept current by the browser.
/// `reload_at`: when to load the page again (the online link opens), unless the person
/// is typing.
#[island]
pub fn Countdown(start: i64, duration_minutes: i64, initial: String, reload_at: Option<i64>) -> impl IntoView {
    let text = RwSignal::new(initial);
    Effect::new(move |_| {
        let schedule = Schedule { start, duration_minutes };
        let tick = move || {
            let now = crate::platform::now_secs();
            text.set(countdown(schedule, now));
            if reload_at.is_some_and(|t| now >= t) && !crate::platform::user_is_typing() {
                crate::platform::reload();
            }
        };
        text.set(countdown(schedule, crate::platform::now_secs()));
        crate::platform::every(30_000, tick);
    });
    view! { <span class="countdown">{move || text.get()}</span> }
}

/// The invitee's answer: a mailed link's choice ready to confirm, then the three buttons.
#[component]
fn Answer(x: EventView, token: String) -> impl IntoView {
    if x.is_organizer {
        return ().into_any();
    }
    let action = ServerAction::<AnswerEvent>::new();
    let error = action_error(action);
    let mine = match x.my_standing {
        Some(Standing::Waitlisted) => {
            "You're on the waitlist: if a place frees up, it's yours and we'll email you.".to_string()
        }
        other => format!("Your answer: {}", standing_label(other)),
    };
    let button = move |answer: Rsvp, label: &'static str, primary: bool| {
        let slug = x.slug.clone();
        let token = token.clone();
        view! {
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="t" value=token />
                <input type="hidden" name="answer" value=answer.as_str() />
                <button type="submit" class=if primary { "button primary" } else { "button" }>{label}</button>
            </ActionForm>
        }
    };
    let label = |r: Rsvp| match r {
        Rsvp::Going => "Going",
        Rsvp::Maybe => "Maybe",
        Rsvp::NotGoing => "Can't go",
    };
    view! {
        <section class="card" aria-labelledby="answer-title">
            <h2 id="answer-title">"Will you come?"</h2>
            <FormError error />
            <p role="status">{mine}</p>
            {x.price.clone().map(|price| {
                let cost = match (&x.my_credit, x.ticket_paid) {
                    (_, true) => format!("Ticket {price}: paid. Saying you're going again never pays twice."),
                    (Some(credit), false) => format!("This costs {price}; you have {credit}. Tickets are not refunded."),
                    (None, false) => format!("This costs {price}, paid from your credit: log in to say you're going."),
                };
                view! {
                    <p class="ticket-price" data-testid="ticket-price">{cost}</p>
                    {(!x.ticket_paid).then(|| view! { <p class="hint">"Not enough credit? " <a href="/vouchers">"Redeem a voucher or buy one"</a></p> })}
                }
            })}
            {(!x.can_answer).then(|| view! { <p class="hint">"Answers are closed: the event has started or was cancelled."</p> })}
            {x.proposed.filter(|_| x.can_answer).map(|r| view! {
                <div class="confirm">
                    <p>{format!("Confirm your answer: {}?", label(r))}</p>
                    {button(r, match r { Rsvp::Going => "Yes, I'm going", Rsvp::Maybe => "Yes: maybe", Rsvp::NotGoing => "Yes: I can't go" }, true)}
                </div>
            })}
            {x.can_answer.then(|| view! {
                <div class="actions">
                    {button(Rsvp::Going, "Going", x.proposed.is_none())}
                    {button(Rsvp::Maybe, "Maybe", false)}
                    {button(Rsvp::NotGoing, "Can't go", false)}
                </div>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Attendees(x: EventView) -> impl IntoView {
    let places = match x.capacity {
        Some(c) => format!("{} of {} places taken", x.going.len(), c),
        None => format!("{} going", x.going.len()),
    };
    view! {
        <section class="card">
            <h2>"Who's coming"</h2>
            <p>{places}{(x.waitlisted > 0).then(|| format!(" · {} on the waitlist", x.waitlisted))}</p>
            {if x.going.is_empty() {
                view! { <p class="hint">"Nobody has said yes yet."</p> }.into_any()
            } else {
                view! { <ul class="members">{x.going.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul> }.into_any()
            }}
            {(!x.maybe.is_empty()).then(|| view! {
                <h3>"Maybe"</h3>
                <ul class="members">{x.maybe.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
            })}
        </section>
    }
}

#[component]
fn OrganizerControls(x: EventView) -> impl IntoView {
    let publish = ServerAction::<PublishEvent>::new();
    let invite = ServerAction::<InviteToEvent>::new();
    let update = ServerAction::<UpdateEvent>::new();
    let invite_error = action_error(invite);
    let update_error = action_error(update);
    let slug = x.slug.clone();
    let slug_for_end = x.slug.clone();
    let open = matches!(x.phase, Phase::Draft | Phase::Upcoming);
    let report = x.invite_report.clone().filter(|_| done("invite_to_event").get_untracked());
    view! {
        {(x.phase == Phase::Draft).then(|| { let slug = slug.clone(); view! {
            <section class="card">
                <h2>"Publish"</h2>
                <p>{format!("Publishing emails the {} people invited so far; people you invite later are emailed when you add them.", x.invitees.len())}</p>
                <ActionForm action=publish>
                    <FormError error=action_error(publish) />
                    <input type="hidden" name="slug" value=slug.clone() />
                    <Submit label="Publish and email invitees" busy_label="Publishing…" />
                </ActionForm>
            </section>
        }})}
        <section class="card">
            <h2>{format!("Invitations ({})", x.invitees.len())}</h2>
            {report.map(|r| view! { <InviteSummary r /> })}
            {if x.invitees.is_empty() {
                view! { <p class="hint">"Nobody is invited yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="members">
                        {x.invitees.iter().map(|i| view! {
                            <li>
                                <span>{i.name.clone().unwrap_or_else(|| i.email.clone())}</span>
                                <span class="hint">{format!(" · {}{}", standing_label(i.standing), if i.mailed { "" } else { " · not emailed yet" })}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {open.then(|| { let slug = slug.clone(); view! {
                <ActionForm action=invite>
                    <FormError error=invite_error />
                    <input type="hidden" name="slug" value=slug.clone() />
                    <div class="field">
                        <label for="f-addresses">"Invite by email"</label>
                        <textarea id="f-addresses" name="addresses" rows="3" required=true aria-describedby="f-addresses-hint">{move || crate::ui::components::form::raw_text(&typed("addresses").get())}</textarea>
                        <p class="hint" id="f-addresses-hint">"Paste addresses, one per line or separated by commas."</p>
                    </div>
                    <Submit label="Invite" busy_label="Inviting…" />
                </ActionForm>
            }})}
        </section>
        {x.form.clone().map(move |form| { let edit_slug = slug.clone(); view! {
            <MediaForms slug=edit_slug.clone() has_cover=x.cover.is_some() has_video=x.video.is_some() />
            <section class="card">
                <details open=move || update_error.get().is_some()>
                    <summary>"Edit the details"</summary>
                    <ActionForm action=update>
                        <FormError error=update_error />
                        <input type="hidden" name="slug" value=edit_slug />
                        <EventFields form error=update_error />
                        <p class="hint">"Changing the time emails a new calendar file to everyone invited, except those who said they can't go."</p>
                        <Submit label="Save changes" busy_label="Saving…" />
                    </ActionForm>
                </details>
            </section>
        }})}
        {(x.phase == Phase::Draft).then(|| view! { <EndForm slug=slug_for_end.clone() draft=true /> })}
        {(x.phase == Phase::Upcoming).then(|| view! { <EndForm slug=slug_for_end.clone() draft=false /> })}
    }
}

/// Cancelling a published event (everyone invited is told) or deleting a draft; a box
/// to tick says it is meant (it can't be undone).
#[component]
fn EndForm(slug: String, draft: bool) -> impl IntoView {
    let cancel = ServerAction::<CancelEvent>::new();
    let (title, what, confirm, button) = if draft {
        (
            "Delete the draft",
            "Nobody has been told about it; its invitations and media go too.",
            "Yes, delete this draft",
            "Delete the draft",
        )
    } else {
        (
            "Cancel the event",
            "Everyone invited (except those who said they can't go) is emailed a cancellation for their calendar. This can't be undone.",
            "Yes, cancel it and tell everyone",
            "Cancel the event",
        )
    };
    view! {
        <section class="card">
            <h2>{title}</h2>
            <p class="hint">{what}</p>
            <ActionForm action=cancel>
                <FormError error=action_error(cancel) />
                <input type="hidden" name="slug" value=slug />
                <div class="field check">
                    <input id="f-confirm" type="checkbox" name="confirm" value="yes" required=true />
                    <label for="f-confirm">{confirm}</label>
                </div>
                <button type="submit" class="button danger">{button}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn InviteSummary(r: InviteReport) -> impl IntoView {
    let line = |label: &'static str, list: Vec<String>| {
        (!list.is_empty()).then(|| view! { <p>{format!("{label}: {}", list.join(", "))}</p> })
    };
    view! {
        <div class="notice" role="status">
            {line("Invited", r.invited)}
            {line("Already invited", r.already)}
            {line("Listed twice", r.duplicates)}
            {line("Not email addresses", r.invalid)}
            {(r.more > 0).then(|| view! { <p>{format!("and {} more", r.more)}</p> })}
        </div>
    }
}

/// What the event page says when an upload was refused (`upload_error` in its address).
fn upload_problem(code: &str) -> &'static str {
    match code {
        "type" => "That file is not a photo or a video (JPEG, PNG, WebP, GIF; MP4, WebM or MOV).",
        "not_photo" => "Please choose a photo for the cover.",
        "not_video" => "Please choose a video here.",
        "too_large" => "That file is too large: photos can have 10 MB, videos 100 MB.",
        "pixels" => "That photo has too many pixels (at most 40 megapixels).",
        "unreadable" => "That photo could not be read; it may be damaged.",
        "empty" => "Please choose a file first.",
        "interrupted" => "The upload was interrupted; please try again.",
        "closed" => "The event has started or was cancelled: its media can't change any more.",
        _ => "The file could not be saved; please try again.",
    }
}

/// The cover photo and video uploads: plain multipart forms, streamed to the server.
#[component]
fn MediaForms(slug: String, has_cover: bool, has_video: bool) -> impl IntoView {
    let problem = use_query_map().read_untracked().get("upload_error").map(|c| upload_problem(&c));
    view! {
        <section class="card">
            <h2>"Cover photo and video"</h2>
            {problem.map(|p| view! { <div class="form-error" role="alert"><p>{p}</p></div> })}
            <form method="post" enctype="multipart/form-data" action=format!("/events/{slug}/media/cover")>
                <div class="field">
                    <label for="f-cover">{if has_cover { "Replace the cover photo" } else { "Cover photo" }}</label>
                    <input id="f-cover" name="file" type="file" accept="image/jpeg,image/png,image/webp,image/gif" required=true aria-describedby="f-cover-hint" />
                    <p class="hint" id="f-cover-hint">"JPEG, PNG, WebP or GIF, up to 10 MB."</p>
                </div>
                <Submit label="Upload the photo" busy_label="Uploading…" />
            </form>
            <form method="post" enctype="multipart/form-data" action=format!("/events/{slug}/media/video")>
                <div class="field">
                    <label for="f-video">{if has_video { "Replace the video" } else { "Short video" }}</label>
                    <input id="f-video" name="file" type="file" accept="video/mp4,video/webm,video/quicktime" required=true aria-describedby="f-video-hint" />
                    <p class="hint" id="f-video-hint">"MP4, WebM or MOV, up to 100 MB."</p>
                </div>
                <Submit label="Upload the video" busy_label="Uploading…" />
            </form>
        </section>
    }
}

/// `/admin/events`: every event, and taking a published one down with a reason mailed to
/// its organizer. "Not found" for anyone but an admin.
#[component]
pub fn AdminEventsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_admin_events());
    let unpublish = ServerAction::<AdminUnpublishEvent>::new();
    let error = action_error(unpublish);
    view! {
        <Title text="Events · Admin · Hearth" />
        <p><a href="/admin">"← Admin"</a></p>
        <h1>"Every event"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(rows) if rows.is_empty() => view! { <section class="card empty-state"><p>"No events yet."</p></section> }.into_any(),
                Ok(rows) => view! {
                    <FormError error />
                    <ul class="plain-list">
                        {rows.into_iter().map(|e| { let slug = e.slug.clone(); view! {
                            <li class="card admin-event" data-slug=e.slug.clone()>
                                <a href=format!("/events/{}", e.slug)><strong>{e.title.clone()}</strong></a>
                                <p>{format!("{} · {} · {}{}", e.organizer, e.when, phase_label(e.phase), e.price.clone().map(|p| format!(" · ticket {p}")).unwrap_or_default())}</p>
                                {e.may_unpublish.then(|| {
                                    let id = format!("reason-{slug}");
                                    view! {
                                        <ActionForm action=unpublish>
                                            <input type="hidden" name="slug" value=slug.clone() />
                                            <div class="field">
                                                <label for=id.clone()>"Reason (mailed to the organizer)"</label>
                                                <input id=id name="reason" type="text" required maxlength="500" />
                                            </div>
                                            <Submit label="Unpublish" busy_label="Unpublishing…" />
                                        </ActionForm>
                                    }
                                })}
                            </li>
                        }}).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <PageProblem error=e not_found="This page does not exist." back_href="/" back_label="Home" /> }.into_any(),
            })}
        </Suspense>
    }
}
