//! `vext update`'s settings, from its flags or, for the daemon's scheduled
//! run, from `[update]`: the one place either is resolved, the health
//! gate built by one function for both.

use std::time::Duration;

use anyhow::Result;

use crate::cli::UpdateArgs;
use crate::config::Context;
use crate::exit::{fail, Code};
use crate::images::update::health::{self, Gate};
use crate::images::update::run::{Hooks, Settings, APPROVAL_TTL};

/// `vext update`'s run: the flags, then `[update]` (window, hooks, approval
/// time).
pub(crate) fn for_command(
    args: &UpdateArgs,
    ctx: &Context,
    policy: crate::images::policy::Policy,
    extra_ca: Option<Vec<u8>>,
) -> Result<Settings> {
    Ok(Settings {
        live: args.live.settings(),
        paths: args.paths.clone(),
        only: args.only.clone(),
        policy,
        insecure_registry: args.insecure_registry.clone(),
        gate: gate(
            args.stable_for,
            args.health_timeout,
            args.health_url.clone(),
            args.health_cmd.clone(),
            extra_ca.as_deref(),
        ),
        extra_ca,
        write: args.write,
        commit: args.commit,
        branch: args.branch.clone(),
        prune: args.prune,
        parallel: usize::from(args.parallel),
        plan_only: args.plan,
        recover_only: args.recover,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !args.json,
        window: window(ctx)?,
        now: args.now,
        hooks: Hooks {
            pre_update: args
                .pre_update
                .clone()
                .or_else(|| ctx.config.update.pre_update.clone()),
            post_update: args
                .post_update
                .clone()
                .or_else(|| ctx.config.update.post_update.clone()),
        },
        approval_ttl: ctx.config.update.approval_ttl.unwrap_or(APPROVAL_TTL),
    })
}

/// `[update]` as the daemon's scheduled run takes it: the settings of one
/// run (built again for each), and the targets told about it.
pub(crate) fn scheduled(
    ctx: &Context,
    extra_ca: Option<Vec<u8>>,
) -> Result<(Settings, Vec<String>)> {
    let u = &ctx.config.update;
    if !u.docker && !u.kube && u.paths.is_empty() {
        return Err(fail(
            Code::Config,
            "--update-every needs docker = true, kube = true or paths under [update] in the config file",
        ));
    }
    let notify = super::expand_targets(ctx, &u.notify, "[update] notify")?;
    let settings = Settings {
        live: crate::images::scan::Live {
            docker: u.docker,
            docker_host: u.docker_host.clone(),
            all: false,
            kube: u.kube,
            kubeconfig: u.kubeconfig.clone(),
            context: u.context.clone(),
            namespace: u.namespace.clone(),
            all_namespaces: u.all_namespaces,
        },
        paths: u.paths.clone(),
        only: u.only.clone(),
        policy: super::policy(ctx, None)?,
        insecure_registry: u.insecure_registry.clone(),
        gate: gate(
            u.stable_for,
            u.health_timeout,
            u.health_url.clone(),
            u.health_cmd.clone(),
            extra_ca.as_deref(),
        ),
        extra_ca,
        write: !u.paths.is_empty(),
        commit: !u.paths.is_empty(),
        branch: None,
        prune: u.prune,
        parallel: 1,
        plan_only: false,
        recover_only: false,
        progress: false,
        window: window(ctx)?,
        now: false,
        hooks: Hooks {
            pre_update: u.pre_update.clone(),
            post_update: u.post_update.clone(),
        },
        approval_ttl: u.approval_ttl.unwrap_or(APPROVAL_TTL),
    };
    Ok((settings, notify))
}

/// The health gate from its four settings, each defaulted here only.
fn gate(
    stable_for: Option<Duration>,
    timeout: Option<Duration>,
    url: Option<String>,
    cmd: Option<String>,
    extra_ca: Option<&[u8]>,
) -> Gate {
    Gate {
        stable_for: stable_for.unwrap_or(health::STABLE_FOR),
        timeout: timeout.unwrap_or(health::TIMEOUT),
        url,
        cmd,
        http: health::agents(extra_ca),
        post_update: None,
        hook_env: Vec::new(),
    }
}

/// `[update] window`: when `vext update` and the daemon's scheduled updates
/// may apply (a policy rule's own window wins); a bad one is exit 78.
fn window(ctx: &Context) -> Result<Option<crate::images::window::Window>> {
    ctx.config
        .update
        .window
        .as_deref()
        .map(|w| {
            crate::images::window::Window::parse(w)
                .map_err(|e| fail(Code::Config, format!("[update] {e}")))
        })
        .transpose()
}
