//! Debian's docker-registry on a free port, and pushing test images to it.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

pub struct RegistryServer {
    pub addr: String,
    dir: TempDir,
    child: Child,
}

impl RegistryServer {
    /// Starts `docker-registry serve` on a free port; with `htpasswd`, Basic auth.
    pub fn start(htpasswd: Option<(&str, &str)>) -> RegistryServer {
        RegistryServer::start_with(htpasswd, None)
    }

    /// Starts it with token authentication: Bearer tokens from `realm`,
    /// for `service`, issued by `issuer`, signed by a key whose
    /// certificate is in the PEM file `rootcertbundle`.
    pub fn start_token(
        realm: &str,
        service: &str,
        issuer: &str,
        rootcertbundle: &Path,
    ) -> RegistryServer {
        let section = format!(
            "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
            rootcertbundle.display()
        );
        RegistryServer::start_with(None, Some(&section))
    }

    fn start_with(htpasswd: Option<(&str, &str)>, auth: Option<&str>) -> RegistryServer {
        // free_port() can race with other tests: retry when the registry
        // dies (its port was taken) or another server answers.
        for _ in 0..5 {
            if let Some(r) = RegistryServer::try_start(htpasswd, auth) {
                return r;
            }
        }
        panic!("docker-registry did not start");
    }

    fn try_start(htpasswd: Option<(&str, &str)>, auth: Option<&str>) -> Option<RegistryServer> {
        let bin = require_binary("docker-registry");
        let dir = TempDir::new("registry");
        let port = free_port();
        let mut conf = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, pass)) = htpasswd {
            let file = dir.path().join("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd (make deps installs apache2-utils)");
            std::fs::write(&file, out.stdout).unwrap();
            conf.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            ));
        }
        if let Some(section) = auth {
            conf.push_str(section);
        }
        let conf_path = dir.write("config.yml", &conf);
        let mut child = Command::new(bin)
            .args(["serve"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting docker-registry");
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return None;
            }
            // The registry itself answers /v2/ with its API version header.
            if let Ok((status, _)) =
                http_json("GET", &format!("http://127.0.0.1:{port}/v2/"), None, None)
            {
                if status == 200 || status == 401 {
                    if let Ok(None) = child.try_wait() {
                        return Some(RegistryServer {
                            addr: format!("127.0.0.1:{port}"),
                            dir,
                            child,
                        });
                    }
                    return None;
                }
            }
            if Instant::now() > until {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Restarts the registry on the same data and port, serving TLS.
    pub fn restart_tls(&mut self, cert: &Path, key: &Path) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let conf_path = self.dir.path().join("config.yml");
        let conf = std::fs::read_to_string(&conf_path).unwrap().replacen(
            &format!("  addr: {}\n", self.addr),
            &format!(
                "  addr: {}\n  tls:\n    certificate: {}\n    key: {}\n",
                self.addr,
                cert.display(),
                key.display()
            ),
            1,
        );
        std::fs::write(&conf_path, conf).unwrap();
        self.child = Command::new(require_binary("docker-registry"))
            .args(["serve"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("restarting docker-registry");
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&self.addr).is_err() {
            assert!(Instant::now() < until, "docker-registry did not restart");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Pushes a tiny image (distinct per tag) under every tag, through the HTTP API.
    pub fn push(&self, repo: &str, tags: &[&str], auth: Option<&str>) {
        self.push_revision(repo, tags, auth, "1");
    }

    /// Pushes images whose content differs by `revision`: the same tag
    /// pushed again with another revision gets another digest.
    pub fn push_revision(&self, repo: &str, tags: &[&str], auth: Option<&str>, revision: &str) {
        let configs: Vec<(&str, String)> = tags
            .iter()
            .map(|tag| (*tag, format!("{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"tag\":\"{tag}\",\"revision\":\"{revision}\"}}}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}")))
            .collect();
        self.push_configs(repo, &configs, auth);
    }

    /// Pushes, under each tag, an image with that image config JSON.
    pub fn push_configs(&self, repo: &str, configs: &[(&str, String)], auth: Option<&str>) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let base = format!("http://{}", self.addr);
        let with_auth = |r: ureq::RequestBuilder<ureq::typestate::WithBody>| match auth {
            Some(a) => r.header("Authorization", a),
            None => r,
        };
        let upload = |content: &[u8]| -> String {
            let digest = format!(
                "sha256:{}",
                hex(ring::digest::digest(&ring::digest::SHA256, content).as_ref())
            );
            let mut r = with_auth(agent.post(format!("{base}/v2/{repo}/blobs/uploads/")))
                .send(&[][..])
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                202,
                "start upload: {:?}",
                r.body_mut().read_to_string()
            );
            let loc = r
                .headers()
                .get("location")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let loc = if loc.starts_with("http") {
                loc
            } else {
                format!("{base}{loc}")
            };
            let sep = if loc.contains('?') { '&' } else { '?' };
            let r = with_auth(agent.put(format!("{loc}{sep}digest={digest}")))
                .header("Content-Type", "application/octet-stream")
                .send(content)
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "finish upload");
            digest
        };
        for (tag, config) in configs {
            let digest = upload(config.as_bytes());
            let manifest = format!(
                "{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":{},\"digest\":\"{digest}\"}},\"layers\":[]}}",
                config.len()
            );
            let mut r = with_auth(agent.put(format!("{base}/v2/{repo}/manifests/{tag}")))
                .header(
                    "Content-Type",
                    "application/vnd.docker.distribution.manifest.v2+json",
                )
                .send(manifest.as_bytes())
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                201,
                "push {repo}:{tag}: {:?}",
                r.body_mut().read_to_string()
            );
        }
    }

    /// The digest of repo:tag, as the registry reports it.
    pub fn digest(&self, repo: &str, tag: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let r = agent
            .head(format!("http://{}/v2/{repo}/manifests/{tag}", self.addr))
            .header(
                "Accept",
                "application/vnd.docker.distribution.manifest.v2+json",
            )
            .call()
            .unwrap();
        r.headers()
            .get("docker-content-digest")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
