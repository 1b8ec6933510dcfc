//! Admin-only pages. Today one: who may log in (users and their roles,
//! API tokens and whom they act as; never a hash or a token).

use super::auth::RequireAdmin;
use super::pages::PageError;
use super::router::AppState;
use super::templates::UsersPage;
use crate::stamp::format_time;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

/// `GET /admin/users`.
pub(super) async fn users(
    _admin: RequireAdmin,
    State(st): State<AppState>,
) -> Result<Html<String>, PageError> {
    let html = st
        .reads
        .read(|r| {
            let _snap = r.snapshot()?;
            let users = r
                .users()?
                .into_iter()
                .map(|u| {
                    [
                        u.name,
                        u.role.to_string(),
                        format_time(u.created),
                        format_time(u.updated),
                    ]
                })
                .collect();
            let tokens = r
                .tokens()?
                .into_iter()
                .map(|t| [t.name, t.user, format_time(t.created)])
                .collect();
            Ok(UsersPage {
                search_q: String::new(),
                users,
                tokens,
            }
            .render()?)
        })
        .await?;
    Ok(Html(html))
}
