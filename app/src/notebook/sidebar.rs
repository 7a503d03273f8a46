//! The left-hand sidebar: the examples gallery (PostgreSQL's examples
//! marked as such) and the database's tables
//! (columns and row counts, refreshed after every run), each with its
//! "Generate data" button.

use engine::playground::tables::TableInfo;
use leptos::prelude::*;

use super::state::Nb;

#[component]
pub fn Sidebar() -> impl IntoView {
    view! {
        <nav class="sidebar" aria-label="Examples and tables">
            <Gallery/>
            <Course/>
            <Tables/>
        </nav>
    }
}

/// The built-in lessons (Livebook files under `lessons/`).
#[component]
fn Course() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let items: Vec<_> = super::state::LESSONS
        .iter()
        .map(|&(name, title)| {
            let url = format!("lessons/{name}");
            let current = {
                let url = url.clone();
                move || nb.lesson.meta.with(|m| m.as_ref().is_some_and(|m| m.origin == url))
            };
            view! {
                <li>
                    <button type="button" class="example" data-testid="lesson" data-file=name
                        class:current=current
                        on:click=move |_| nb.open_livemd_url(url.clone())>
                        <span class="example-title">{title}</span>
                    </button>
                </li>
            }
        })
        .collect();
    view! {
        {(!items.is_empty()).then(|| view! {
            <section class="panel gallery" data-testid="course" aria-labelledby="course-title">
                <h2 id="course-title">"Lessons"</h2>
                <ul class="examples">{items}</ul>
            </section>
        })}
    }
}

#[component]
fn Gallery() -> impl IntoView {
    let nb = expect_context::<Nb>();
    let items = super::state::GALLERY
        .iter()
        .map(|&(id, title, description, postgres)| {
            view! {
                <li>
                    <button
                        type="button"
                        class="example"
                        class:current=move || nb.example.get().as_deref() == Some(id)
                        aria-current=move || (nb.example.get().as_deref() == Some(id)).then_some("true")
                        data-testid="example"
                        data-id=id
                        data-db=if postgres { "postgres" } else { "sqlite" }
                        title=description
                        on:click=move |_| nb.load_example(id)
                    >
                        <span class="example-title">{title}</span>
                        {postgres.then(|| view! { <span class="example-db">"PostgreSQL"</span> })}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="panel gallery" data-testid="gallery" aria-labelledby="gallery-title">
            <h2 id="gallery-title">"Examples"</h2>
            <ul class="examples">
                {items}
                <li>
                    <button type="button" class="example" data-testid="example-blank"
                        class:current=move || nb.example.get().is_none()
                        on:click=move |_| nb.load_blank()>
                        <span class="example-title">"Empty notebook"</span>
                    </button>
                </li>
            </ul>
        </section>
    }
}

#[component]
fn Tables() -> impl IntoView {
    let nb = expect_context::<Nb>();
    view! {
        <section class="panel tables" data-testid="tables" aria-labelledby="tables-title">
            <h2 id="tables-title">"Tables"</h2>
            <p class="muted" hidden=move || nb.tables.with(|t| !t.is_empty())>"No tables yet: run a migration."</p>
            <super::insight::GenerateOptions/>
            <ul class="table-list">
                <For each=move || nb.tables.get() key=|t| (t.name.clone(), t.row_count, t.columns.len()) let:t>
                    <TableEntry t=t/>
                </For>
            </ul>
        </section>
    }
}

#[component]
fn TableEntry(t: TableInfo) -> impl IntoView {
    let TableInfo { name, columns, row_count } = t;
    let rows = if row_count == 1 { "1 row".to_string() } else { format!("{row_count} rows") };
    let columns = columns
        .into_iter()
        .map(|c| {
            let mut ty = c.ty.to_lowercase();
            if c.primary_key {
                ty.push_str(" · pk");
            }
            view! {
                <li data-testid="table-column"><span>{c.name}</span>" "<span class="muted">{ty}</span></li>
            }
        })
        .collect_view();
    let attr_name = name.clone();
    let table = name.clone();
    view! {
        <li data-testid="table-entry" data-name=attr_name>
            <details>
                <summary>
                    <span class="table-name">{name}</span>
                    <span class="muted" data-testid="table-row-count">{rows}</span>
                    {(table != "schema_migrations").then(|| view! { <super::insight::GenerateButton table=table/> })}
                </summary>
                <ul class="columns">{columns}</ul>
            </details>
        </li>
    }
}
