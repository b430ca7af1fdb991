//! Finding the container images in use: manifest files (Kubernetes,
//! kustomize, compose, Dockerfiles), the Docker engine and the Kubernetes
//! API. `vext scan` prints what this finds; `vext check` checks it.

mod compose;
pub(crate) mod docker;
mod dockerfile;
mod files;
mod finding;
mod kube;
mod live;
mod manifest;
mod report;
pub(crate) mod yaml;

pub(crate) use files::{files_pipeline, inventory, Walk};
pub(crate) use finding::Finding;
pub(crate) use live::{live_inventory, Live};
pub(crate) use report::Report;
