//! Lunches' pages: the member's lunch page (my lunches, profile, availability with a week
//! view, who is free at a glance, invitation codes), the join page a code leads to, one
//! lunch (answer in one tap, review), the anonymised feed, and the admins' lists. Server
//! rendered; forms post without JavaScript; open pages reload live on a change.
use super::api::*;
use super::domain::{Answer, LunchState};
use super::types::*;
use crate::core::error::AppError;
use crate::ui::components::form::{action_error, typed, FormError, Submit};
use crate::ui::components::layout::{PageProblem, Section};
use crate::ui::components::live::LiveRefresh;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Lunches in the navigation and on the home page.
pub const SECTION: Section = Section {
    href: "/lunches",
    icon: "🥪",
    label: "Lunches",
    title: "Lunches",
    blurb: "Say when you're free; Hearth proposes small lunches with people you haven't met lately.",
};

fn loading(what: &'static str) -> impl IntoView {
    view! { <p class="loading" role="status">{what}</p> }
}

#[component]
fn Problem(error: AppError) -> impl IntoView {
    view! { <PageProblem error not_found="We couldn't find that lunch among yours." back_href="/lunches" back_label="Back to your lunches" /> }
}

fn notice(text: &'static str) -> impl IntoView {
    view! { <p class="notice" role="status">{text}</p> }
}

#[component]
pub fn LunchesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_lunches_page());
    let query = use_query_map();
    let saved = move || query.read().get("saved");
    let joined = move || query.read().get("joined").is_some();
    view! {
        <Title text="Lunches · Hearth" />
        <h1>"Lunches"</h1>
        <Suspense fallback=|| loading("Loading your lunches…")>
            {move || data.get().map(|r| match r {
                Ok(page) if page.enrolled => view! {
                    <LiveRefresh url=format!("/api/live/{}/{}", super::MEMBER_TOPIC, page.user_id) message="Your lunches have changed.".to_string() />
                    {joined().then(|| notice("Welcome to lunches! Choose your location and when you are free."))}
                    {match saved().as_deref() {
                        Some("profile") => Some(notice("Profile saved.")),
                        Some("window") => Some(notice("Saved. Hearth looks for lunches in a minute or so.")),
                        Some("deleted") => Some(notice("Window deleted.")),
                        _ => None,
                    }}
                    <MyLunches page=page.clone() />
                    <Profile page=page.clone() />
                    <Availability page=page.clone() />
                    <Crowds page=page.clone() />
                    <Invite page=page.clone() />
                    <p><a href="/lunches/feed">"See lunches happening soon →"</a></p>
                }.into_any(),
                Ok(_) => view! { <JoinCard code=String::new() /> }.into_any(),
                Err(AppError::Unauthorized) => view! { <Intro next="/lunches" /> }.into_any(),
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Intro(next: &'static str) -> impl IntoView {
    let next = crate::core::domain::links::query_value(next);
    view! {
        <section class="card">
            <p class="big-icon" aria-hidden="true">"🥪"</p>
            <p class="lead">"Meet people over lunch. Say when you are free and what you can't eat; Hearth proposes small lunches of two or three with people you haven't met lately."</p>
            <p>"Lunches are by invitation: a member gives you a code."</p>
            <p class="actions">
                <a class="button primary" href=format!("/signup?next={next}")>"Create an account"</a>
                <a class="button" href=format!("/login?next={next}")>"Log in"</a>
            </p>
        </section>
    }
}

#[component]
fn JoinCard(code: String) -> impl IntoView {
    let join = ServerAction::<JoinLunches>::new();
    let error = action_error(join);
    let typed_code = typed("code");
    let value = move || if code.is_empty() { typed_code.get() } else { code.clone() };
    let invalid = move || error.get().is_some_and(|e| e.field() == Some("code"));
    view! {
        <section class="card">
            <h2>"Your invitation"</h2>
            <p>"Lunches are by invitation. Type the code a member gave you."</p>
            <ActionForm action=join>
                <FormError error />
                <div class="field">
                    <label for="j-code">"Invitation code"</label>
                    <input id="j-code" name="code" type="text" required autocomplete="off" autocapitalize="characters"
                        spellcheck="false" aria-describedby="j-code-hint" aria-invalid=move || invalid().to_string() value=value />
                    <p class="hint" id="j-code-hint">"16 letters and digits, like ABCD-EFGH-JKMN-PQRS."</p>
                </div>
                <Submit label="Join lunches" busy_label="Joining…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn LunchList(title: &'static str, empty: &'static str, items: Vec<LunchCard>) -> impl IntoView {
    view! {
        <h3>{title}</h3>
        {if items.is_empty() {
            view! { <p class="hint">{empty}</p> }.into_any()
        } else {
            view! {
                <ul class="plain-list">
                    {items.into_iter().map(|c| {
                        let answer = match c.my_answer {
                            Answer::Accepted => " · you accepted",
                            Answer::Declined => " · you declined",
                            Answer::Pending if c.state == LunchState::Proposed => " · waiting for your answer",
                            Answer::Pending => "",
                        };
                        view! {
                            <li class="lunch" data-lunch=c.id>
                                <a href=format!("/lunches/{}", c.id)><strong>{c.when.clone()}</strong></a>
                                <span>{format!(" · {} · {} · {}{answer}", c.food, c.location, c.state_label)}</span>
                                {c.may_review.then(|| view! { " · " <a href=format!("/lunches/{}#review", c.id)>"Review it"</a> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn MyLunches(page: LunchesView) -> impl IntoView {
    view! {
        <section class="card" id="mine">
            <h2>"My lunches"</h2>
            <LunchList title="Proposed" empty="Nothing proposed right now. Add when you are free below; Hearth looks every night and soon after a change." items=page.proposed />
            <LunchList title="Upcoming" empty="No confirmed lunch yet." items=page.upcoming />
            <LunchList title="Past" empty="No past lunches." items=page.past />
        </section>
    }
}

#[component]
fn Profile(page: LunchesView) -> impl IntoView {
    let save = ServerAction::<SaveLunchProfile>::new();
    let error = action_error(save);
    let no_lists = page.locations.is_empty() || page.foods.is_empty();
    view! {
        <section class="card" id="profile">
            <h2>"Your lunch profile"</h2>
            {no_lists.then(|| view! { <p class="hint">"An admin has not added locations or food types yet; lunches start once they have."</p> })}
            <ActionForm action=save>
                <FormError error />
                <div class="field">
                    <label for="p-location">"Where you lunch"</label>
                    <select id="p-location" name="location">
                        <option value="" selected=page.location_id.is_none()>"Choose a location"</option>
                        {page.locations.iter().map(|l| view! {
                            <option value=l.id selected=page.location_id == Some(l.id)>
                                {format!("{} ({})", l.name, l.time_zone.clone().unwrap_or_default())}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="field">
                    <legend>"Food you can't eat"</legend>
                    {page.foods.iter().enumerate().map(|(i, f)| {
                        let id = format!("p-food-{}", f.id);
                        let label_for = id.clone();
                        view! {
                            <label class="check" for=label_for>
                                <input type="checkbox" id=id name=format!("cannot_eat[{i}]") value=f.id checked=page.cannot_eat.contains(&f.id) />
                                {f.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <Submit label="Save profile" busy_label="Saving…" />
            </ActionForm>
        </section>
    }
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Every Monday"),
    ("tue", "Every Tuesday"),
    ("wed", "Every Wednesday"),
    ("thu", "Every Thursday"),
    ("fri", "Every Friday"),
    ("sat", "Every Saturday"),
    ("sun", "Every Sunday"),
];

#[component]
fn WindowForm(window: Option<WindowView>, today: String) -> impl IntoView {
    let save = ServerAction::<SaveLunchWindow>::new();
    let error = action_error(save);
    let scope = window.as_ref().map(|w| format!("w{}", w.id)).unwrap_or_else(|| "new".into());
    let pick = |from_window: Option<String>, name: &'static str, fallback: &'static str| {
        let t = typed(name);
        move || {
            from_window.clone().unwrap_or_else(|| {
                let v = t.get();
                if v.is_empty() {
                    fallback.to_string()
                } else {
                    v
                }
            })
        }
    };
    let repeat = pick(window.as_ref().map(|w| w.repeat.clone()), "repeat", "date");
    let date = pick(window.as_ref().map(|w| w.date.clone()), "date", "");
    let from = pick(window.as_ref().map(|w| w.from.clone()), "from", "12:00");
    let until = pick(window.as_ref().map(|w| w.until.clone()), "until", "13:30");
    let field_error =
        move |name: &'static str| move || error.get().is_some_and(|e| e.field() == Some(name)).to_string();
    let id = move |f: &str| format!("{scope}-{f}");
    let label = if window.is_some() { "Save window" } else { "Add window" };
    view! {
        <ActionForm action=save attr:class="window-form">
            <FormError error />
            {window.as_ref().map(|w| view! { <input type="hidden" name="id" value=w.id /> })}
            <div class="field">
                <label for=id("repeat")>"When"</label>
                <select id=id("repeat") name="repeat" aria-invalid=field_error("repeat")>
                    <option value="date" selected={
                        let r = repeat.clone();
                        move || r() == "date"
                    }>"On the date below"</option>
                    {WEEKDAYS.iter().map(|(k, l)| {
                        let r = repeat.clone();
                        view! { <option value=*k selected=move || r() == *k>{*l}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=id("date")>"Date (for a one-off window)"</label>
                <input id=id("date") name="date" type="date" min=today value=date aria-invalid=field_error("date") />
            </div>
            <div class="field-row">
                <div class="field">
                    <label for=id("from")>"From"</label>
                    <input id=id("from") name="from" type="time" required value=from aria-invalid=field_error("from") />
                </div>
                <div class="field">
                    <label for=id("until")>"Until"</label>
                    <input id=id("until") name="until" type="time" required value=until aria-invalid=field_error("until") />
                </div>
            </div>
            <Submit label=label busy_label="Saving…" />
        </ActionForm>
    }
}

#[component]
fn Availability(page: LunchesView) -> impl IntoView {
    let delete = ServerAction::<DeleteLunchWindow>::new();
    let error = action_error(delete);
    let today = page.today.clone();
    view! {
        <section class="card" id="availability">
            <h2>"When you are free"</h2>
            <p class="hint">{format!("Times are in your time zone, {}. Overlapping windows are merged.", page.viewer_zone)}</p>
            <WeekView days=page.week.clone() />
            <h3>"Your windows"</h3>
            <FormError error />
            {page.windows.is_empty().then(|| view! { <p class="hint">"No windows yet: add one below."</p> })}
            <ul class="plain-list windows">
                {page.windows.clone().into_iter().map(|w| view! {
                    <li class="window">
                        <strong>{w.label.clone()}</strong>
                        {w.zone_note.clone().map(|z| view! { <span class="hint">{format!(" ({z})")}</span> })}
                        <details>
                            <summary>"Edit"</summary>
                            <WindowForm window=Some(w.clone()) today=today.clone() />
                        </details>
                        <ActionForm action=delete attr:class="inline-form">
                            <input type="hidden" name="id" value=w.id />
                            <Submit label="Delete" busy_label="Deleting…" />
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <h3>"Add a window"</h3>
            <WindowForm window=None today=page.today.clone() />
        </section>
    }
}

/// The hours the week view draws (07:00 to 21:00); spans outside still show as text.
const FIRST_HOUR: u16 = 7;
const LAST_HOUR: u16 = 21;

#[component]
fn WeekView(days: Vec<DayRow>) -> impl IntoView {
    view! {
        <ol class="week" aria-label="This week at a glance">
            {days.into_iter().map(|d| {
                let text = if d.spans.is_empty() {
                    "not free".to_string()
                } else {
                    d.spans.iter().map(|s| s.label.clone()).collect::<Vec<_>>().join(", ")
                };
                let cells = (FIRST_HOUR..LAST_HOUR).map(|h| {
                    let free = d.spans.iter().any(|s| s.from_minute < (h + 1) * 60 && s.until_minute > h * 60);
                    view! { <span class=if free { "hour free" } else { "hour" }></span> }
                }).collect_view();
                view! {
                    <li class="day">
                        <span class="day-label">{d.label.clone()}</span>
                        <span class="hours" aria-hidden="true">{cells}</span>
                        <span class="day-spans">{text}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

#[component]
fn Crowds(page: LunchesView) -> impl IntoView {
    view! {
        <section class="card" id="crowds">
            <h2>"Who else is free"</h2>
            {if page.location_id.is_none() {
                view! { <p class="hint">"Choose your location to see when others there are free."</p> }.into_any()
            } else if page.crowds.is_empty() {
                view! { <p class="hint">"Nobody you could lunch with at your location has said they are free this coming week yet."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"When people you could lunch with at your location are free this coming week (counts only). Widen your windows to meet them."</p>
                    <ul class="plain-list">
                        {page.crowds.into_iter().map(|c| view! { <li><strong>{c.when}</strong>{format!(" · {}", c.count)}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Invite(page: LunchesView) -> impl IntoView {
    let create = ServerAction::<CreateLunchCode>::new();
    let error = action_error(create);
    view! {
        <section class="card" id="invite">
            <h2>"Invite someone"</h2>
            {page.new_code.clone().map(|code| view! {
                <div class="notice" role="status">
                    <p>"Your new code (shown once; valid 14 days, for one person):"</p>
                    <p class="code" data-testid="new-code">{code}</p>
                    {page.join_link.clone().map(|l| view! { <p class="hint">"Or send them this link: " <span class="link-text">{l}</span></p> })}
                </div>
            })}
            {if page.banned {
                view! { <p class="form-error" role="alert">"Your account cannot invite: an admin has suspended it."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=create>
                        <FormError error />
                        <p class="hint">"A code lets one person sign up and join lunches. A few codes a day."</p>
                        <Submit label="Create an invitation code" busy_label="Creating…" />
                    </ActionForm>
                }.into_any()
            }}
            {(!page.codes.is_empty()).then(|| view! {
                <ul class="plain-list">
                    {page.codes.into_iter().map(|c| view! { <li>{format!("…{} · {}", c.hint, c.status)}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

/// `/lunches/join?code=…`: where an invitation leads (through sign-up for a newcomer).
#[component]
pub fn LunchJoinPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_lunch_join());
    let query = use_query_map();
    let code = move || query.read().get("code").unwrap_or_default();
    view! {
        <Title text="Join lunches · Hearth" />
        <h1>"Join lunches"</h1>
        <Suspense fallback=|| loading("Loading…")>
            {move || data.get().map(|r| match r {
                Ok(j) if j.enrolled => view! {
                    <section class="card"><p>"You are already in lunches."</p><p><a class="button primary" href="/lunches">"Go to your lunches"</a></p></section>
                }.into_any(),
                Ok(_) => view! { <JoinCard code=code() /> }.into_any(),
                Err(AppError::Unauthorized) => {
                    let here = format!("/lunches/join?code={}", code());
                    let next = crate::core::domain::links::query_value(&here);
                    view! {
                        <section class="card">
                            <p class="lead">"You're invited to lunches on Hearth."</p>
                            <p>"Create an account (or log in); you join with your code right after."</p>
                            <p class="actions">
                                <a class="button primary" href=format!("/signup?next={next}")>"Create an account"</a>
                                <a class="button" href=format!("/login?next={next}")>"Log in"</a>
                            </p>
                        </section>
                    }.into_any()
                }
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

/// `/lunches/{id}`: one lunch for one of its attendees (signed in, or the mailed link's `t`).
#[component]
pub fn LunchPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let id = params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        (id, query.read().get("t"))
    };
    let data = Resource::new(key, |(id, t)| get_lunch(id, t));
    let done = move || query.read().get("done");
    view! {
        <Title text="Lunch · Hearth" />
        <Suspense fallback=|| loading("Loading the lunch…")>
            {move || data.get().map(|r| match r {
                Ok(l) => view! {
                    {match done().as_deref() {
                        Some("answer_lunch") => Some(notice("Thanks, your answer is saved.")),
                        Some("review_lunch") => Some(notice("Thanks for your review.")),
                        _ => None,
                    }}
                    <LunchDetail l />
                }.into_any(),
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

fn answer_label(a: Answer) -> &'static str {
    match a {
        Answer::Pending => "hasn't answered",
        Answer::Accepted => "accepted",
        Answer::Declined => "declined",
    }
}

#[component]
fn LunchDetail(l: LunchView) -> impl IntoView {
    let live = match &l.token {
        Some(t) => format!("/api/live/{}/{}?t={t}", super::LUNCH_TOPIC, l.id),
        None => format!("/api/live/{}/{}", super::LUNCH_TOPIC, l.id),
    };
    view! {
        <article class="card lunch-detail">
            <h1>{format!("Lunch: {}", l.food)}</h1>
            <LiveRefresh url=live message="This lunch has changed.".to_string() />
            <p class="state" data-testid="lunch-state">{l.state_label.clone()}</p>
            <p class="when"><strong>{l.when.clone()}</strong>{format!(" ({})", l.viewer_zone)}</p>
            <p>{format!("At {} · {} to {} people", l.location, l.min_size, l.max_size)}</p>
            <h2>"Who"</h2>
            <ul class="plain-list">
                {l.people.iter().map(|p| {
                    let you = if p.user_id == l.me { " (you)" } else { "" };
                    view! { <li>{format!("{}{you} · {}", p.name, answer_label(p.answer))}</li> }
                }).collect_view()}
            </ul>
            {l.may_answer.then(|| view! { <AnswerForms l=l.clone() /> })}
            {(l.state == LunchState::Rejected).then(|| view! { <p class="hint">"This lunch is called off: too few people could come. Hearth keeps looking."</p> })}
            {l.may_review.then(|| view! { <ReviewForm l=l.clone() /> })}
            {l.reviewed.then(|| view! { <p class="hint">"You reviewed this lunch. Thank you."</p> })}
            {l.signed_in.then(|| view! { <p><a href="/lunches">"← Your lunches"</a></p> })}
        </article>
    }
}

#[component]
fn AnswerForms(l: LunchView) -> impl IntoView {
    let answer = ServerAction::<AnswerLunch>::new();
    let error = action_error(answer);
    let token = l.token.clone();
    let form = move |value: &'static str, label: &'static str| {
        let token = token.clone();
        view! {
            <ActionForm action=answer attr:class="inline-form">
                <input type="hidden" name="id" value=l.id />
                <input type="hidden" name="answer" value=value />
                {token.map(|t| view! { <input type="hidden" name="t" value=t /> })}
                <Submit label=label busy_label="Saving…" />
            </ActionForm>
        }
    };
    let prompt = match l.my_answer {
        Answer::Pending => "Can you come?",
        Answer::Accepted => "You're coming. Can't make it after all?",
        Answer::Declined => "You declined. Changed your mind?",
    };
    view! {
        <section class="answer" id="answer">
            <h2>{prompt}</h2>
            <FormError error />
            <p class="actions">
                {(l.my_answer != Answer::Accepted).then(|| form("accept", "Accept"))}
                {(l.my_answer != Answer::Declined).then(|| form("decline", "Decline"))}
            </p>
        </section>
    }
}

#[component]
fn ReviewForm(l: LunchView) -> impl IntoView {
    let review = ServerAction::<ReviewLunch>::new();
    let error = action_error(review);
    let others: Vec<PersonView> =
        l.people.iter().filter(|p| p.user_id != l.me && p.answer == Answer::Accepted).cloned().collect();
    view! {
        <section class="review" id="review">
            <h2>"How was it?"</h2>
            <ActionForm action=review>
                <FormError error />
                <input type="hidden" name="id" value=l.id />
                <fieldset class="field">
                    <legend>"Did you enjoy it?"</legend>
                    <label class="check" for="rv-yes"><input type="radio" id="rv-yes" name="enjoyed" value="yes" required />"Yes"</label>
                    <label class="check" for="rv-no"><input type="radio" id="rv-no" name="enjoyed" value="no" />"Not really"</label>
                </fieldset>
                {(!others.is_empty()).then(|| view! {
                    <fieldset class="field">
                        <legend>"Anyone you'd rather not lunch with again? (private)"</legend>
                        {others.iter().enumerate().map(|(i, p)| {
                            let id = format!("rv-avoid-{}", p.user_id);
                            let label_for = id.clone();
                            view! {
                                <label class="check" for=label_for>
                                    <input type="checkbox" id=id name=format!("avoid[{i}]") value=p.user_id />
                                    {p.name.clone()}
                                </label>
                            }
                        }).collect_view()}
                        <p class="hint">"Nobody is told. Hearth only remembers not to pair you again."</p>
                    </fieldset>
                })}
                <Submit label="Send review" busy_label="Sending…" />
            </ActionForm>
        </section>
    }
}

/// `/lunches/feed`: confirmed lunches, anonymised, for members; live.
#[component]
pub fn LunchFeedPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_lunch_feed());
    view! {
        <Title text="Lunches happening · Hearth" />
        <h1>"Lunches happening"</h1>
        <LiveRefresh url=format!("/api/live/{}/0", super::FEED_TOPIC) message="New lunches were confirmed.".to_string() />
        <Suspense fallback=|| loading("Loading…")>
            {move || data.get().map(|r| match r {
                Ok(items) if items.is_empty() => view! {
                    <section class="card empty-state"><p>"No confirmed lunches coming up yet."</p><p><a href="/lunches">"Say when you are free"</a></p></section>
                }.into_any(),
                Ok(items) => view! {
                    <ul class="plain-list card feed">
                        {items.into_iter().map(|f| view! {
                            <li data-feed=f.id><strong>{f.initials}</strong>{format!(" · {} · {} · {}", f.food, f.date, f.location)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(AppError::Unauthorized) => view! { <Intro next="/lunches/feed" /> }.into_any(),
                Err(e) => view! { <Problem error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

/// `/admin/lunches`: food types, locations, all lunches. 404 for anyone but an admin.
#[component]
pub fn AdminLunchesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_admin_lunches());
    let query = use_query_map();
    view! {
        <Title text="Lunches · Admin · Hearth" />
        <p><a href="/admin">"← Admin"</a></p>
        <h1>"Lunches"</h1>
        <Suspense fallback=|| loading("Loading…")>
            {move || data.get().map(|r| match r {
                Ok(page) => view! {
                    {query.read().get("saved").is_some().then(|| notice("Saved."))}
                    {query.read().get("matched").map(|n| {
                        let what = if n == "1" { "1 lunch".to_string() } else { format!("{n} lunches") };
                        view! { <p class="notice" role="status">{format!("Matching ran: {what} proposed.")}</p> }
                    })}
                    <AdminList list="foods" title="Food types" items=page.foods.clone() />
                    <AdminList list="locations" title="Locations" items=page.locations.clone() />
                    <AdminLunchTable page=page.clone() />
                }.into_any(),
                Err(e) => view! { <PageProblem error=e not_found="This page does not exist." back_href="/" back_label="Home" /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn NamedForm(list: &'static str, item: Option<NamedView>) -> impl IntoView {
    let save = ServerAction::<SaveLunchListItem>::new();
    let error = action_error(save);
    let scope = format!("{list}-{}", item.as_ref().map(|i| i.id.to_string()).unwrap_or_else(|| "new".into()));
    let typed_name = typed("name");
    let typed_zone = typed("time_zone");
    let name = item.as_ref().map(|i| i.name.clone());
    let zone = item.as_ref().and_then(|i| i.time_zone.clone());
    let is_new = item.is_none();
    let invalid = move |f: &'static str| move || error.get().is_some_and(|e| e.field() == Some(f)).to_string();
    view! {
        <ActionForm action=save attr:class="named-form">
            <FormError error />
            <input type="hidden" name="list" value=list />
            {item.as_ref().map(|i| view! { <input type="hidden" name="id" value=i.id /> })}
            <div class="field">
                <label for=format!("{scope}-name")>{if is_new { "New name" } else { "Name" }}</label>
                <input id=format!("{scope}-name") name="name" type="text" required maxlength="40"
                    value=move || name.clone().unwrap_or_else(|| if is_new { typed_name.get() } else { String::new() })
                    aria-invalid=invalid("name") />
            </div>
            {(list == "locations").then(|| view! {
                <div class="field">
                    <label for=format!("{scope}-tz")>"Time zone"</label>
                    <input id=format!("{scope}-tz") name="time_zone" type="text" required placeholder="Europe/Paris"
                        value=move || zone.clone().unwrap_or_else(|| typed_zone.get()) aria-invalid=invalid("time_zone") />
                </div>
            })}
            <Submit label=if is_new { "Add" } else { "Rename" } busy_label="Saving…" />
        </ActionForm>
    }
}

#[component]
fn AdminList(list: &'static str, title: &'static str, items: Vec<NamedView>) -> impl IntoView {
    let retire = ServerAction::<RetireLunchListItem>::new();
    let error = action_error(retire);
    view! {
        <section class="card" id=list>
            <h2>{title}</h2>
            <FormError error />
            {items.is_empty().then(|| view! { <p class="empty-state">"None yet: add the first below."</p> })}
            <ul class="plain-list">
                {items.into_iter().map(|i| {
                    let label = match &i.time_zone {
                        Some(tz) => format!("{} ({tz})", i.name),
                        None => i.name.clone(),
                    };
                    let retired = i.retired;
                    view! {
                        <li data-item=i.id>
                            <strong>{label}</strong>
                            {retired.then_some(" · retired")}
                            <details>
                                <summary>"Rename"</summary>
                                <NamedForm list item=Some(i.clone()) />
                            </details>
                            <ActionForm action=retire attr:class="inline-form">
                                <input type="hidden" name="list" value=list />
                                <input type="hidden" name="id" value=i.id />
                                <input type="hidden" name="retired" value=if retired { "no" } else { "yes" } />
                                <Submit label=if retired { "Bring back" } else { "Retire" } busy_label="Saving…" />
                            </ActionForm>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <NamedForm list item=None />
        </section>
    }
}

#[component]
fn AdminLunchTable(page: AdminLunchesView) -> impl IntoView {
    let run = ServerAction::<RunLunchMatching>::new();
    let error = action_error(run);
    view! {
        <section class="card" id="all-lunches">
            <h2>"All lunches"</h2>
            <ActionForm action=run>
                <FormError error />
                <p class="hint">"The matching runs every night and soon after availability changes."</p>
                <Submit label="Run the matching now" busy_label="Matching…" />
            </ActionForm>
            {page.lunches.is_empty().then(|| view! { <p class="empty-state">"No lunches yet."</p> })}
            <ul class="plain-list">
                {page.lunches.into_iter().map(|l| view! {
                    <li data-lunch=l.id>
                        <strong>{format!("#{} {}", l.id, l.when)}</strong>
                        {format!(" · {} · {} · {} · {}", l.food, l.location, l.state_label, l.people)}
                    </li>
                }).collect_view()}
            </ul>
            <p class="hint">{format!("Times in {}.", page.viewer_zone)}</p>
        </section>
    }
}
