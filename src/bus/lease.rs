//! Leases in a JetStream key-value bucket: one holder per key at a time.
//! Taking is a create (fails while the key exists), renewing is an update
//! against the revision last written (fails once someone else took it),
//! and a holder that dies stops renewing, so the bucket's max age expires
//! its keys and another daemon takes them. nats-server 2.9 has no pinned
//! consumers; this is how one daemon at a time speaks for an IRC network.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use async_nats::jetstream::{kv, stream};
use futures_util::StreamExt;

use super::{Bus, CALL_TIMEOUT};
use crate::exit::{fail, Code};

/// The bucket holding the leases.
pub(crate) const BUCKET: &str = "VEXT_LEASES";

pub(crate) struct Leases {
    bus: Arc<Bus>,
    store: kv::Store,
    /// Who this process is, as written in the keys it holds.
    pub(crate) owner: String,
    pub(crate) ttl: Duration,
}

impl Leases {
    pub(crate) fn open(
        bus: Arc<Bus>,
        owner: String,
        replicas: usize,
        ttl: Duration,
    ) -> Result<Leases> {
        let js = bus.jetstream().clone();
        let store = bus.wait(
            Duration::from_secs(15),
            "opening the lease bucket",
            async move {
                if let Ok(s) = js.get_key_value(BUCKET).await {
                    return Ok(s);
                }
                // The bucket's stream as the client would make it; its own
                // create_key_value first reads account details in a form that
                // nats-server 2.9 does not send.
                js.create_stream(stream::Config {
                    name: format!("KV_{BUCKET}"),
                    description: Some("vext: which daemon delivers to which IRC network".into()),
                    subjects: vec![format!("$KV.{BUCKET}.>")],
                    max_messages_per_subject: 1,
                    max_age: ttl,
                    storage: stream::StorageType::File,
                    num_replicas: replicas,
                    allow_rollup: true,
                    deny_delete: true,
                    allow_direct: true,
                    discard: stream::DiscardPolicy::New,
                    ..Default::default()
                })
                .await
                .map_err(|e| {
                    fail(
                        Code::Config,
                        format!("creating the NATS bucket {BUCKET}: {e}"),
                    )
                })?;
                js.get_key_value(BUCKET).await.map_err(|e| {
                    fail(
                        Code::Config,
                        format!("opening the NATS bucket {BUCKET}: {e}"),
                    )
                })
            },
        )?;
        Ok(Leases {
            bus,
            store,
            owner,
            ttl,
        })
    }

    /// Takes `key` if nobody holds it; returns the revision to renew from.
    pub(crate) fn take(&self, key: &str) -> Result<Option<u64>> {
        let store = &self.store;
        let owner = self.owner.clone();
        self.bus.wait(CALL_TIMEOUT, "taking a lease", async move {
            match store.create(key, owner.into()).await {
                Ok(rev) => Ok(Some(rev)),
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => Ok(None),
                Err(e) => Err(anyhow!("taking the lease {key}: {e}")),
            }
        })
    }

    /// Renews a held lease; None when it was lost (expired and taken).
    pub(crate) fn renew(&self, key: &str, revision: u64) -> Result<Option<u64>> {
        let store = &self.store;
        let owner = self.owner.clone();
        self.bus.wait(CALL_TIMEOUT, "renewing a lease", async move {
            match store.update(key, owner.into(), revision).await {
                Ok(rev) => Ok(Some(rev)),
                Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => Ok(None),
                Err(e) => Err(anyhow!("renewing the lease {key}: {e}")),
            }
        })
    }

    /// Gives a lease up at once (on a clean stop), if still ours.
    pub(crate) fn release(&self, key: &str, revision: u64) {
        let store = &self.store;
        let _ = self
            .bus
            .wait(CALL_TIMEOUT, "releasing a lease", async move {
                store
                    .delete_expect_revision(key, Some(revision))
                    .await
                    .map_err(|e| anyhow!("{e}"))
            });
    }
}

/// Every held lease, key and owner, without creating the bucket.
pub(crate) fn holders(bus: &Bus) -> Result<Vec<(String, String)>> {
    let js = bus.jetstream().clone();
    bus.wait(CALL_TIMEOUT, "reading the leases", async move {
        let Ok(store) = js.get_key_value(BUCKET).await else {
            return Ok(Vec::new());
        };
        let mut keys = store.keys().await.map_err(|e| anyhow!("{e}"))?;
        let mut names = Vec::new();
        while let Some(k) = keys.next().await {
            names.push(k.map_err(|e| anyhow!("{e}"))?);
        }
        let mut out = Vec::new();
        for k in names {
            if let Ok(Some(v)) = store.get(&k).await {
                out.push((k, String::from_utf8_lossy(&v).into_owned()));
            }
        }
        out.sort();
        Ok(out)
    })
}
