//! Secret Santa pages: my exchanges, one exchange, my gift, my present, the wall of shame.
use super::api::*;
use super::types::*;
use crate::core::error::AppError;
use crate::santa::domain::ExchangeState;
use crate::ui::components::form::{action_error, done, typed, Field, FormError, Submit};
use crate::ui::components::layout::PageProblem;
use crate::ui::components::layout::Section;
use crate::ui::components::live::LiveRefresh;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// Secret Santa in the navigation and on the home page.
pub const SECTION: Section = Section {
    href: "/santa",
    icon: "🎁",
    label: "Santa",
    title: "Secret Santa",
    blurb: "Draw names, give an emoji gift, open it at the reveal.",
};

fn exchange_id() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// What a page shows instead of its content when loading it failed.
#[component]
fn Problem(error: AppError) -> impl IntoView {
    view! {
        <PageProblem
            error
            not_found="This exchange does not exist, or you are not one of its members."
            back_href="/santa"
            back_label="Back to my exchanges"
        />
    }
}

fn state_label(s: ExchangeState) -> &'static str {
    match s {
        ExchangeState::Gathering => "Gathering members",
        ExchangeState::Drawn => "Names drawn",
        ExchangeState::Revealed => "Revealed",
    }
}

/// What /santa shows: the viewer's exchanges and the invitations waiting for them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct MySanta {
    exchanges: Vec<ExchangeSummary>,
    invitations: Vec<InvitationView>,
}

#[component]
pub fn SantaPage() -> impl IntoView {
    let create = ServerAction::<CreateExchange>::new();
    let error = action_error(create);
    let list = Resource::new(
        || (),
        |_| async move {
            Ok::<_, AppError>(MySanta { exchanges: my_exchanges().await?, invitations: my_invitations().await? })
        },
    );
    view! {
        <Title text="Secret Santa · Hearth" />
        <h1>"Secret Santa"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your exchanges…"</p> }>
            {move || {
                list.get()
                    .map(|r| match r {
                        Ok(mine) => view! {
                            <Invitations items=mine.invitations />
                            <MyExchanges items=mine.exchanges />
                            <section class="card">
                                <h2>"Start an exchange"</h2>
                                <ActionForm action=create>
                                    <FormError error />
                                    <Field label="Name" name="name" hint="For example: Office party 2026" error />
                                    <Field label="Spending note (optional)" name="spending_note" required=false hint="For example: about 10 euros, or: homemade only" error />
                                    <div class="field">
                                        <label for="f-description">"Description (optional)"</label>
                                        <textarea id="f-description" name="description" rows="3" maxlength="1000">{move || crate::ui::components::form::raw_text(&typed("description").get())}</textarea>
                                    </div>
                                    <Submit label="Create the exchange" busy_label="Creating…" />
                                </ActionForm>
                            </section>
                        }
                        .into_any(),
                        Err(AppError::Unauthorized) => view! { <SantaIntro /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// What signed-out visitors see at /santa.
#[component]
fn SantaIntro() -> impl IntoView {
    view! {
        <section class="card">
            <p class="big-icon" aria-hidden="true">"🎁"</p>
            <p class="lead">"Draw names with friends, family or colleagues. Everyone gives one emoji gift with a message; the presents open together at the reveal."</p>
            <ul>
                <li>"Invite people by email; they join with one tap."</li>
                <li>"Nobody draws themselves or someone you exclude (couples, households)."</li>
                <li>"Only you know whom you drew. Givers who forget leave coal."</li>
            </ul>
            <p class="actions">
                <a class="button primary" href="/signup?next=/santa">"Create an account"</a>
                <a class="button" href="/login?next=/santa">"Log in"</a>
            </p>
        </section>
    }
}

#[component]
fn MyExchanges(items: Vec<ExchangeSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <section class="card empty-state">
                <p class="big-icon" aria-hidden="true">"🎁"</p>
                <p>"No exchange yet. Start one below and invite your friends by email."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <ul class="tiles">
            {items
                .into_iter()
                .map(|e| view! {
                    <li>
                        <A href=format!("/santa/{}", e.id)>
                            <strong>{e.name}</strong>
                            <span>{state_label(e.state)}</span>
                        </A>
                    </li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn Invitations(items: Vec<InvitationView>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"Invitations"</h2>
                <ul class="tiles">
                    {items
                        .into_iter()
                        .map(|i| view! {
                            <li>
                                <A href=format!("/santa/{}", i.id)>
                                    <strong>{i.name}</strong>
                                    <span>{format!("from {}", i.creator_name)}</span>
                                </A>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

/// An exchange page shows either the exchange (members) or the invitation (invitees).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ExchangeOrInvitation {
    Exchange(Box<ExchangeView>),
    Invitation(InvitationView),
}

/// The invitation, with one tap to join (or to decline).
#[component]
fn InvitationCard(i: InvitationView) -> impl IntoView {
    let join = ServerAction::<JoinExchange>::new();
    let decline = ServerAction::<DeclineInvitation>::new();
    let id = i.id;
    view! {
        <Title text=crate::ui::components::form::raw_text(&format!("{} · Secret Santa · Hearth", i.name)) />
        <section class="card">
            <h1>{i.name.clone()}</h1>
            <p class="lead">{format!("{} invites you to this Secret Santa exchange ({} in so far).", i.creator_name, i.member_count)}</p>
            {(!i.spending_note.is_empty()).then(|| view! { <p>"Spending: " {i.spending_note.clone()}</p> })}
            {(!i.description.is_empty()).then(|| view! { <p class="description">{i.description.clone()}</p> })}
            <ActionForm action=join>
                <FormError error=action_error(join) />
                <input type="hidden" name="id" value=id />
                <p class="hint">"Once you're in, you're in: you can't leave after joining."</p>
                <Submit label="Join" busy_label="Joining…" />
            </ActionForm>
            <ActionForm action=decline>
                <FormError error=action_error(decline) />
                <input type="hidden" name="id" value=id />
                <button type="submit" class="button">"No, thanks"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ExchangePage() -> impl IntoView {
    let id = exchange_id();
    // One resource for the whole page; every form posts and the page comes back rendered
    // again by the server.
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            match get_exchange(id).await {
                Err(AppError::NotFound) => get_invitation(id).await.map(ExchangeOrInvitation::Invitation),
                other => other.map(|x| ExchangeOrInvitation::Exchange(Box::new(x))),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the exchange…"</p> }>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(ExchangeOrInvitation::Exchange(x)) => view! { <ExchangeDetails x=*x /> }.into_any(),
                        Ok(ExchangeOrInvitation::Invitation(i)) => view! { <InvitationCard i /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn ExchangeDetails(x: ExchangeView) -> impl IntoView {
    let remove = ServerAction::<RemoveMember>::new();
    let id = x.id;
    let gathering = x.state == ExchangeState::Gathering;
    let manage = x.is_creator && gathering;
    let creator_id = x.creator_id;
    let next_step = match (x.state, &x.my_recipient, x.my_gift_chosen) {
        (ExchangeState::Gathering, _, _) if x.is_creator => {
            "Invite everyone, add exclusions if needed, then draw the names.".to_string()
        }
        (ExchangeState::Gathering, _, _) => {
            format!("Waiting for {} to draw the names. You will get an email.", x.creator_name)
        }
        (ExchangeState::Drawn, ..) if x.revealing => "Revealing… the presents open in a moment.".to_string(),
        (ExchangeState::Drawn, Some(r), false) => format!("You are giving to {r}. Pick their gift before the reveal!"),
        (ExchangeState::Drawn, Some(r), true) => {
            format!("Your gift for {r} is ready. You can still change it until the reveal.")
        }
        (ExchangeState::Drawn, None, _) => "The names are drawn.".to_string(),
        (ExchangeState::Revealed, _, _) => "The presents are open!".to_string(),
    };
    view! {
        <Title text=crate::ui::components::form::raw_text(&format!("{} · Secret Santa · Hearth", x.name)) />
        <section class="card">
            <h1>{x.name.clone()}</h1>
            <LiveRefresh url=format!("/api/live/exchange/{id}") message="This exchange has changed.".to_string() />
            <p class="state">{state_label(x.state)}</p>
            {(!x.spending_note.is_empty()).then(|| view! { <p>"Spending: " {x.spending_note.clone()}</p> })}
            {(!x.description.is_empty()).then(|| view! { <p class="description">{x.description.clone()}</p> })}
            {x.reveal_at.clone().map(|t| view! { <p>"Presents open " <strong>{t}</strong> " (" {x.viewer_time_zone.clone()} ")"</p> })}
            <p class="next-step" role="status">{next_step}</p>
            <p class="actions">
                {(x.state == ExchangeState::Drawn && x.my_recipient.is_some())
                    .then(|| view! { <A href=format!("/santa/{id}/gift") attr:class="button primary">"My gift"</A> })}
                {(x.state == ExchangeState::Revealed)
                    .then(|| view! { <A href=format!("/santa/{id}/present") attr:class="button primary">"Open my present"</A> })}
                {(x.state == ExchangeState::Revealed)
                    .then(|| view! { <A href=x.wall_path.clone() attr:class="button">"Wall of shame"</A> })}
            </p>
            {(x.is_creator && x.state == ExchangeState::Revealed).then(|| view! { <StartAgainForm id /> })}
        </section>
        <section class="card">
            <h2>{format!("Members ({})", x.members.len())}</h2>
            <ul class="members">
                {x.members
                    .iter()
                    .map(|m| {
                        let mid = m.id;
                        let remove_label = format!("Remove {}", m.name);
                        let is_creator_row = mid == creator_id;
                        view! {
                            <li>
                                <span>{m.name.clone()}</span>
                                {(manage && !is_creator_row)
                                    .then(|| view! {
                                        <ActionForm action=remove>
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="member_id" value=mid />
                                            <button type="submit" class="button small" aria-label=remove_label>"Remove"</button>
                                        </ActionForm>
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!x.invites.is_empty()).then(|| view! { <OpenInvites id invites=x.invites.clone() /> })}
            {manage.then(|| view! { <FormError error=action_error(remove) /> })}
        </section>
        {(x.state != ExchangeState::Revealed).then(|| view! { <MySantaCard id chat=x.my_santa.clone() /> })}
        {manage.then(|| view! { <InviteForm id report=x.invite_report.clone() /> })}
        {manage.then(|| view! { <ExclusionForm id members=x.members.clone() exclusions=x.exclusions.clone() /> })}
        {manage.then(|| view! { <HouseholdForm id members=x.members.clone() /> })}
        {manage.then(|| view! { <DrawForm id count=x.members.len() /> })}
    }
}

/// The creator's list of people invited who have not joined, with a reminder button.
#[component]
fn OpenInvites(id: i64, invites: Vec<InviteView>) -> impl IntoView {
    let remind = ServerAction::<RemindInvitee>::new();
    let reminded = done("remind_invitee");
    view! {
        <h3>"Invited, not joined yet"</h3>
        <FormError error=action_error(remind) />
        {move || reminded.get().then(|| view! { <p class="notice" role="status">"Reminder sent."</p> })}
        <ul class="members">
            {invites
                .into_iter()
                .map(|i| {
                    let label = format!("Remind {}", i.email);
                    view! {
                        <li>
                            <span>{i.email.clone()} {i.declined.then_some(" (declined)")}</span>
                            {i.can_remind.then(|| view! {
                                <ActionForm action=remind>
                                    <input type="hidden" name="id" value=id />
                                    <input type="hidden" name="email" value=i.email.clone() />
                                    <button type="submit" class="button small" aria-label=label>"Remind"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Starts the next exchange with the same people, excluding this year's pairs.
#[component]
fn StartAgainForm(id: i64) -> impl IntoView {
    let again = ServerAction::<StartAgain>::new();
    let error = action_error(again);
    view! {
        <ActionForm action=again>
            <FormError error />
            <input type="hidden" name="id" value=id />
            <p class="hint">"Same people next time, and nobody draws the person they gave to this time."</p>
            <Submit label="Start again" busy_label="Starting…" />
        </ActionForm>
    }
}

/// A conversation between a giver and their recipient.
#[component]
fn NoteThread(notes: Vec<NoteView>, other: &'static str) -> impl IntoView {
    if notes.is_empty() {
        return view! { <p class="hint">"No notes yet."</p> }.into_any();
    }
    view! {
        <ul class="notes">
            {notes
                .into_iter()
                .map(|n| {
                    let who = if n.mine { "You" } else { other };
                    view! {
                        <li class:mine=n.mine>
                            <span class="who">{who}</span>
                            <span class="body">{n.body}</span>
                            <span class="at">{n.at}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The note field shared by both note forms.
fn note_field(field_id: &'static str, label: String) -> impl IntoView {
    view! {
        <div class="field">
            <label for=field_id>{label}</label>
            <textarea id=field_id name="body" rows="2" maxlength="280" required></textarea>
        </div>
    }
}

#[component]
fn NoteToRecipientForm(id: i64, recipient: String) -> impl IntoView {
    let action = ServerAction::<NoteToRecipient>::new();
    let error = action_error(action);
    view! {
        <ActionForm action>
            <FormError error />
            <input type="hidden" name="id" value=id />
            {note_field("note-to-recipient", format!("Write to {recipient} anonymously"))}
            <Submit label="Send the note" busy_label="Sending…" />
        </ActionForm>
    }
}

#[component]
fn NoteToSantaForm(id: i64) -> impl IntoView {
    let action = ServerAction::<NoteToSanta>::new();
    let error = action_error(action);
    view! {
        <ActionForm action>
            <FormError error />
            <input type="hidden" name="id" value=id />
            {note_field("note-to-santa", "Write to your Secret Santa".to_string())}
            <Submit label="Send the note" busy_label="Sending…" />
        </ActionForm>
    }
}

/// The viewer as a recipient: their wish hint and notes with their anonymous Santa.
#[component]
fn MySantaCard(id: i64, chat: SantaChat) -> impl IntoView {
    let hint = ServerAction::<SetWishHint>::new();
    let hint_error = action_error(hint);
    let saved = done("set_wish_hint");
    view! {
        <section class="card">
            <h2>"Your Secret Santa"</h2>
            {chat.can_edit_hint.then(|| view! {
                <ActionForm action=hint>
                    <FormError error=hint_error />
                    <input type="hidden" name="id" value=id />
                    <div class="field">
                        <label for="f-hint">"Your wish hint"</label>
                        <textarea id="f-hint" name="hint" rows="2" maxlength="280">{crate::ui::components::form::raw_text(&chat.my_wish_hint)}</textarea>
                        <p class="hint">"Only the person who draws you sees it."</p>
                    </div>
                    {move || saved.get().then(|| view! { <p class="notice" role="status">"Wish hint saved."</p> })}
                    <Submit label="Save my wish hint" busy_label="Saving…" />
                </ActionForm>
            })}
            {chat.can_write.then(|| view! {
                <h3>"Notes with your Secret Santa"</h3>
                <NoteThread notes=chat.notes.clone() other="Your Secret Santa" />
                <NoteToSantaForm id />
            })}
        </section>
    }
}

/// The invitation form, and the report of the last invitations (who was invited, who was
/// listed twice, what was not an address), which the server keeps for this page once.
#[component]
fn InviteForm(id: i64, report: Option<InviteReport>) -> impl IntoView {
    let invite = ServerAction::<InviteToExchange>::new();
    let error = action_error(invite);
    view! {
        <section class="card">
            <h2>"Invite people"</h2>
            <ActionForm action=invite>
                <FormError error />
                <input type="hidden" name="id" value=id />
                <div class="field">
                    <label for="f-addresses">"Email addresses"</label>
                    <textarea id="f-addresses" name="addresses" rows="4" required aria-describedby="f-addresses-hint"></textarea>
                    <p class="hint" id="f-addresses-hint">"One per line, or separated by commas. Each person gets an email to join (or to create an account and join)."</p>
                </div>
                <Submit label="Send invitations" busy_label="Sending…" />
            </ActionForm>
            {report.map(|r| view! {
                <div class="report" role="status">
                    {(!r.invited.is_empty()).then(|| view! { <p>"Invited: " {r.invited.join(", ")}</p> })}
                    {(!r.already.is_empty()).then(|| view! { <p>"Already in or invited: " {r.already.join(", ")}</p> })}
                    {(!r.duplicates.is_empty()).then(|| view! { <p>"Listed twice (invited once): " {r.duplicates.join(", ")}</p> })}
                    {(!r.invalid.is_empty()).then(|| view! { <p class="form-error">"Not email addresses, skipped: " {r.invalid.join(", ")}</p> })}
                    {(r.more > 0).then(|| view! { <p>{format!("…and {} more.", r.more)}</p> })}
                </div>
            })}
        </section>
    }
}

#[component]
fn ExclusionForm(id: i64, members: Vec<MemberView>, exclusions: Vec<(String, String)>) -> impl IntoView {
    let exclude = ServerAction::<AddExclusion>::new();
    let error = action_error(exclude);
    let options = move || members.iter().map(|m| view! { <option value=m.id>{m.name.clone()}</option> }).collect_view();
    view! {
        <section class="card">
            <h2>"Exclusions"</h2>
            {if exclusions.is_empty() {
                view! { <p class="hint">"No exclusions: anyone may draw anyone."</p> }.into_any()
            } else {
                view! {
                    <ul>{exclusions.into_iter().map(|(g, r)| view! { <li>{format!("{g} must not draw {r}")}</li> }).collect_view()}</ul>
                }
                .into_any()
            }}
            <ActionForm action=exclude>
                <FormError error />
                <input type="hidden" name="id" value=id />
                <div class="field">
                    <label for="f-giver">"This member"</label>
                    <select id="f-giver" name="giver_id">{options.clone()}</select>
                </div>
                <div class="field">
                    <label for="f-receiver">"must not draw"</label>
                    <select id="f-receiver" name="receiver_id">{options}</select>
                </div>
                <div class="field check">
                    <input type="checkbox" id="f-both" name="both" value="yes" />
                    <label for="f-both">"Both ways (a couple, a household)"</label>
                </div>
                <Submit label="Add the exclusion" busy_label="Adding…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn HouseholdForm(id: i64, members: Vec<MemberView>) -> impl IntoView {
    let household = ServerAction::<AddHousehold>::new();
    let error = action_error(household);
    view! {
        <section class="card">
            <h2>"Households"</h2>
            <ActionForm action=household>
                <FormError error />
                <input type="hidden" name="id" value=id />
                <fieldset class="household">
                    <legend>"Who lives together? Nobody draws inside their own household."</legend>
                    {members
                        .into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            let field = format!("hh-{}", m.id);
                            view! {
                                <div class="field check">
                                    <input type="checkbox" id=field.clone() name=format!("member_ids[{i}]") value=m.id />
                                    <label for=field>{m.name}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <Submit label="Add the household" busy_label="Adding…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn DrawForm(id: i64, count: usize) -> impl IntoView {
    let draw = ServerAction::<DrawNames>::new();
    let error = action_error(draw);
    view! {
        <section class="card">
            <h2>"Draw the names"</h2>
            <p class="hint">
                {if count < 3 { format!("You need at least 3 members; you have {count}.") } else { format!("{count} members are ready.") }}
                " After the draw nobody can join or leave."
            </p>
            <ActionForm action=draw>
                <FormError error />
                <input type="hidden" name="id" value=id />
                <Field label="Presents open on" name="reveal_at" kind="datetime-local" hint="In your time zone." error />
                <Submit label="Draw the names" busy_label="Drawing…" />
            </ActionForm>
        </section>
    }
}

/// A curated set for the picker: (emoji, words to search by).
const GIFTS: &[(&str, &str)] = &[
    ("🎁", "gift present box"),
    ("🧸", "teddy bear toy"),
    ("🍫", "chocolate sweet"),
    ("🍪", "cookie biscuit"),
    ("☕", "coffee hot drink"),
    ("🍵", "tea"),
    ("🍷", "wine"),
    ("🍾", "champagne bottle"),
    ("🧦", "socks warm"),
    ("🧣", "scarf warm"),
    ("🧤", "gloves"),
    ("🕯️", "candle"),
    ("📚", "books reading"),
    ("🎧", "headphones music"),
    ("🎮", "game console video"),
    ("🧩", "puzzle jigsaw"),
    ("🪴", "plant pot"),
    ("💐", "flowers bouquet"),
    ("🌵", "cactus plant"),
    ("🍰", "cake"),
    ("🎨", "art paint"),
    ("📷", "camera photo"),
    ("⌚", "watch time"),
    ("💍", "ring jewel"),
    ("🎟️", "ticket show"),
    ("✈️", "travel plane trip"),
    ("🚲", "bike bicycle"),
    ("⛸️", "ice skate"),
    ("🎸", "guitar music"),
    ("🪁", "kite"),
    ("🧁", "cupcake"),
    ("🍩", "doughnut donut"),
    ("🎄", "christmas tree"),
    ("⛄", "snowman winter"),
    ("🦄", "unicorn magic"),
    ("🐶", "dog puppy"),
    ("🐱", "cat kitten"),
    ("🌟", "star shine"),
    ("❤️", "heart love"),
    ("🍕", "pizza"),
];

#[component]
pub fn GiftPage() -> impl IntoView {
    let id = exchange_id();
    let data = Resource::new(move || id.get(), get_gift);
    view! {
        <Title text="My gift · Secret Santa · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(g) => {
                            let notes = g.notes.clone();
                            let recipient = g.recipient_name.clone();
                            let (gid, can_write) = (g.exchange_id, g.can_edit);
                            view! {
                                <GiftForm g />
                                <section class="card">
                                    <h2>{format!("Notes with {recipient}")}</h2>
                                    <p class="hint">"They see your notes signed \"Your Secret Santa\", never your name."</p>
                                    <NoteThread notes other="them" />
                                    {can_write.then(|| view! {
                                        <NoteToRecipientForm id=gid recipient=recipient.clone() />
                                    })}
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn GiftForm(g: GiftView) -> impl IntoView {
    let save = ServerAction::<GiveGift>::new();
    let error = action_error(save);
    let saved = done("give_gift");
    let current = g.emoji.clone();
    view! {
        <section class="card">
            <p class="hint"><A href=format!("/santa/{}", g.exchange_id)>{g.exchange_name.clone()}</A></p>
            <h1>{format!("Your gift for {}", g.recipient_name)}</h1>
            {(!g.recipient_wish_hint.is_empty()).then(|| view! {
                <p class="wish">"Their wish hint: " <q>{g.recipient_wish_hint.clone()}</q></p>
            })}
            <p>"Presents open " <strong>{g.reveal_at.clone()}</strong> ". Keep it secret!"</p>
            {move || saved.get().then(|| view! { <p class="notice" role="status">"Saved. You can change it until the reveal."</p> })}
            {if g.can_edit {
                view! {
                    <ActionForm action=save>
                        <FormError error />
                        <input type="hidden" name="id" value=g.exchange_id />
                        <EmojiPicker current />
                        <div class="field">
                            <label for="f-message">"Your message"</label>
                            <textarea id="f-message" name="message" rows="4" maxlength="280" required>{crate::ui::components::form::raw_text(&g.message)}</textarea>
                            <p class="hint">"Up to 280 characters, plain text."</p>
                        </div>
                        <Submit label="Save my gift" busy_label="Saving…" />
                    </ActionForm>
                }
                .into_any()
            } else {
                view! { <p>"The presents are open: your gift can't change any more."</p> }.into_any()
            }}
        </section>
    }
}

/// The emoji picker, an island: the search narrows the grid as the person types. Without
/// JavaScript the whole grid shows and the form still posts the chosen emoji.
#[island]
pub fn EmojiPicker(current: String) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    view! {
        <fieldset class="emoji-picker">
            <legend>"Pick an emoji"</legend>
            <label class="search" for="emoji-search">"Search"</label>
            <input
                id="emoji-search"
                type="search"
                placeholder="cake, socks, music…"
                on:input=move |ev| filter.set(event_target_value(&ev).to_ascii_lowercase())
            />
            <div class="emoji-grid">
                {GIFTS
                    .iter()
                    .map(|(e, words)| {
                        let hidden = move || {
                            let f = filter.get();
                            !f.is_empty() && !words.contains(f.trim())
                        };
                        let id = format!("emoji-{}", words.split(' ').next().unwrap_or("x"));
                        view! {
                            <span class="emoji-option" class:hidden=hidden>
                                <input type="radio" name="emoji" id=id.clone() value=*e checked=current == *e required />
                                <label for=id title=*words>
                                    <span aria-hidden="true">{*e}</span>
                                    <span class="sr-only">{words.split(' ').next().unwrap_or("")}</span>
                                </label>
                            </span>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

#[component]
pub fn PresentPage() -> impl IntoView {
    let id = exchange_id();
    let data = Resource::new(move || id.get(), get_present);
    view! {
        <Title text="My present · Secret Santa · Hearth" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(p) => view! { <PresentCard p /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn PresentCard(p: PresentView) -> impl IntoView {
    let id = p.exchange_id;
    let wall = p.wall_path.clone();
    let inside = match p.present {
        Present::Wrapped { revealing: true, .. } => {
            return view! {
                <section class="card present">
                    <h1>"Revealing…"</h1>
                    <p class="big-icon" aria-hidden="true">"🎁"</p>
                    <p role="status">"The presents are being opened. Reload in a moment."</p>
                </section>
            }
            .into_any()
        }
        Present::Wrapped { reveal_at, .. } => {
            return view! {
                <section class="card present">
                    <h1>"Not yet!"</h1>
                    <p class="big-icon" aria-hidden="true">"🎁"</p>
                    <p>"Your present opens " <strong>{reveal_at}</strong> "."</p>
                </section>
            }
            .into_any()
        }
        Present::Gift { emoji, message, giver_name } => view! {
            <p class="gift-emoji" role="img" aria-label="Your gift">{emoji}</p>
            <blockquote class="gift-message">{message}</blockquote>
            <p>"From " <strong>{giver_name}</strong></p>
        }
        .into_any(),
        Present::Coal { giver_name } => view! {
            <p class="gift-emoji" role="img" aria-label="A lump of coal">"🪨"</p>
            <p>"A lump of coal. " <strong>{giver_name}</strong> " never chose a gift."</p>
            <p><A href=wall>"See the wall of shame"</A></p>
        }
        .into_any(),
    };
    view! {
        <section class="card present">
            <p class="hint"><A href=format!("/santa/{id}")>{p.exchange_name}</A></p>
            <h1>"Your present"</h1>
            <div class="unwrap" aria-hidden="true">"🎁"</div>
            <div class="inside">{inside}</div>
        </section>
    }
    .into_any()
}

#[component]
pub fn WallPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let data = Resource::new(token, get_wall);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || {
                data.get()
                    .map(|r| match r {
                        Ok(w) => view! { <Wall w /> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Wall(w: WallView) -> impl IntoView {
    let boo = ServerAction::<BooGrinch>::new();
    let error = action_error(boo);
    let title = format!("Wall of shame · {}", w.exchange_name);
    let description = if w.grinches.is_empty() {
        format!("Who forgot their Secret Santa gift in {}?", w.exchange_name)
    } else {
        format!("{} grinch(es) gave nothing in {}.", w.grinches.len(), w.exchange_name)
    };
    let id = w.exchange_id;
    view! {
        <Title text=crate::ui::components::form::raw_text(&title) />
        <Meta name="description" content=description.clone() />
        <Meta property="og:title" content=title.clone() />
        <Meta property="og:description" content=description />
        <Meta property="og:type" content="website" />
        <section class="card">
            <h1>"Wall of shame"</h1>
            <p class="hint">{w.exchange_name.clone()}</p>
            {if !w.revealed {
                view! { <p>"The grinches will be known after the reveal."</p> }.into_any()
            } else if w.grinches.is_empty() {
                view! { <p role="status">"Nobody forgot: every giver gave a gift. 🎉"</p> }.into_any()
            } else {
                view! {
                    <FormError error />
                    <ul class="grinches">
                        {w.grinches
                            .into_iter()
                            .map(|g| {
                                let boo_label = format!("Boo {}", g.name);
                                view! {
                                <li>
                                    <span class="grinch-name">"😈 " {g.name.clone()}</span>
                                    <span class="boos">{format!("{} boo{}", g.boos, if g.boos == 1 { "" } else { "s" })}</span>
                                    {w.can_boo.then(|| view! {
                                        <ActionForm action=boo>
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="grinch_id" value=g.id />
                                            <button type="submit" class="button small" aria-label=boo_label>"👎 Boo"</button>
                                        </ActionForm>
                                    })}
                                </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}
