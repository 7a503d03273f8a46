//! The Share control (a link holding the whole notebook, copied to the
//! clipboard, always shown in a text field too, with the iframe snippet
//! for embedding) and the notices above the notebook.

use leptos::ev::KeyboardEvent;
use leptos::html::{Button, Input};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{Nb, NoticeKind};
use crate::share;

/// What the share panel shows.
#[derive(Clone, Debug, PartialEq)]
enum Panel {
    Closed,
    Working,
    Ready { link: String, copied: bool },
    Failed(String),
}

/// Links longer than this are flagged (some chat apps and mail clients
/// cut long links).
const LONG_LINK: usize = 8000;

/// An `<iframe>` snippet that embeds the notebook of `link`.
fn embed_snippet(link: &str) -> String {
    let (base, fragment) = link.split_once('#').unwrap_or((link, ""));
    format!(
        "<iframe src=\"{base}?embed=1#{fragment}\" title=\"ectoplasm notebook\" style=\"width:100%;height:24rem;border:1px solid #ccc;border-radius:6px\" loading=\"lazy\"></iframe>"
    )
}

#[component]
pub fn ShareControl() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let panel = RwSignal::new(Panel::Closed);
    let link_input = NodeRef::<Input>::new();
    let button = NodeRef::<Button>::new();

    let share = move || {
        let snapshot = nb.snapshot();
        panel.set(Panel::Working);
        spawn_local(async move {
            match share::link(&snapshot).await {
                Ok(link) => {
                    let copied = share::copy_to_clipboard(&link).await.is_ok();
                    panel.set(Panel::Ready { link, copied });
                    // The field is rendered by now: select it for Ctrl+C.
                    request_animation_frame(move || {
                        if let Some(input) = link_input.get_untracked() {
                            let _ = input.focus();
                            input.select();
                        }
                    });
                }
                Err(e) => panel.set(Panel::Failed(e)),
            }
        });
    };
    let copy = move || {
        let Panel::Ready { link, .. } = panel.get_untracked() else { return };
        spawn_local(async move {
            let copied = share::copy_to_clipboard(&link).await.is_ok();
            panel.set(Panel::Ready { link, copied });
        });
    };
    // Closing gives the focus back to the Share button.
    let close = move || {
        panel.set(Panel::Closed);
        if let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    let on_key = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };

    view! {
        <button type="button" class="btn" data-testid="share" node_ref=button
            title="A link to this notebook (the whole notebook is in the link)"
            aria-haspopup="dialog"
            aria-expanded=move || (panel.get() != Panel::Closed).to_string()
            disabled=move || nb.opening.get()
            on:click=move |_| share()>"Share"</button>
        {move || match panel.get() {
            Panel::Closed => None,
            state => Some(view! {
                <div class="share-panel panel" role="dialog" aria-label="Share this notebook" data-testid="share-panel" on:keydown=on_key>
                    <div class="panel-head">
                        <h2>"Share this notebook"</h2>
                        <button type="button" class="btn small" data-testid="share-close" aria-label="Close the share panel"
                            on:click=move |_| close()>"✕"</button>
                    </div>
                    {match state {
                        Panel::Working | Panel::Closed => view! { <p class="muted" data-testid="share-status" role="status">"Making the link…"</p> }.into_any(),
                        Panel::Failed(e) => view! { <p class="error" data-testid="share-status" role="alert">{format!("The link could not be made: {e}")}</p> }.into_any(),
                        Panel::Ready { link, copied } => {
                            let snippet = embed_snippet(&link);
                            let length = link.chars().count();
                            view! {
                                <label class="share-label" for="share-link">"Link (opens this notebook, as it is now)"</label>
                                <div class="share-row">
                                    <input id="share-link" class="share-field" type="text" readonly data-testid="share-link"
                                        node_ref=link_input prop:value=link.clone() on:focus:target=move |ev| ev.target().select()/>
                                    <button type="button" class="btn" data-testid="share-copy" on:click=move |_| copy()>"Copy"</button>
                                </div>
                                <p class="muted share-status" data-testid="share-status" role="status">
                                    {if copied { "Link copied to the clipboard." } else { "Copy the link above (the clipboard is not available here)." }}
                                    {format!(" {length} characters.")}
                                    {(length > LONG_LINK).then_some(" Some apps cut links this long: a file or a gist may travel better.")}
                                </p>
                                <label class="share-label" for="share-embed">"Embed it in a page"</label>
                                <input id="share-embed" class="share-field" type="text" readonly data-testid="share-embed-code"
                                    prop:value=snippet on:focus:target=move |ev| ev.target().select()/>
                            }.into_any()
                        }
                    }}
                </div>
            }),
        }}
    }
}

/// The notices above the notebook, each dismissable; some offer to
/// restore a workspace kept aside.
#[component]
pub fn Notices() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <div class="notices" data-testid="notices">
            <For each=move || nb.notices.get() key=|n| n.id let:n>
                {
                    let id = n.id;
                    let restore = n.restore.clone();
                    let error = n.kind == NoticeKind::Error;
                    view! {
                        <div class="notice" class:error=error data-testid="notice" data-topic=n.topic
                            role=if error { "alert" } else { "status" }>
                            <p class="notice-text" data-testid="notice-text">{n.text.clone()}</p>
                            {n.key.clone().map(|k| view! { <p class="notice-key">"Storage key: "<code data-testid="notice-key">{k}</code></p> })}
                            <div class="notice-actions">
                                {restore.map(|key| view! {
                                    <button type="button" class="btn small" data-testid="notice-restore"
                                        on:click=move |_| nb.restore_kept(&key)>"Restore my previous workspace"</button>
                                })}
                                <button type="button" class="btn small" data-testid="notice-dismiss" aria-label="Dismiss this notice"
                                    on:click=move |_| nb.dismiss(id)>"Dismiss"</button>
                            </div>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
