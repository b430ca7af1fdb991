//! `vext scan --kube` against a fake Kubernetes API server: HTTPS with a
//! test CA, bearer tokens (from kubeconfig or an exec plugin) or client
//! certificates the CA signed, paged lists whose items copy the API's
//! documented JSON.

use crate::support::*;

const TOKEN: &str = "s3cr3t-token";

fn deployment(name: &str, image: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}")},
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 80}]}]}}}
    })
}

fn respond(path: &str) -> (u16, String) {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let cont = query.split('&').find_map(|kv| kv.strip_prefix("continue="));
    match route {
        "/api/v1/namespaces/default/pods" => (
            200,
            kube_list(
                "PodList",
                vec![
                    serde_json::json!({
                        "metadata": {"name": "web-7d4b9c-x2x", "namespace": "default",
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c", "uid": "u1", "controller": true}]},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
                        "status": {"phase": "Running", "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                            "image": "docker.io/library/nginx:1.25",
                            "imageID": "docker.io/library/nginx@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"}]}
                    }),
                    serde_json::json!({
                        "metadata": {"name": "debug", "namespace": "default"},
                        "spec": {"containers": [{"name": "shell", "image": "busybox:1.36"}]},
                        "status": {"phase": "Running"}
                    }),
                ],
                None,
            ),
        ),
        "/apis/apps/v1/namespaces/default/deployments" => match cont {
            None => (
                200,
                kube_list(
                    "DeploymentList",
                    vec![deployment("web", "nginx:1.25")],
                    Some("page-2-token"),
                ),
            ),
            Some("page-2-token") => (
                200,
                kube_list(
                    "DeploymentList",
                    vec![deployment("api", "ghcr.io/acme/api:2.0")],
                    None,
                ),
            ),
            Some(other) => (
                410,
                format!("{{\"kind\":\"Status\",\"message\":\"bad continue {other}\"}}"),
            ),
        },
        "/apis/batch/v1/namespaces/default/cronjobs" => (
            200,
            kube_list(
                "CronJobList",
                vec![serde_json::json!({
                    "metadata": {"name": "nightly", "namespace": "default"},
                    "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                        "containers": [{"name": "backup", "image": "postgres:16.2"}], "restartPolicy": "OnFailure"}}}}}
                })],
                None,
            ),
        ),
        "/apis/apps/v1/namespaces/default/statefulsets"
        | "/apis/apps/v1/namespaces/default/daemonsets"
        | "/apis/batch/v1/namespaces/default/jobs" => (200, kube_list("List", vec![], None)),
        _ => (404, "{\"kind\":\"Status\",\"code\":404}".into()),
    }
}

/// Starts the fake API server; returns its port.
fn fake_api(ca: &TestCa) -> u16 {
    fake_kube_api(ca, TOKEN, |req| respond(&req.path))
}

#[test]
fn workloads_pods_and_running_digests_from_the_api() {
    let ca = TestCa::new();
    let port = fake_api(&ca);
    let dir = TempDir::new("kube");
    let cfg = kubeconfig(&dir, port, &ca, &format!("    token: {TOKEN}\n"));
    let out = vext(["scan", "--kube", "--kubeconfig", &cfg, "--json"]).expect(0);
    let items: Vec<serde_json::Value> = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    let mut got: Vec<String> = items
        .iter()
        .map(|f| {
            format!(
                "{} {}/{}/{}/{} {}",
                f["image"].as_str().unwrap(),
                f["source"]["namespace"].as_str().unwrap(),
                f["source"]["kind"].as_str().unwrap(),
                f["source"]["name"].as_str().unwrap(),
                f["source"]["container"].as_str().unwrap(),
                f["digest"].as_str().unwrap_or("-")
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, [
        "docker.io/library/busybox:1.36 default/Pod/debug/shell -",
        "docker.io/library/nginx:1.25 default/Deployment/web/web sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
        "docker.io/library/postgres:16.2 default/CronJob/nightly/backup -",
        "ghcr.io/acme/api:2.0 default/Deployment/api/api -",
    ]);
    assert!(items
        .iter()
        .all(|f| f["kind"] == "kube" && f["source"]["context"] == "test"));
}

#[test]
fn exec_plugins_bad_tokens_and_unverifiable_servers() {
    let ca = TestCa::new();
    let port = fake_api(&ca);
    let dir = TempDir::new("kube");
    let plugin = dir.write_executable(
        "plugin.sh",
        &format!("#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{TOKEN}\"}}}}'\n"),
    );
    let cfg = kubeconfig(
        &dir,
        port,
        &ca,
        &format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n",
            plugin.display()
        ),
    );
    let out = vext(["scan", "--kube", "--kubeconfig", &cfg, "--json"]).expect(0);
    assert!(
        out.stdout.contains("ghcr.io/acme/api:2.0"),
        "{}",
        out.stdout
    );
    let bad = kubeconfig(&dir, port, &ca, "    token: wrong\n");
    let out = vext(["scan", "--kube", "--kubeconfig", &bad]).expect(77);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    // Without the CA the server's certificate does not verify.
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        &format!("    certificate-authority: {}\n", ca.ca.display()),
        "",
    );
    let unverified = dir.write("unverified", &text);
    let out = vext([
        "scan",
        "--kube",
        "--kubeconfig",
        unverified.to_str().unwrap(),
    ])
    .expect(77);
    assert!(
        out.stderr.to_lowercase().contains("certificate"),
        "{}",
        out.stderr
    );
    let out = vext(["scan", "--kube", "--kubeconfig", "/nonexistent/kubeconfig"]).expect(78);
    assert!(out.stderr.contains("/nonexistent/kubeconfig"));
}

#[test]
fn client_certificates_from_files_and_inline_data() {
    let ca = TestCa::new();
    let port = fake_api(&ca);
    let dir = TempDir::new("kube");
    let (cert, key) = ca.client_cert("vext-scanner");
    let cfg = kubeconfig(
        &dir,
        port,
        &ca,
        &format!(
            "    client-certificate: {}\n    client-key: {}\n",
            cert.display(),
            key.display()
        ),
    );
    let out = vext(["scan", "--kube", "--kubeconfig", &cfg, "--json"]).expect(0);
    assert!(
        out.stdout.contains("ghcr.io/acme/api:2.0"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    // The same as base64 data inside the kubeconfig, as kubeadm writes it.
    let b64 = |p: &std::path::Path| run_ok(dir.path(), "base64", &["-w0", p.to_str().unwrap()]);
    let inline = kubeconfig(
        &dir,
        port,
        &ca,
        &format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(&cert),
            b64(&key)
        ),
    );
    let out = vext(["scan", "--kube", "--kubeconfig", &inline, "--json"]).expect(0);
    assert!(
        out.stdout.contains("ghcr.io/acme/api:2.0"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    // Neither token nor certificate: refused.
    let anonymous = kubeconfig(&dir, port, &ca, "    {}\n");
    vext(["scan", "--kube", "--kubeconfig", &anonymous]).expect(77);
}

#[test]
fn in_cluster_service_account() {
    let ca = TestCa::new();
    let port = fake_api(&ca);
    // The service account files where a pod has them, in a private mount
    // namespace so that nothing outside this test sees them.
    private_tmpfs(std::path::Path::new("/run"), "1m");
    let sa = std::path::Path::new("/var/run/secrets/kubernetes.io/serviceaccount");
    std::fs::create_dir_all(sa).unwrap();
    std::fs::write(sa.join("token"), format!("{TOKEN}\n")).unwrap();
    std::fs::copy(&ca.ca, sa.join("ca.crt")).unwrap();
    std::fs::write(sa.join("namespace"), "default").unwrap();
    let port = port.to_string();
    let out = vext(["scan", "--kube", "--json"])
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", &port)
        .env("KUBECONFIG", "")
        .expect(0);
    assert!(
        out.stdout.contains("ghcr.io/acme/api:2.0"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    // A wrong token is refused as it would be in a pod.
    std::fs::write(sa.join("token"), "expired\n").unwrap();
    vext(["scan", "--kube"])
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", &port)
        .env("KUBECONFIG", "")
        .expect(77);
}
