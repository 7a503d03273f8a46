//! Ending a runaway cell: the Stop button (and Escape) while a cell runs,
//! and the per-cell time limit, a setting remembered in localStorage and
//! overridable with `?time-limit=SECONDS` in the URL.

use leptos::ev;
use leptos::prelude::*;

use super::state::{Nb, Status};
use crate::backend::DEFAULT_TIME_LIMIT_S;

const TIME_LIMIT_KEY: &str = "ectoplasm-time-limit";

/// The time limit the page starts with: the URL's, else the saved one, else the default.
fn initial_time_limit() -> f64 {
    let Some(window) = web_sys::window() else { return DEFAULT_TIME_LIMIT_S };
    let from_url = window.location().search().ok().and_then(|q| {
        q.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("time-limit=").and_then(|v| v.parse::<f64>().ok()))
    });
    let saved = || {
        window.local_storage().ok().flatten().and_then(|s| s.get_item(TIME_LIMIT_KEY).ok().flatten()).and_then(|v| v.parse::<f64>().ok())
    };
    from_url.or_else(saved).filter(|s| s.is_finite() && *s > 0.0).unwrap_or(DEFAULT_TIME_LIMIT_S)
}

fn save_time_limit(seconds: f64) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(TIME_LIMIT_KEY, &seconds.to_string());
    }
}

/// The Stop button (shown while a cell runs) and the time-limit setting.
#[component]
pub fn RunControls() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let limit = RwSignal::new(initial_time_limit());
    // The backend arrives once sql.js is loaded; give it the limit then and on every change.
    Effect::new(move |_| {
        let seconds = limit.get();
        if nb.status.get() != Status::Loading {
            if let Some(backend) = nb.backend_handle() {
                backend.set_time_limit(seconds);
            }
        }
    });
    let stop = move || nb.stop();
    let handle = window_event_listener(ev::keydown, move |e| {
        if e.key() == "Escape" && nb.status.get_untracked() == Status::Running {
            stop();
        }
    });
    on_cleanup(move || handle.remove());
    let running = move || nb.status.get() == Status::Running;
    view! {
        <button type="button" class="btn" data-testid="stop"
            title="Stop the running cell (Escape); the database goes back to before it"
            aria-keyshortcuts="Escape"
            hidden=move || !running()
            disabled=move || !running()
            on:click=move |_| stop()>"■ Stop"</button>
        <label class="muted" title="A cell running longer than this is stopped; the database goes back to before it">
            "Limit "
            <input type="number" min="0.5" step="0.5" size="3" style="width: 4em" data-testid="time-limit"
                prop:value=move || limit.get().to_string()
                on:change:target=move |ev| {
                    if let Ok(s) = ev.target().value().parse::<f64>() {
                        if s.is_finite() && s > 0.0 {
                            save_time_limit(s);
                            limit.set(s);
                        }
                    }
                }/>
            " s"
        </label>
    }
}
