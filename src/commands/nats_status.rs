//! `vext nats status`: the work queue the daemons share, as NATS sees it.

use std::io::Write;

use anyhow::Result;

use crate::bus::queue;
use crate::cli::NatsStatusArgs;
use crate::config::Context;
use crate::exit::{fail, Code};

pub(crate) fn run(args: NatsStatusArgs, ctx: &Context) -> Result<Code> {
    let file = &ctx.config.nats;
    let Some(url) = args.nats.clone().or_else(|| file.url.clone()) else {
        return Err(fail(
            Code::Usage,
            "no NATS server: give --nats URL (or VEXT_NATS, or [nats] url in the config)",
        ));
    };
    let flags = crate::settings::NatsFlags {
        url: &url,
        creds: args.nats_creds.as_deref(),
        token_file: args.nats_token_file.as_deref(),
        ca_file: args.ca_file.as_deref(),
    };
    let (options, config) = crate::settings::nats(&flags, file, "nats status")?;
    let bus = crate::bus::Bus::connect(&options)?;
    let st = queue::status(&bus, &config.stream)?;
    let text = if args.json {
        serde_json::to_string_pretty(&st)?
    } else {
        let mut t = format!(
            "stream {}: {} messages ({} bytes) on {}, {} replica(s)\n",
            st.stream,
            st.messages,
            st.bytes,
            st.subjects.join(" "),
            st.replicas
        );
        t.push_str(&match &st.consumer {
            Some(c) => format!(
                "consumer {}: {} pending, {} fetched and not yet confirmed, {} redelivered \
                 (ack wait {}s, at most {} attempts)",
                c.name, c.pending, c.ack_pending, c.redelivered, c.ack_wait_secs, c.max_deliver
            ),
            None => format!("consumer {}: not created yet", queue::CONSUMER),
        });
        for l in &st.leases {
            t.push_str(&format!(
                "\nIRC network {}: delivered by {}",
                l.network, l.holder
            ));
        }
        t
    };
    crate::exit::stdout_wrote(writeln!(std::io::stdout().lock(), "{text}"))?;
    Ok(Code::Ok)
}
