//! The dev mailbox: every mail the app sent, with its links clickable (dev mode only).
use crate::core::api::dev::dev_mailbox;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Title text="Dev mailbox · Hearth" />
        <h1>"Dev mailbox"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading mail…"</p> }>
            {move || {
                mails.get()
                    .map(|r| match r {
                        Ok(list) if list.is_empty() => view! { <p class="card">"No mail has been sent yet."</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <ul class="mailbox">
                                    {list
                                        .into_iter()
                                        .map(|m| {
                                            view! {
                                                <li class="card mail">
                                                    <h2>{m.subject}</h2>
                                                    <p class="hint">{format!("To {} · {}", m.to, m.sent_at)}</p>
                                                    <pre>{m.text}</pre>
                                                    {m.attachments.into_iter().map(|(name, _)| view! { <p class="hint">{format!("Attached: {name}")}</p> }).collect_view()}
                                                    <ul class="links">
                                                        {m.links.into_iter().map(|l| view! { <li><a href=l.clone() rel="external">{l.clone()}</a></li> }).collect_view()}
                                                    </ul>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="card">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
