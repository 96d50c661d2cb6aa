//! Gateways that change while the switch runs (the admin API): add one,
//! give one new settings, stop or start one. Like accounts and routes
//! (`admin.rs`), each change is checked first (the definition with the
//! configuration file's rules, by the caller: `config::GatewayConfig::parse`),
//! written to the store's `admin_objects` tree, and applied only once that
//! is durable, one change at a time. A change never replaces a running
//! actor: routes keep the addresses they have.

use std::sync::Arc;

use slog::info;

use crate::actors::admin::live_gateways::{GatewaySpec, LiveGateway};
use crate::actors::admin::{Admin, AdminError, invalid};
use crate::actors::protocol::gateway::{Administer, Reconfigure};
use crate::config::GatewayConfig;
use crate::model::GatewayName;
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
