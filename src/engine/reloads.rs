//! Hot reloads: the rules (with the bureau's places beside them), the grading policy and
//! the configuration, on SIGHUP and, with `[rules] watch`, when their files change.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::{io, EngineError};
use crate::config::Config;
use crate::events::local::LocalStore;
use crate::grade::store::PolicyStore;
use crate::matching::store::RuleStore;
use crate::reconfigure::Reconfigure;
use crate::reload::{self, ReloadFn};

/// Installs the reloads; returns the file watchers, to keep alive as long as the engine.
pub(super) fn install_reloads(
    config: &Config,
    rules: &Arc<RuleStore>,
    local: Arc<LocalStore>,
    policy: &Arc<PolicyStore>,
    reconfigure: &Arc<Reconfigure>,
    shutdown: &CancellationToken,
) -> Result<Vec<notify::RecommendedWatcher>, EngineError> {
    let reload_rules: ReloadFn = {
        let rules = rules.clone();
        Arc::new(move || {
            let _ = rules.reload();
            let _ = local.reload();
        })
    };
    // SIGHUP and file changes: errors are logged by the reload (the API returns them).
    let reload_config: ReloadFn = {
        let reconfigure = reconfigure.clone();
        Arc::new(move || {
            if let Err(e) = reconfigure.reload() {
                tracing::error!(error = %e, "configuration reload rejected");
            }
        })
    };
    let reload_policy: ReloadFn = {
        let policy = policy.clone();
        Arc::new(move || {
            let _ = policy.reload();
        })
    };
    let mut watchers = Vec::new();
    if config.rules.watch {
        // Kubernetes updates a mounted ConfigMap by swapping its `..data` link.
        let is_rule_file = |p: &std::path::Path| {
            p.extension().is_some_and(|e| e == "toml")
                || p.file_name().is_some_and(|n| n == "..data")
        };
        watchers.push(reload::watch(
            &config.rules.dir,
            is_rule_file,
            reload_rules.clone(),
            shutdown.clone(),
        )?);
        if let Some(path) = policy.path() {
            let name = path.file_name().map(|n| n.to_owned());
            let is_policy = move |p: &std::path::Path| {
                let file = p.file_name().map(|n| n.to_owned());
                file == name || file.is_some_and(|n| n == "..data")
            };
            watchers.push(reload::watch(
                &reload::parent_dir(path),
                is_policy,
                reload_policy.clone(),
                shutdown.clone(),
            )?);
        }
    }
    if let (true, Some(source)) = (config.rules.watch, &config.source) {
        let name = source.file.file_name().map(|n| n.to_owned());
        let is_config = move |p: &std::path::Path| {
            let file = p.file_name().map(|n| n.to_owned());
            file == name || file.is_some_and(|n| n == "..data")
        };
        watchers.push(reload::watch(
            &reload::parent_dir(&source.file),
            is_config,
            reload_config.clone(),
            shutdown.clone(),
        )?);
    }
    reload::on_sighup(
        vec![reload_rules, reload_policy, reload_config],
        shutdown.clone(),
    )
    .map_err(io("installing the SIGHUP handler"))?;
    Ok(watchers)
}
