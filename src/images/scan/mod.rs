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

#[cfg(test)]
mod hostile {
    use crate::hostile::{mutations, rounds, seed};

    /// YAML (compose and Kubernetes manifests) and Dockerfiles, mutated:
    /// read or refused with a reason, never a panic.
    #[test]
    fn manifests_compose_files_and_dockerfiles() {
        let report = super::Report::new(false, true);
        let seeds: &[&[u8]] = &[
            b"services:\n  app:\n    image: nginx:1.25\n    command: [\n      \"start\",\n    ]\n  db:\n    image: ${DB_IMAGE:-postgres:16}\n",
            b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: &img registry:5000/a:v1\n      initContainers:\n        - {name: b, image: *img}\n---\nkind: List\nitems: []\n",
            b"base: &b {image: x:1}\nother:\n  <<: *b\n  text: |\n    line\n  folded: >-\n    more\n",
            b"ARG BASE=alpine:3.19\nFROM ${BASE} AS build\nRUN echo \\\n  hi\nFROM --platform=$BUILDPLATFORM scratch\nCOPY --from=build /a /a\n",
        ];
        for b in mutations(seeds, rounds(), seed()) {
            let t = String::from_utf8_lossy(&b);
            if let Ok(docs) = super::yaml::parse(&t) {
                let _ = super::compose::findings(
                    std::path::Path::new("/nonexistent/compose.yaml"),
                    "compose.yaml",
                    &docs,
                    &report,
                );
                let _ = super::manifest::findings("k.yaml", &docs, &report);
            }
            let _ = super::dockerfile::findings("Dockerfile", &t, &report);
        }
    }
}
