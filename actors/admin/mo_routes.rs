//! MO routes that change while the switch runs (the admin API): set the
//! account of a number (and keyword), or delete the route. Like accounts,
//! routes and gateways (`admin.rs`), each change is checked with the
//! configuration file's rules (`config::fields`), written to the store's
//! `admin_objects` tree, and applied only once that is durable: the MO
//! router gets the new table and offers the inbox again, so MO that no
//! route claimed before are routed by the new one.
//!
//! At start, [`merge_mo_routes`] lays the stored routes (or their
//! deletions) over the file's with the same number and keyword.

use super::changes::Admin;
use super::error::{AdminError, invalid};
use crate::actors::protocol::mo::SetRoutes;
use crate::config::{MoRouteConfig, fields};
use crate::overlay;
use crate::routing::MoRouteTable;
use crate::store::{Batch, StoredMoRoute};

/// What names an MO route: its number and its keyword without case.
fn route_key(number: &str, keyword: Option<&str>) -> (String, Option<String>) {
    (number.to_owned(), keyword.map(str::to_uppercase))
}

fn key_of(route: &MoRouteConfig) -> (String, Option<String>) {
    route_key(&route.number, route.keyword.as_deref())
}

/// `routes` with `number` and `keyword` routed to `account`, or that route
/// removed when `account` is `None`.
fn with_route(
    routes: &[MoRouteConfig],
    number: &str,
    keyword: Option<&str>,
    account: Option<&str>,
) -> Vec<MoRouteConfig> {
    let mut changed = routes.to_vec();
    let route = account.map(|account| MoRouteConfig {
        number: number.to_owned(),
        keyword: keyword.map(str::to_owned),
        account: account.to_owned(),
    });
    overlay::apply(&mut changed, key_of, &route_key(number, keyword), |_| route);
    changed
}

/// The file's MO routes with the stored ones laid over them: a stored
/// route replaces the file's with the same number and keyword, a stored
/// deletion removes it, and the others are added.
pub fn merge_mo_routes(file: &[MoRouteConfig], stored: Vec<StoredMoRoute>) -> Vec<MoRouteConfig> {
    stored.into_iter().fold(file.to_vec(), |routes, route| {
        with_route(
            &routes,
            &route.number,
            route.keyword.as_deref(),
            route.account.as_deref(),
        )
    })
}

impl Admin {
    /// Routes MO to `number` (with `keyword` first, when given) to
    /// `account`; `true` when the route is new, `false` when it replaced
    /// one.
    pub async fn set_mo_route(
        &self,
        number: &str,
        keyword: Option<&str>,
        account: &str,
    ) -> Result<bool, AdminError> {
        let _turn = self.changes.lock().await;
        let (number, keyword) = checked(number, keyword)?;
        if self.directory.account(account).is_none() {
            return Err(AdminError::Invalid(invalid(
                "account",
                format!("no account has system_id {account:?}"),
            )));
        }
        let routes = self.mo_routes.load_full();
        let key = route_key(&number, keyword);
        let new = !routes.iter().any(|route| key_of(route) == key);
        self.apply_mo_route(&routes, number, keyword, Some(account))
            .await?;
        Ok(new)
    }

    /// Removes the MO route of `number` and `keyword`.
    pub async fn delete_mo_route(
        &self,
        number: &str,
        keyword: Option<&str>,
    ) -> Result<(), AdminError> {
        let _turn = self.changes.lock().await;
        let (number, keyword) = checked(number, keyword)?;
        let routes = self.mo_routes.load_full();
        let key = route_key(&number, keyword);
        if !routes.iter().any(|route| key_of(route) == key) {
            return Err(AdminError::NoMoRoute {
                number,
                keyword: keyword.map(str::to_owned),
            });
        }
        self.apply_mo_route(&routes, number, keyword, None).await
    }

    async fn apply_mo_route(
        &self,
        routes: &[MoRouteConfig],
        number: String,
        keyword: Option<&str>,
        account: Option<&str>,
    ) -> Result<(), AdminError> {
        let mut batch = Batch::new();
        batch.put_stored_mo_route(&StoredMoRoute {
            number: number.clone(),
            keyword: keyword.map(str::to_owned),
            account: account.map(str::to_owned),
        });
        self.store.commit(batch).await?;
        let changed = with_route(routes, &number, keyword, account);
        self.mo_router.do_send(SetRoutes {
            table: MoRouteTable::new(&changed),
        });
        self.mo_routes.store(std::sync::Arc::new(changed));
        slog::info!(self.logger, "MO route changed"; "number" => number,
            "keyword" => keyword, "account" => account);
        Ok(())
    }
}

/// The number normalised and the keyword, checked by the file's rules.
fn checked<'k>(
    number: &str,
    keyword: Option<&'k str>,
) -> Result<(String, Option<&'k str>), AdminError> {
    let number =
        fields::mo_number(number).map_err(|error| AdminError::Invalid(invalid("number", error)))?;
    if let Some(keyword) = keyword {
        fields::mo_keyword(keyword)
            .map_err(|error| AdminError::Invalid(invalid("keyword", error)))?;
    }
    Ok((number, keyword))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(number: &str, keyword: Option<&str>, account: &str) -> MoRouteConfig {
        MoRouteConfig {
            number: number.into(),
            keyword: keyword.map(Into::into),
            account: account.into(),
        }
    }

    fn stored(number: &str, keyword: Option<&str>, account: Option<&str>) -> StoredMoRoute {
        StoredMoRoute {
            number: number.into(),
            keyword: keyword.map(Into::into),
            account: account.map(Into::into),
        }
    }

    #[test]
    fn stored_mo_routes_replace_delete_or_add_to_the_files() {
        let file = [
            route("12345", Some("join"), "club"),
            route("12345", None, "agency"),
            route("447700900123", None, "shop"),
        ];
        let merged = merge_mo_routes(
            &file,
            vec![
                stored("12345", Some("JOIN"), Some("other")),
                stored("447700900123", None, None),
                stored("999", Some("win"), Some("promo")),
            ],
        );
        assert_eq!(
            merged,
            [
                route("12345", Some("JOIN"), "other"),
                route("12345", None, "agency"),
                route("999", Some("win"), "promo"),
            ]
        );
    }
}
