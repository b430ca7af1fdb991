//! `vext update --kube` against a fake Kubernetes API server that plays the
//! Deployment controller as its documentation describes it: a template
//! change bumps `metadata.generation`, makes (or revives) the ReplicaSet
//! with the next `deployment.kubernetes.io/revision`, and the status then
//! moves through observedGeneration, updatedReplicas and availableReplicas
//! one look at a time. A pod of an image that cannot be pulled waits in
//! `ImagePullBackOff`; a rollout that never becomes available ends in
//! `ProgressDeadlineExceeded`. StatefulSets keep their templates in
//! ControllerRevisions and move `currentRevision` to `updateRevision` once
//! every pod is ready, as the StatefulSet controller does. Tags come from
//! the real test registry.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

const TOKEN: &str = "update-token";

/// What a new image does once its pods are scheduled.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Fate {
    Healthy,
    /// Its pods wait in ImagePullBackOff.
    PullBackOff,
    /// Its pods never become available: the progress deadline passes.
    NeverReady,
    /// Its containers exit at once, again and again.
    CrashLoop,
}

#[derive(Default)]
struct Api {
    /// Deployments, StatefulSets and CronJobs by name.
    objects: BTreeMap<String, Value>,
    replicasets: Vec<Value>,
    controllerrevisions: Vec<Value>,
    /// Looks at each Deployment since its template last changed.
    looks: BTreeMap<String, u32>,
    fates: BTreeMap<String, Fate>,
    /// Every PATCH body applied, with the object's name.
    patches: Vec<(String, Value)>,
    /// Another writer: after the next GET of this object, its first
    /// container's image becomes this.
    change_after_get: Option<(String, String)>,
}

fn template_of(obj: &Value) -> Value {
    let mut t = obj["spec"]["template"].clone();
    if let Some(l) = t["metadata"]["labels"].as_object_mut() {
        l.remove("pod-template-hash");
    }
    t
}

fn image_of(obj: &Value) -> String {
    obj["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

impl Api {
    fn fate(&self, image: &str) -> Fate {
        self.fates.get(image).copied().unwrap_or(Fate::Healthy)
    }

    fn add_deployment(&mut self, name: &str, image: &str) {
        let template = json!({"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image}]}});
        let d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                "generation": 1, "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                "progressDeadlineSeconds": 600, "template": template},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                "readyReplicas": 2, "availableReplicas": 2,
                "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
        });
        self.new_replicaset(name, &template, 1);
        self.objects.insert(name.into(), d);
        self.looks.insert(name.into(), 100);
    }

    fn add_statefulset(&mut self, name: &str, image: &str) {
        let template = json!({"metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image}]}});
        let rev = self.new_revision(name, &template, 1);
        let d = json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"),
                "generation": 1},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}},
                "updateStrategy": {"type": "RollingUpdate"}, "template": template},
            "status": {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3,
                "updatedReplicas": 3, "currentRevision": rev, "updateRevision": rev}
        });
        self.objects.insert(name.into(), d);
        self.looks.insert(name.into(), 100);
    }

    /// A ControllerRevision as the StatefulSet controller writes it: the
    /// template as a strategic-merge patch that replaces the old one.
    fn new_revision(&mut self, name: &str, template: &Value, revision: u32) -> String {
        let cr_name = format!("{name}-rev{}", self.controllerrevisions.len() + 1);
        let mut t = template.clone();
        t["$patch"] = "replace".into();
        self.controllerrevisions.push(json!({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": cr_name, "namespace": "default",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": name,
                    "uid": format!("uid-{name}"), "controller": true}]},
            "revision": revision,
            "data": {"spec": {"template": t}}
        }));
        cr_name
    }

    fn new_replicaset(&mut self, name: &str, template: &Value, revision: u32) -> String {
        let rs_name = format!("{name}-{}", self.replicasets.len() + 1);
        let mut t = template.clone();
        t["metadata"]["labels"]["pod-template-hash"] = rs_name.clone().into();
        self.replicasets.push(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs_name, "namespace": "default",
                "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                    "uid": format!("uid-{name}"), "controller": true}]},
            "spec": {"template": t}
        }));
        rs_name
    }

    /// The controller's answer to a changed template: the next revision,
    /// on a ReplicaSet with an equal template if one exists (as a rollback
    /// revives the old one), else a new one.
    fn template_changed(&mut self, name: &str) {
        let d = self.objects[name].clone();
        let template = template_of(&d);
        if d["kind"] == "StatefulSet" {
            let owned: Vec<&Value> = self
                .controllerrevisions
                .iter()
                .filter(|r| r["metadata"]["ownerReferences"][0]["name"] == name)
                .collect();
            let next = owned
                .iter()
                .filter_map(|r| r["revision"].as_u64())
                .max()
                .unwrap_or(0) as u32
                + 1;
            let same = owned.iter().position(|r| {
                let mut t = r["data"]["spec"]["template"].clone();
                t.as_object_mut().unwrap().remove("$patch");
                t == template
            });
            let rev = match same {
                Some(i) => {
                    let r = self
                        .controllerrevisions
                        .iter_mut()
                        .filter(|r| r["metadata"]["ownerReferences"][0]["name"] == name)
                        .nth(i)
                        .unwrap();
                    r["revision"] = next.into();
                    r["metadata"]["name"].as_str().unwrap().to_string()
                }
                None => self.new_revision(name, &template, next),
            };
            let d = self.objects.get_mut(name).unwrap();
            d["status"]["updateRevision"] = rev.into();
            d["metadata"]["generation"] =
                (d["metadata"]["generation"].as_i64().unwrap() + 1).into();
            self.looks.insert(name.into(), 0);
            return;
        }
        let owner = format!("uid-{name}");
        let owned = |rs: &Value| rs["metadata"]["ownerReferences"][0]["uid"] == owner.as_str();
        let next = self
            .replicasets
            .iter()
            .filter(|rs| owned(rs))
            .filter_map(|rs| {
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                    .as_str()?
                    .parse::<u32>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
            + 1;
        match self
            .replicasets
            .iter_mut()
            .find(|rs| owned(rs) && template_of(rs) == template)
        {
            Some(rs) => {
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                    next.to_string().into();
            }
            None => {
                self.new_replicaset(name, &template, next);
            }
        }
        let d = self.objects.get_mut(name).unwrap();
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = next.to_string().into();
        d["metadata"]["generation"] = (d["metadata"]["generation"].as_i64().unwrap() + 1).into();
        self.looks.insert(name.into(), 0);
    }

    /// One look at a Deployment moves its rollout one step.
    fn look(&mut self, name: &str) {
        let Some(d) = self.objects.get(name) else {
            return;
        };
        if d["kind"] != "Deployment" && d["kind"] != "StatefulSet" {
            return;
        }
        let fate = self.fate(&image_of(d));
        let n = {
            let l = self.looks.entry(name.into()).or_default();
            *l += 1;
            *l
        };
        let d = self.objects.get_mut(name).unwrap();
        let statefulset = d["kind"] == "StatefulSet";
        let want = d["spec"]["replicas"].as_i64().unwrap();
        let generation = d["metadata"]["generation"].clone();
        let s = &mut d["status"];
        s["observedGeneration"] = generation;
        if statefulset {
            if fate == Fate::Healthy && n >= 3 {
                s["readyReplicas"] = want.into();
                s["updatedReplicas"] = want.into();
                s["currentRevision"] = s["updateRevision"].clone();
            } else {
                // The highest ordinal is replaced first, and is not ready.
                s["readyReplicas"] = (want - 1).into();
                s["updatedReplicas"] = 1.into();
            }
            return;
        }
        match fate {
            Fate::Healthy if n >= 3 => {
                s["replicas"] = want.into();
                s["updatedReplicas"] = want.into();
                s["availableReplicas"] = want.into();
                s["conditions"][0]["reason"] = "NewReplicaSetAvailable".into();
            }
            _ => {
                // Surge one new pod; the old ones keep serving.
                s["replicas"] = (want + 1).into();
                s["updatedReplicas"] = 1.into();
                s["availableReplicas"] = want.into();
                s["conditions"][0]["reason"] = "ReplicaSetUpdated".into();
                if fate == Fate::NeverReady && n >= 4 {
                    s["conditions"][0] = json!({"type": "Progressing", "status": "False",
                        "reason": "ProgressDeadlineExceeded",
                        "message": format!("ReplicaSet \"{name}\" has timed out progressing.")});
                }
            }
        }
    }

    /// The pods: the old revision's while a rollout is under way, and the
    /// new one's, waiting where their image cannot come up.
    fn pods(&self, selector: Option<&str>) -> Vec<Value> {
        let mut pods = Vec::new();
        for (name, d) in &self.objects {
            if d["kind"] != "Deployment" && d["kind"] != "StatefulSet" {
                continue;
            }
            if selector.is_some_and(|s| s != format!("app={name}")) {
                continue;
            }
            let image = image_of(d);
            let state = match self.fate(&image) {
                Fate::PullBackOff => json!({"waiting": {"reason": "ImagePullBackOff",
                    "message": format!("Back-off pulling image \"{image}\"")}}),
                Fate::NeverReady => json!({"waiting": {"reason": "ContainerCreating"}}),
                Fate::CrashLoop => json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 40s restarting failed container"}}),
                Fate::Healthy => json!({"running": {"startedAt": "2026-11-29T10:00:00Z"}}),
            };
            pods.push(json!({
                "metadata": {"name": format!("{name}-new"), "namespace": "default",
                    "labels": {"app": name},
                    "ownerReferences": [{"kind": "ReplicaSet", "name": name, "uid": "x", "controller": true}]},
                "spec": {"containers": [{"name": name, "image": image}]},
                "status": {"phase": "Pending", "containerStatuses": [{"name": name,
                    "image": image, "ready": false, "restartCount": 0, "state": state}]}
            }));
        }
        pods
    }

    fn handle(&mut self, req: &KubeRequest) -> (u16, String) {
        let (route, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
        let selector = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("labelSelector="))
            .map(|s| s.replace("%3D", "=").replace("%3d", "="));
        let ns = "/namespaces/default/";
        let Some((group, rest)) = route.split_once(ns) else {
            return not_found();
        };
        let (resource, name) = match rest.split_once('/') {
            Some((r, n)) => (r, Some(n)),
            None => (rest, None),
        };
        let of_kind = |kind: &str| -> Vec<Value> {
            self.objects
                .values()
                .filter(|o| o["kind"] == kind)
                .cloned()
                .collect()
        };
        match (req.method.as_str(), group, resource, name) {
            ("GET", "/api/v1", "pods", None) => (
                200,
                kube_list("PodList", self.pods(selector.as_deref()), None),
            ),
            ("GET", "/apis/apps/v1", "deployments", None) => (
                200,
                kube_list("DeploymentList", of_kind("Deployment"), None),
            ),
            ("GET", "/apis/batch/v1", "cronjobs", None) => {
                (200, kube_list("CronJobList", of_kind("CronJob"), None))
            }
            ("GET", "/apis/apps/v1", "replicasets", None) => (
                200,
                kube_list("ReplicaSetList", self.replicasets.clone(), None),
            ),
            ("GET", "/apis/apps/v1", "replicasets", Some(n)) => {
                match self.replicasets.iter().find(|r| r["metadata"]["name"] == n) {
                    Some(rs) => (200, rs.to_string()),
                    None => not_found(),
                }
            }
            ("GET", "/apis/apps/v1", "statefulsets", None) => (
                200,
                kube_list("StatefulSetList", of_kind("StatefulSet"), None),
            ),
            ("GET", "/apis/apps/v1", "controllerrevisions", None) => (
                200,
                kube_list(
                    "ControllerRevisionList",
                    self.controllerrevisions.clone(),
                    None,
                ),
            ),
            ("GET", "/apis/apps/v1", "controllerrevisions", Some(n)) => {
                match self
                    .controllerrevisions
                    .iter()
                    .find(|r| r["metadata"]["name"] == n)
                {
                    Some(r) => (200, r.to_string()),
                    None => not_found(),
                }
            }
            ("GET", "/apis/apps/v1" | "/apis/batch/v1", "daemonsets" | "jobs", None) => {
                (200, kube_list("List", vec![], None))
            }
            ("GET", _, "deployments" | "statefulsets" | "cronjobs", Some(n)) => {
                self.look(n);
                let reply = match self.objects.get(n) {
                    Some(o) => (200, o.to_string()),
                    None => not_found(),
                };
                if let Some((name, image)) = self.change_after_get.take_if(|(w, _)| w == n) {
                    let d = self.objects.get_mut(&name).unwrap();
                    d["spec"]["template"]["spec"]["containers"][0]["image"] = image.into();
                }
                reply
            }
            ("PATCH", _, "deployments" | "statefulsets" | "cronjobs", Some(n)) => {
                self.patch(n, req)
            }
            _ => not_found(),
        }
    }

    fn patch(&mut self, name: &str, req: &KubeRequest) -> (u16, String) {
        if req.content_type != "application/json-patch+json" {
            return (
                415,
                status(415, &format!("unsupported {}", req.content_type)),
            );
        }
        let Ok(ops) = serde_json::from_slice::<Value>(&req.body) else {
            return (400, status(400, "not JSON"));
        };
        let Some(obj) = self.objects.get(name) else {
            return not_found();
        };
        let before = template_of(obj);
        let mut obj = obj.clone();
        for op in ops.as_array().cloned().unwrap_or_default() {
            if let Err(why) = json_patch(&mut obj, &op) {
                return (422, status(422, &why));
            }
        }
        self.patches.push((name.into(), ops));
        let changed = template_of(&obj) != before;
        self.objects.insert(name.into(), obj.clone());
        if changed && (obj["kind"] == "Deployment" || obj["kind"] == "StatefulSet") {
            self.template_changed(name);
        }
        (200, self.objects[name].to_string())
    }
}

fn status(code: u16, message: &str) -> String {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code})
        .to_string()
}

fn not_found() -> (u16, String) {
    (404, status(404, "not found"))
}

/// One RFC 6902 operation (test, replace, add), on a JSON pointer.
fn json_patch(obj: &mut Value, op: &Value) -> Result<(), String> {
    let path = op["path"].as_str().ok_or("no path")?;
    let value = op["value"].clone();
    match op["op"].as_str() {
        Some("test") => match obj.pointer(path) {
            Some(v) if *v == value => Ok(()),
            other => Err(format!("test failed at {path}: {other:?}")),
        },
        Some("replace") => {
            let slot = obj.pointer_mut(path).ok_or(format!("no {path}"))?;
            *slot = value;
            Ok(())
        }
        Some("add") => {
            let (parent, key) = path.rsplit_once('/').ok_or("bad path")?;
            let key = key.replace("~1", "/").replace("~0", "~");
            let parent = obj
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .ok_or(format!("no object at {parent}"))?;
            parent.insert(key, value);
            Ok(())
        }
        other => Err(format!("unsupported op {other:?}")),
    }
}

struct Rig {
    reg: RegistryServer,
    api: Arc<Mutex<Api>>,
    state: TempDir,
    dir: TempDir,
    config: String,
    _ca: TestCa,
}

impl Rig {
    fn new() -> Rig {
        let reg = RegistryServer::start(None);
        let ca = TestCa::new();
        let api = Arc::new(Mutex::new(Api::default()));
        let shared = api.clone();
        let port = fake_kube_api(&ca, TOKEN, move |req| shared.lock().unwrap().handle(req));
        let dir = TempDir::new("kube-update");
        let config = kubeconfig(&dir, port, &ca, &format!("    token: {TOKEN}\n"));
        Rig {
            reg,
            api,
            state: TempDir::new("kube-update-state"),
            dir,
            config,
            _ca: ca,
        }
    }

    /// One Deployment, `web`, at 1.0.0 with 1.0.1 in the registry.
    fn with_web() -> Rig {
        let rig = Rig::new();
        rig.reg.push("web", &["1.0.0", "1.0.1"], None);
        rig.api
            .lock()
            .unwrap()
            .add_deployment("web", &rig.image("web", "1.0.0"));
        rig
    }

    fn image(&self, repo: &str, tag: &str) -> String {
        format!("{}/{repo}:{tag}", self.reg.addr)
    }

    fn update(&self, extra: &[&str]) -> Vext {
        vext(self.args(extra))
    }

    fn args(&self, extra: &[&str]) -> Vec<String> {
        let state = self.state.path().display().to_string();
        let mut args = vec![
            "update",
            "--kube",
            "--kubeconfig",
            &self.config,
            "--insecure-registry",
            &self.reg.addr,
            "--health-timeout",
            "20s",
            "--state-dir",
            &state,
        ];
        args.extend(extra);
        args.into_iter().map(String::from).collect()
    }

    fn object(&self, name: &str) -> Value {
        self.api.lock().unwrap().objects[name].clone()
    }
}

fn results(out: &Output) -> BTreeMap<String, (String, String)> {
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["workload"].as_str().unwrap().to_string(),
                (
                    d["result"].as_str().unwrap().to_string(),
                    d["reason"].as_str().unwrap_or_default().to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn rollouts_are_awaited_failed_early_rolled_back_and_held() {
    let rig = Rig::new();
    for repo in ["web", "pull", "stuck", "cron", "late", "db", "cache"] {
        rig.reg.push(repo, &["1.0.0", "1.0.1"], None);
    }
    {
        let mut api = rig.api.lock().unwrap();
        for name in ["web", "pull", "stuck", "late"] {
            api.add_deployment(name, &rig.image(name, "1.0.0"));
        }
        for name in ["db", "cache"] {
            api.add_statefulset(name, &rig.image(name, "1.0.0"));
        }
        api.fates.insert(rig.image("db", "1.0.1"), Fate::CrashLoop);
        api.objects.insert(
            "nightly".into(),
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "nightly", "namespace": "default", "uid": "uid-nightly"},
                "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                    "containers": [{"name": "backup", "image": rig.image("cron", "1.0.0")}],
                    "restartPolicy": "OnFailure"}}}}}}),
        );
        api.fates
            .insert(rig.image("pull", "1.0.1"), Fate::PullBackOff);
        api.fates
            .insert(rig.image("stuck", "1.0.1"), Fate::NeverReady);
    }

    // The plan lists every step and changes nothing.
    let out = rig.update(&["--plan", "--json"]).expect(0);
    let steps: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let of = |w: &str| -> Vec<String> {
        steps
            .iter()
            .filter(|s| s["workload"] == w)
            .map(|s| s["step"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(of("default/Deployment/web/web"), ["patch", "wait_rollout"]);
    assert_eq!(of("default/CronJob/nightly/backup"), ["patch"]);
    assert!(steps.iter().all(|s| s["source"] == "kube"), "{steps:?}");
    assert!(rig.api.lock().unwrap().patches.is_empty());

    // Killed while it waits for the rollout: the next run finishes it.
    let mut killed = std::process::Command::new(VEXT)
        .args(rig.args(&["--only", "late"]))
        .env("VEXT_UPDATE_STALL_AT", "wait_rollout")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while rig.api.lock().unwrap().patches.is_empty() {
        assert!(Instant::now() < deadline, "the first run never patched");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    killed.kill().unwrap(); // SIGKILL
    killed.wait().unwrap();
    let out = rig.update(&["--recover"]).expect(0);
    assert!(
        out.stderr.contains("default/Deployment/late/late") && out.stderr.contains("finished"),
        "{}",
        out.stderr
    );

    let metrics = rig.dir.path().join("metrics.prom");
    let out = rig
        .update(&["--json", "--metrics-file", &metrics.display().to_string()])
        .expect(1);
    let r = results(&out);
    assert_eq!(r["default/Deployment/web/web"].0, "applied", "{r:?}");
    assert_eq!(r["default/CronJob/nightly/backup"].0, "applied", "{r:?}");
    let (result, why) = &r["default/Deployment/pull/pull"];
    assert_eq!(result, "rolled_back", "{r:?}");
    assert!(why.contains("ImagePullBackOff"), "{why}");
    let (result, why) = &r["default/Deployment/stuck/stuck"];
    assert_eq!(result, "rolled_back", "{r:?}");
    assert!(why.contains("progress deadline"), "{why}");
    assert!(!r.contains_key("default/Deployment/late/late"), "{r:?}");
    assert_eq!(r["default/StatefulSet/cache/cache"].0, "applied", "{r:?}");
    let (result, why) = &r["default/StatefulSet/db/db"];
    assert_eq!(result, "rolled_back", "{r:?}");
    assert!(why.contains("CrashLoopBackOff"), "{why}");

    // Applied: the new image, and why it changed.
    let web = rig.object("web");
    assert_eq!(image_of(&web), rig.image("web", "1.0.1"));
    let cause = web["metadata"]["annotations"]["kubernetes.io/change-cause"]
        .as_str()
        .unwrap_or_default();
    assert!(cause.contains("1.0.1"), "{web}");
    assert_eq!(image_of(&rig.object("late")), rig.image("late", "1.0.1"));
    let nightly = rig.object("nightly");
    assert_eq!(
        nightly["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"],
        rig.image("cron", "1.0.1").as_str()
    );
    // Rolled back as `kubectl rollout undo` does: the previous
    // ReplicaSet's template, without the controller's hash label.
    for name in ["pull", "stuck"] {
        assert_eq!(image_of(&rig.object(name)), rig.image(name, "1.0.0"));
        let api = rig.api.lock().unwrap();
        let undo = api
            .patches
            .iter()
            .filter(|(n, _)| n == name)
            .nth(1)
            .unwrap_or_else(|| panic!("no rollback patch for {name}: {:?}", api.patches))
            .1
            .clone();
        let replace = &undo[0];
        assert_eq!(replace["path"], "/spec/template", "{undo}");
        assert_eq!(
            replace["value"]["spec"]["containers"][0]["image"],
            rig.image(name, "1.0.0").as_str()
        );
        assert!(replace["value"]["metadata"]["labels"]
            .get("pod-template-hash")
            .is_none());
        // The revived ReplicaSet carries the newest revision, as after an undo.
        let d = &api.objects[name];
        assert_eq!(
            d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "3"
        );
    }
    // A StatefulSet is undone from the ControllerRevision that ran before.
    {
        let api = rig.api.lock().unwrap();
        let undo = &api
            .patches
            .iter()
            .filter(|(n, _)| n == "db")
            .nth(1)
            .unwrap()
            .1;
        let replace = &undo[0];
        assert_eq!(replace["path"], "/spec/template", "{undo}");
        assert_eq!(
            replace["value"]["spec"]["containers"][0]["image"],
            rig.image("db", "1.0.0").as_str()
        );
        assert!(replace["value"].get("$patch").is_none(), "{undo}");
        let db = &api.objects["db"];
        assert_eq!(
            db["status"]["currentRevision"], db["status"]["updateRevision"],
            "{db}"
        );
        assert_eq!(db["status"]["currentRevision"], "db-rev1", "{db}");
    }
    assert_eq!(image_of(&rig.object("cache")), rig.image("cache", "1.0.1"));
    let m = std::fs::read_to_string(&metrics).unwrap();
    assert!(m.contains("safe_updater_rollbacks_total 3\n"), "{m}");
    assert!(
        m.contains("safe_updater_updates_succeeded_total 3\n"),
        "{m}"
    );

    // The failed versions are held: the next run leaves them alone.
    let patches = rig.api.lock().unwrap().patches.len();
    let out = rig.update(&["--json"]).expect(0);
    let r = results(&out);
    for workload in [
        "default/Deployment/pull/pull",
        "default/Deployment/stuck/stuck",
        "default/StatefulSet/db/db",
    ] {
        let (result, why) = &r[workload];
        assert_eq!(result, "skipped", "{r:?}");
        assert!(why.contains("held"), "{why}");
    }
    assert_eq!(rig.api.lock().unwrap().patches.len(), patches);
}

#[test]
fn a_workload_changed_since_the_scan_is_left_alone() {
    let rig = Rig::with_web();
    // Someone else changes the image between vext's look and its patch:
    // the patch's `test` refuses it, and nothing is written.
    let other = rig.image("web", "0.9.0");
    rig.api.lock().unwrap().change_after_get = Some(("web".into(), other.clone()));
    let out = rig.update(&["--json"]).expect(1);
    let (result, why) = &results(&out)["default/Deployment/web/web"];
    assert_eq!(result, "failed");
    assert!(why.contains("changed since"), "{why}");
    assert!(rig.api.lock().unwrap().patches.is_empty());
    assert_eq!(image_of(&rig.object("web")), other);
}

/// Issue 30's post-update hook on a Deployment: the rollout completes, the
/// hook (with the update in VEXT_* variables) fails, and the rollout is
/// undone as an unhealthy one is, the version held.
#[test]
fn a_failing_post_update_hook_undoes_a_healthy_rollout() {
    let rig = Rig::with_web();
    let hook = format!(
        "test \"$VEXT_SOURCE $VEXT_TO\" != \"kube {}\"",
        rig.image("web", "1.0.1")
    );
    let out = rig.update(&["--json", "--post-update", &hook]).expect(1);
    let (result, why) = &results(&out)["default/Deployment/web/web"];
    assert_eq!(result, "rolled_back", "{why}");
    assert!(why.contains("post_update hook exited"), "{why}");
    assert_eq!(image_of(&rig.object("web")), rig.image("web", "1.0.0"));
    let out = rig.update(&["--json"]).expect(0);
    let (result, why) = &results(&out)["default/Deployment/web/web"];
    assert_eq!(result, "skipped", "{why}");
    assert!(why.contains("held"), "{why}");
}

/// `vext daemon --update-every`: the same run on a schedule, its summary
/// through the daemon's own spool, its metrics on `/metrics`.
#[test]
fn the_daemon_updates_on_a_schedule() {
    let rig = Rig::with_web();
    let ircd = Ngircd::start();
    let mut obs = Observer::join(ircd.port, &["#updates"]);
    let cfg = rig.dir.write(
        "config.toml",
        &format!(
            "[update]\nkube = true\nkubeconfig = \"{}\"\ninsecure_registry = [\"{}\"]\nhealth_timeout = \"20s\"\nnotify = [\"{}\"]\n",
            rig.config,
            rig.reg.addr,
            ircd.url("updates")
        ),
    );
    let daemon = Daemon::start(&[
        "--config",
        cfg.to_str().unwrap(),
        "--update-every",
        "1h",
        "--http",
        "127.0.0.1:0",
    ]);
    let got = obs.privmsgs(2, Duration::from_secs(30));
    let text: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("default/Deployment/web/web") && t.contains("applied")),
        "{text:?}\n{}",
        daemon.log()
    );
    assert_eq!(image_of(&rig.object("web")), rig.image("web", "1.0.1"));
    let metrics = ureq::get(&format!("http://{}/metrics", daemon.http.as_ref().unwrap()))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    assert!(
        metrics.contains("safe_updater_updates_succeeded_total 1\n")
            && metrics.contains("safe_updater_scans_total 1\n"),
        "{metrics}"
    );
}

/// Against a real cluster: VEXT_TEST_KUBE_NAMESPACE names a scratch
/// namespace of the cluster KUBECONFIG points at (kubectl must be on PATH,
/// and the cluster and this machine must reach Docker Hub). A busybox
/// Deployment at 1.36.0 is created there, updated by vext to the newest
/// approved 1.36.x, its rollout awaited, and deleted.
#[test]
fn real_cluster_when_configured() {
    let (Ok(ns), Ok(_)) = (
        std::env::var("VEXT_TEST_KUBE_NAMESPACE"),
        std::env::var("KUBECONFIG"),
    ) else {
        eprintln!("KUBECONFIG/VEXT_TEST_KUBE_NAMESPACE not set: the real-cluster test is skipped");
        return;
    };
    let kubectl = |args: &[&str], stdin: Option<&str>| -> String {
        use std::io::Write;
        let mut c = std::process::Command::new("kubectl")
            .args(["-n", &ns])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("kubectl");
        if let Some(s) = stdin {
            c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        let out = c.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vext-update-test\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: vext-update-test}\n  template:\n    metadata:\n      labels: {app: vext-update-test}\n    spec:\n      containers:\n      - name: sleep\n        image: busybox:1.36.0\n        command: [sleep, '3600']\n";
    kubectl(&["apply", "-f", "-"], Some(manifest));
    kubectl(
        &[
            "rollout",
            "status",
            "deployment/vext-update-test",
            "--timeout=120s",
        ],
        None,
    );
    let state = TempDir::new("real-kube-state");
    let out = vext([
        "update",
        "--kube",
        "-n",
        &ns,
        "--only",
        "busybox",
        "--json",
        "--health-timeout",
        "180s",
        "--state-dir",
        &state.path().display().to_string(),
    ])
    .run();
    let image = kubectl(
        &[
            "get",
            "deployment/vext-update-test",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
        None,
    );
    kubectl(&["delete", "deployment/vext-update-test"], None);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        image.starts_with("busybox:1.36.") && image != "busybox:1.36.0",
        "{image}"
    );
}
