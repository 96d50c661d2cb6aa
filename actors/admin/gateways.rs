//! Gateways that change while the switch runs (the admin API): add one,
//! give one new settings, stop or start one. Like accounts and routes,
//! each change is checked first (the definition with the configuration
//! file's rules, by the caller: `config::GatewayConfig::parse`), written
//! to the store's `admin_objects` tree, and applied only once that is
//! durable, one change at a time. A change never replaces a running actor:
//! routes keep the addresses they have. At start, [`merge_gateways`] lays
//! the stored gateways over the file's (same name: the stored one wins).

use std::sync::Arc;

use slog::{Logger, error, info, warn};

use super::changes::Admin;
use super::error::{AdminError, invalid};
use super::live_gateways::{GatewaySpec, LiveGateway};
use crate::actors::protocol::gateway::{Administer, Reconfigure};
use crate::config::GatewayConfig;
use crate::model::GatewayName;
use crate::overlay;
use crate::store::{Batch, StoredGateway};

impl Admin {
    /// Adds a gateway, checked already, whose definition is `definition`
    /// (TOML): stored, then its actor started and put in force.
    pub async fn add_gateway(
        &self,
        config: GatewayConfig,
        definition: String,
    ) -> Result<Arc<LiveGateway>, AdminError> {
        let _turn = self.changes.lock().await;
        let gateways = &self.route_starter.gateways;
        if gateways.get(&config.name).is_some() {
            return Err(AdminError::Conflict(invalid(
                "name",
                format!("gateway {:?} exists already", config.name),
            )));
        }
        let name = GatewayName::new(config.name.clone())
            .map_err(|error| AdminError::Invalid(invalid("name", error.to_string())))?;
        let spec = GatewaySpec {
            config,
            definition: Some(definition),
            stopped: false,
        };
        self.store_gateway(&name, &spec).await?;
        info!(self.logger, "gateway added"; "gateway" => %name, "kind" => spec.config.kind.name());
        Ok(gateways.put(self.gateway_starter.start(name, spec)))
    }

    /// Gives the gateway `name` new settings of the same kind: stored,
    /// then handed to its running actor.
    pub async fn change_gateway(
        &self,
        name: &str,
        config: GatewayConfig,
        definition: String,
    ) -> Result<Arc<LiveGateway>, AdminError> {
        let _turn = self.changes.lock().await;
        let gateways = &self.route_starter.gateways;
        let gateway = self.running_gateway(name)?;
        let (was, is) = (gateway.spec.config.kind.name(), config.kind.name());
        if was != is {
            return Err(AdminError::Conflict(invalid(
                "kind",
                format!("gateway {name:?} is of kind {was}; a gateway's kind cannot change"),
            )));
        }
        let spec = GatewaySpec {
            config,
            definition: Some(definition),
            stopped: gateway.spec.stopped,
        };
        self.store_gateway(&gateway.name, &spec).await?;
        gateway
            .actor
            .reconfigure
            .send(Reconfigure {
                kind: spec.config.kind.clone(),
            })
            .await?;
        info!(self.logger, "gateway changed"; "gateway" => name);
        Ok(gateways.put(gateway.with(spec)))
    }

    /// Stops (`stopped`) or starts the gateway `name`: stored, then told
    /// to its actor.
    pub async fn administer_gateway(
        &self,
        name: &str,
        stopped: bool,
    ) -> Result<Arc<LiveGateway>, AdminError> {
        let _turn = self.changes.lock().await;
        let gateways = &self.route_starter.gateways;
        let gateway = self.running_gateway(name)?;
        let spec = GatewaySpec {
            stopped,
            ..gateway.spec.clone()
        };
        self.store_gateway(&gateway.name, &spec).await?;
        gateway
            .actor
            .administer
            .send(Administer { stopped })
            .await?;
        info!(self.logger, "gateway administered"; "gateway" => name, "stopped" => stopped);
        Ok(gateways.put(gateway.with(spec)))
    }

    fn running_gateway(&self, name: &str) -> Result<Arc<LiveGateway>, AdminError> {
        self.route_starter
            .gateways
            .get(name)
            .ok_or_else(|| AdminError::NoGateway(name.to_string()))
    }

    async fn store_gateway(
        &self,
        name: &GatewayName,
        spec: &GatewaySpec,
    ) -> Result<(), AdminError> {
        let mut batch = Batch::new();
        batch.put_stored_gateway(&StoredGateway {
            name: name.to_string(),
            definition: spec.definition.clone(),
            stopped: spec.stopped,
        });
        self.store.commit(batch).await?;
        Ok(())
    }
}

/// The file's gateways with the stored ones laid over them: a stored
/// definition replaces the file's gateway of that name (or adds one), a
/// stored stopped flag applies to either. A stored definition that no
/// longer passes the file's rules is left out, logged.
pub fn merge_gateways(
    file: &[GatewayConfig],
    stored: Vec<StoredGateway>,
    logger: &Logger,
) -> Vec<GatewaySpec> {
    let mut merged: Vec<GatewaySpec> = file
        .iter()
        .map(|config| GatewaySpec {
            config: config.clone(),
            definition: None,
            stopped: false,
        })
        .collect();
    for gateway in stored {
        let config = match &gateway.definition {
            None => match file.iter().find(|config| config.name == gateway.name) {
                Some(config) => config.clone(),
                None => {
                    warn!(logger, "stored gateway state for a gateway the file no longer has; left out";
                        "gateway" => &gateway.name);
                    continue;
                }
            },
            Some(definition) => match GatewayConfig::parse(definition) {
                Ok(config) if config.name == gateway.name => config,
                Ok(config) => {
                    error!(logger, "stored gateway definition names another gateway; left out";
                        "gateway" => &gateway.name, "named" => &config.name);
                    continue;
                }
                Err(issues) => {
                    let issues: Vec<String> = issues.iter().map(ToString::to_string).collect();
                    error!(logger, "stored gateway definition no longer valid; left out";
                        "gateway" => &gateway.name, "issues" => issues.join("; "));
                    continue;
                }
            },
        };
        let spec = GatewaySpec {
            config,
            definition: gateway.definition,
            stopped: gateway.stopped,
        };
        overlay::apply(
            &mut merged,
            |existing| existing.config.name.clone(),
            &gateway.name,
            |_| Some(spec),
        );
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simulator(name: &str) -> GatewayConfig {
        GatewayConfig::parse(&format!("name = {name:?}\nkind = \"simulator\"\n")).expect("valid")
    }

    #[test]
    fn stored_gateways_win_over_the_files_and_keep_their_stopped_flag() {
        let logger = Logger::root(slog::Discard, slog::o!());
        let file = [simulator("a"), simulator("b")];
        let changed = "name = \"a\"\nkind = \"simulator\"\ndlr_delay_ms = 5\n";
        let stored = vec![
            StoredGateway {
                name: "a".into(),
                definition: Some(changed.into()),
                stopped: false,
            },
            StoredGateway {
                name: "b".into(),
                definition: None,
                stopped: true,
            },
            StoredGateway {
                name: "c".into(),
                definition: Some("name = \"c\"\nkind = \"smpp\"\n".into()),
                stopped: false,
            },
            StoredGateway {
                name: "gone".into(),
                definition: None,
                stopped: true,
            },
        ];
        let merged = merge_gateways(&file, stored, &logger);
        let summary: Vec<(&str, bool, bool)> = merged
            .iter()
            .map(|spec| {
                (
                    spec.config.name.as_str(),
                    spec.definition.is_some(),
                    spec.stopped,
                )
            })
            .collect();
        assert_eq!(summary, [("a", true, false), ("b", false, true)]);
        assert_eq!(
            merged[0].config,
            GatewayConfig::parse(changed).expect("valid")
        );
    }
}
