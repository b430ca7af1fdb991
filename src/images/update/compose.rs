//! Containers that Docker Compose made stay compose's: the project's
//! labels go to the new container, the services they wait for are updated
//! first, and with `--write` the compose file names the new tag, with the
//! config hash compose itself computes for the edited file on the new
//! container, so that a later `docker compose up -d` finds it up to date
//! instead of recreating it a second time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::manifest::Edit;
use crate::images::scan::yaml::{self, Node};

const PROJECT: &str = "com.docker.compose.project";
const SERVICE: &str = "com.docker.compose.service";
const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
const VERSION: &str = "com.docker.compose.version";
const DEPENDS_ON: &str = "com.docker.compose.depends_on";
/// The label compose compares with what it would create.
pub(crate) const CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// Compose v2's record of the image it created the container from.
pub(crate) const IMAGE: &str = "com.docker.compose.image";

/// How long compose gets to print a hash.
const COMPOSE_TIMEOUT: Duration = Duration::from_secs(60);

/// The biggest compose file read (a hostile or broken one is refused).
const MAX_FILE: u64 = 4 << 20;

/// What compose recorded on a container it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    pub(crate) project: String,
    pub(crate) service: String,
    pub(crate) dir: PathBuf,
    /// The compose files, in the order compose merged them.
    pub(crate) files: Vec<PathBuf>,
    /// Made by compose v1 (`docker-compose` 1.x).
    pub(crate) v1: bool,
}

/// The compose project a container belongs to, from its labels.
pub(crate) fn member(inspect: &Value) -> Option<Member> {
    let labels = &inspect["Config"]["Labels"];
    let label = |k: &str| labels[k].as_str().filter(|s| !s.is_empty());
    let dir = PathBuf::from(label(WORKING_DIR)?);
    let files = label(CONFIG_FILES)
        .map(|f| {
            f.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| dir.join(s))
                .collect()
        })
        .unwrap_or_default();
    Some(Member {
        project: label(PROJECT)?.to_string(),
        service: label(SERVICE)?.to_string(),
        v1: label(VERSION).is_some_and(|v| v.starts_with("1.")),
        dir,
        files,
    })
}

/// The services `m` waits for: compose v2's `depends_on` label, else the
/// compose files' `depends_on` and `links` (compose v1 records neither).
pub(crate) fn depends_on(inspect: &Value, m: &Member) -> Vec<String> {
    if let Some(deps) = inspect["Config"]["Labels"][DEPENDS_ON].as_str() {
        return deps
            .split(',')
            .filter_map(|d| d.split(':').next())
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect();
    }
    let mut out = Vec::new();
    for (_, docs) in documents(m) {
        for doc in &docs {
            let Some(svc) = doc.get("services").and_then(|s| s.get(&m.service)) else {
                continue;
            };
            if let Some(d) = svc.get("depends_on") {
                // A list of names, or a map of name to condition.
                out.extend(
                    d.items()
                        .iter()
                        .filter_map(|n| n.as_str().map(String::from)),
                );
                out.extend(
                    d.entries()
                        .iter()
                        .filter_map(|(k, _)| k.as_str().map(String::from)),
                );
            }
            if let Some(links) = svc.get("links") {
                out.extend(
                    links
                        .items()
                        .iter()
                        .filter_map(Node::as_str)
                        .filter_map(|l| l.split(':').next())
                        .map(String::from),
                );
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The compose files that could be read and parsed, in merge order.
fn documents(m: &Member) -> Vec<(PathBuf, Vec<Node>)> {
    m.files
        .iter()
        .filter_map(|f| {
            let size = std::fs::metadata(f).ok()?.len();
            if size > MAX_FILE {
                log::warn!("{}: over {MAX_FILE} bytes; not read", f.display());
                return None;
            }
            let text = std::fs::read_to_string(f).ok()?;
            Some((f.clone(), yaml::parse(&text).ok()?))
        })
        .collect()
}

/// The edit that makes the service's `image:` in its compose file (the
/// last file that sets it, as compose merges them) name `to_tag`; Err says
/// why the file cannot follow.
pub(crate) fn edit(m: &Member, from_tag: &str, to_tag: &str) -> Result<Edit, String> {
    for (file, docs) in documents(m).into_iter().rev() {
        for doc in &docs {
            let Some(image) = doc
                .get("services")
                .and_then(|s| s.get(&m.service))
                .and_then(|s| s.get("image"))
            else {
                continue;
            };
            let raw = image.as_str().unwrap_or_default();
            if raw.contains('$') {
                return Err(format!(
                    "{}:{}: the image is {raw:?}, set through a variable: change it there",
                    file.display(),
                    image.line()
                ));
            }
            return Ok(Edit {
                file,
                line: image.line(),
                raw: raw.to_string(),
                kustomization: None,
                from_tag: from_tag.to_string(),
                to_tag: to_tag.to_string(),
            });
        }
    }
    Err(format!(
        "no compose file of project {} that names service {}'s image could be read ({})",
        m.project,
        m.service,
        m.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The config hash compose computes for the service once `file` holds
/// `bytes`: asked of compose itself (`config --hash`), on a copy of the
/// edited file beside it, with the engine at `docker_host`.
pub(crate) fn config_hash(
    m: &Member,
    file: &Path,
    bytes: &[u8],
    docker_host: &str,
) -> Result<String, String> {
    let copy = file.with_file_name(format!(
        ".{}.vext-{}",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("compose"),
        std::process::id()
    ));
    std::fs::write(&copy, bytes).map_err(|e| format!("writing {}: {e}", copy.display()))?;
    let hash = ask_compose(m, file, &copy, docker_host);
    let _ = std::fs::remove_file(&copy);
    hash
}

fn ask_compose(m: &Member, file: &Path, copy: &Path, docker_host: &str) -> Result<String, String> {
    let mut args = vec![
        "-p".to_string(),
        m.project.clone(),
        "--project-directory".into(),
        m.dir.display().to_string(),
    ];
    for f in &m.files {
        args.push("-f".into());
        args.push(if f == file { copy } else { f }.display().to_string());
    }
    args.push("config".into());
    args.push(format!("--hash={}", m.service));
    let env = [("DOCKER_HOST", docker_host.to_string())];
    // Whichever compose made it: v1 is docker-compose only; v2 is the
    // docker plugin, or the same binary installed standalone.
    let programs: &[(&str, &[&str])] = if m.v1 {
        &[("docker-compose", &[])]
    } else {
        &[("docker", &["compose"]), ("docker-compose", &[])]
    };
    let mut why = Vec::new();
    for (program, first) in programs {
        let mut all: Vec<String> = first.iter().map(|s| (*s).to_string()).collect();
        all.extend(args.iter().cloned());
        match crate::util::shell::output(program, &all, &env, &m.dir, COMPOSE_TIMEOUT) {
            Ok(out) => return hash_of(&out, &m.service),
            Err(e) => why.push(format!("{program} {}: {e}", first.join(" "))),
        }
    }
    Err(why.join("; "))
}

/// `SERVICE HASH` from compose's `config --hash` output.
fn hash_of(out: &str, service: &str) -> Result<String, String> {
    out.lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(s, _)| *s == service)
        .map(|(_, h)| h.trim())
        .filter(|h| !h.is_empty() && h.len() <= 128 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(String::from)
        .ok_or_else(|| format!("compose printed no hash for {service}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_name_the_project_and_v2_dependencies() {
        let c = json!({"Config": {"Labels": {
            PROJECT: "shop", SERVICE: "web", WORKING_DIR: "/srv/shop",
            CONFIG_FILES: "/srv/shop/compose.yaml,/srv/shop/compose.override.yaml",
            VERSION: "2.24.0", DEPENDS_ON: "db:service_healthy:false,cache:service_started:true"
        }}});
        let m = member(&c).unwrap();
        assert_eq!(
            (m.project.as_str(), m.service.as_str(), m.v1),
            ("shop", "web", false)
        );
        assert_eq!(m.files.len(), 2);
        assert_eq!(depends_on(&c, &m), ["db", "cache"]);
        // v1 writes the file names relative to the working directory.
        let v1 = json!({"Config": {"Labels": {
            PROJECT: "p", SERVICE: "s", WORKING_DIR: "/w", CONFIG_FILES: "docker-compose.yml", VERSION: "1.29.2"
        }}});
        let m = member(&v1).unwrap();
        assert!(m.v1);
        assert_eq!(m.files, [PathBuf::from("/w/docker-compose.yml")]);
        assert!(member(&json!({"Config": {"Labels": {"x": "y"}}})).is_none());
    }

    #[test]
    fn compose_output_gives_the_hash_and_nothing_else() {
        assert_eq!(hash_of("db 12ab\nweb 34cd\n", "web").unwrap(), "34cd");
        assert!(hash_of("web not-a-hash\n", "web").is_err());
        assert!(hash_of("", "web").is_err());
    }
}
