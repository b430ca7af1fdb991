//! The images wing: what runs and what is newer. Image references, versions,
//! the registry client, the policy, the check engine, the scanners that
//! find images in files, the Docker engine and Kubernetes, and the updater
//! that applies what the policy approves.

pub(crate) mod check;
pub(crate) mod engine;
pub(crate) mod kube;
pub(crate) mod policy;
pub(crate) mod reference;
pub(crate) mod registry;
pub(crate) mod scan;
pub(crate) mod update;
pub(crate) mod version;
pub(crate) mod window;
