//! The images wing: what runs and what is newer. Image references, versions,
//! the registry client, the policy, the check engine and the scanners that
//! find images in files, the Docker engine and Kubernetes.

pub(crate) mod check;
pub(crate) mod policy;
pub(crate) mod reference;
pub(crate) mod registry;
pub(crate) mod scan;
pub(crate) mod version;
