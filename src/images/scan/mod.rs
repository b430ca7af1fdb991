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
    use crate::hostile::{each, held};

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
        each("manifests", seeds, |b| {
            let t = String::from_utf8_lossy(b);
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
        });
    }

    /// A billion laughs: aliases that expand to 9^12 nodes are refused
    /// once the aliases add more than the file itself writes (or 100 000
    /// nodes), holding a few MiB.
    #[test]
    fn an_alias_bomb_is_refused_within_the_allocation_bound() {
        let mut text = String::from("x-a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("x-a{i}: &a{i} [{refs}]\n"));
        }
        text.push_str("services:\n  app:\n    image: nginx:1.25\n    command: *a11\n");
        let mut result = Ok(vec![]);
        let bytes = held(|| result = super::yaml::parse(&text).map(|_| vec![()]));
        let err = result.expect_err("the bomb is refused");
        assert!(err.contains("aliases expand to more than"), "{err}");
        eprintln!(
            "alias bomb refused holding {:.1} MiB",
            bytes as f64 / (1 << 20) as f64
        );
        // 128 MiB when the cap was on the total node count (2 million).
        assert!(bytes <= 32 << 20, "{} MiB", bytes >> 20);
    }
}
