//! The images that run: the Docker engine and the Kubernetes API.

use anyhow::Result;

use super::finding::Finding;
use super::{docker, kube};
use crate::images::kube::Cluster;

/// Which live sources to ask, resolved by the command from its flags.
#[derive(Clone, Debug, Default)]
pub(crate) struct Live {
    pub(crate) docker: bool,
    /// unix:///path or tcp://host:port; None: $DOCKER_HOST, else the default socket.
    pub(crate) docker_host: Option<String>,
    /// Stopped containers too.
    pub(crate) all: bool,
    pub(crate) kube: bool,
    pub(crate) kubeconfig: Option<std::path::PathBuf>,
    pub(crate) context: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) all_namespaces: bool,
}

impl Live {
    /// How to reach the Kubernetes API.
    pub(crate) fn kube_options(&self) -> crate::images::kube::Options<'_> {
        crate::images::kube::Options {
            kubeconfig: self.kubeconfig.as_deref(),
            context: self.context.as_deref(),
            namespace: self.namespace.as_deref(),
            all_namespaces: self.all_namespaces,
        }
    }
}

/// The images running in Docker and/or Kubernetes, as `live` asks; with
/// `cluster`, the Kubernetes API already connected to (credentials and
/// exec plugins are not gone through twice).
pub(crate) fn live_inventory(live: &Live, cluster: Option<&Cluster>) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    if live.docker {
        out.extend(docker::scan(live.docker_host.as_deref(), live.all)?);
    }
    if live.kube {
        let opts = live.kube_options();
        out.extend(match cluster {
            Some(c) => kube::scan(c, &opts)?,
            None => kube::scan(&Cluster::connect(&opts)?, &opts)?,
        });
    }
    Ok(out)
}
