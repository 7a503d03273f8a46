//! The page's entry point: mount the UI, nothing else.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ectoplasm_app::ui::App);
}
