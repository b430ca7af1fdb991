//! `vext scan --kube`: workloads from the Kubernetes API. Deployments,
//! StatefulSets, DaemonSets, CronJobs, Jobs and bare Pods, paged with
//! `limit`/`continue`; running digests from pods' `containerStatuses[].imageID`.

use std::collections::HashMap;

use anyhow::Result;
use serde_json::Value;

use super::finding::{Finding, Source};
use crate::images::kube::{collection, Cluster, Options};

const WORKLOADS: [(&str, &str, &str); 5] = [
    ("/apis/apps/v1", "deployments", "Deployment"),
    ("/apis/apps/v1", "statefulsets", "StatefulSet"),
    ("/apis/apps/v1", "daemonsets", "DaemonSet"),
    ("/apis/batch/v1", "cronjobs", "CronJob"),
    ("/apis/batch/v1", "jobs", "Job"),
];

fn containers(spec: &Value) -> Vec<&Value> {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| spec[*k].as_array().map(Vec::as_slice).unwrap_or(&[]))
        .collect()
}

/// The workloads `cluster` runs, in the namespace `opts` names (or all).
pub(crate) fn scan(cluster: &Cluster, opts: &Options) -> Result<Vec<Finding>> {
    let ns = cluster.namespace(opts.namespace, opts.all_namespaces);
    let ns = ns.as_deref();
    let pods = cluster.list_all(&collection("/api/v1", "pods", ns))?;
    // (namespace, image as written) -> running digest, from pods' statuses.
    let mut digests: HashMap<(String, String), String> = HashMap::new();
    for p in &pods {
        let pns = p["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for st in p["status"]["containerStatuses"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if let (Some(image), Some(id)) = (st["image"].as_str(), st["imageID"].as_str()) {
                if let Some((_, d)) = id.rsplit_once('@') {
                    digests.insert((pns.clone(), image.to_string()), d.to_string());
                }
            }
        }
        // Pods report the spec's image in status.image only normalised; keep the spec's too.
        for (c, st) in containers(&p["spec"]).iter().zip(
            p["status"]["containerStatuses"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        ) {
            if let (Some(image), Some(id)) = (c["image"].as_str(), st["imageID"].as_str()) {
                if let Some((_, d)) = id.rsplit_once('@') {
                    digests
                        .entry((pns.clone(), image.to_string()))
                        .or_insert_with(|| d.to_string());
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut emit = |obj: &Value, kind: &str, spec: &Value| {
        let ons = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for c in containers(spec) {
            let Some(raw) = c["image"].as_str() else {
                continue;
            };
            let source = Source {
                context: Some(cluster.context().to_string()),
                namespace: Some(ons.clone()),
                resource_kind: Some(kind.to_string()),
                name: Some(name.clone()),
                container: c["name"].as_str().map(String::from),
                ..Source::default()
            };
            let (mut f, _) = Finding::new(raw, "kube", source);
            f.digest = digests.get(&(ons.clone(), raw.to_string())).cloned();
            out.push(f);
        }
    };
    for (group, resource, kind) in WORKLOADS {
        for obj in cluster.list_all(&collection(group, resource, ns))? {
            let spec = if kind == "CronJob" {
                &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            } else {
                &obj["spec"]["template"]["spec"]
            };
            // Jobs made by a CronJob are reported through the CronJob.
            if kind == "Job" && owned(&obj) {
                continue;
            }
            emit(&obj, kind, spec);
        }
    }
    for p in &pods {
        if !owned(p) {
            emit(p, "Pod", &p["spec"]);
        }
    }
    Ok(out)
}

fn owned(obj: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|o| !o.is_empty())
}
