//! The page's entry point: mount the UI, nothing else.

fn main() {
    console_error_panic_hook::set_once();
    // The SQL console lives on at #console; the playground is the page.
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    if hash == "#console" {
        leptos::mount::mount_to_body(ectoplasm_app::ui::App);
    } else if ectoplasm_app::embed::Mode::current().embed {
        leptos::mount::mount_to_body(ectoplasm_app::notebook::embed::EmbedApp);
    } else {
        leptos::mount::mount_to_body(ectoplasm_app::notebook::App);
    }
}
