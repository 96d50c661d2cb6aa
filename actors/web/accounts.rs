//! The admin API's accounts (operator credentials): `GET /api/v1/accounts`
//! lists every account with its balance, sorted by system_id.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::problem::Problem;
use super::{WebState, auth};
use crate::model::Money;

/// Registers this file's routes.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/api/v1/accounts", web::get().to(list));
}

/// One account as the admin API shows it.
#[derive(Debug, Serialize)]
struct AccountView {
    system_id: String,
    balance: String,
    allowed_ips: Vec<String>,
}

async fn list(request: HttpRequest, state: web::Data<WebState>) -> Result<HttpResponse, Problem> {
    auth::admin(&request, &state).await?;
    let mut accounts = state
        .directory
        .accounts()
        .map(|account| {
            let balance = state
                .directory
                .store
                .account_balance(&account.id)
                .map_err(|error| Problem::internal(&state.logger, &error))?
                .unwrap_or(Money::ZERO);
            Ok(AccountView {
                system_id: account.id.to_string(),
                balance: balance.to_string(),
                allowed_ips: account
                    .allowed_ips
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    accounts.sort_by(|a, b| a.system_id.cmp(&b.system_id));
    Ok(HttpResponse::Ok().json(accounts))
}
