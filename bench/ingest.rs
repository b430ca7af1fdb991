//! Durable ingest rate: notifications per second a running `vext daemon`
//! accepts with `"ack": true` over TCP, from several concurrent clients,
//! each keeping a window of requests in flight.
//!
//!     cargo run --release --example ingest -- ADDR [CLIENTS] [PER_CLIENT] [WINDOW]
//!
//! Prints `acked=N seconds=S rate=R/s`. The targets point at a closed port,
//! so only acceptance (store, commit, ack) is measured, not IRC delivery.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:6659".into());
    let clients: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let per_client: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let window: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(64);
    let barrier = Arc::new(Barrier::new(clients + 1));
    let mut threads = Vec::new();
    for c in 0..clients {
        let addr = addr.clone();
        let barrier = barrier.clone();
        threads.push(std::thread::spawn(move || -> usize {
            let stream = TcpStream::connect(&addr).expect("connecting to the daemon");
            stream.set_nodelay(true).ok();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut writer = std::io::BufWriter::new(stream);
            barrier.wait();
            let (mut sent, mut acked) = (0, 0);
            let mut line = String::new();
            while acked < per_client {
                while sent < per_client && sent - acked < window {
                    writeln!(
                        writer,
                        "{{\"to\":\"irc://127.0.0.1:1/bench\",\"privmsg\":\"ingest {c} {sent}\",\"ack\":true,\"id\":\"b-{c}-{sent}-{}\"}}",
                        std::process::id()
                    )
                    .expect("write");
                    sent += 1;
                }
                writer.flush().expect("flush");
                line.clear();
                if reader.read_line(&mut line).expect("read") == 0 {
                    panic!("the daemon closed the connection");
                }
                assert!(line.starts_with("{\"ok\":true"), "refused: {line}");
                acked += 1;
            }
            acked
        }));
    }
    barrier.wait();
    let start = Instant::now();
    let acked: usize = threads.into_iter().map(|t| t.join().expect("client")).sum();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "acked={acked} seconds={secs:.3} rate={:.0}/s",
        acked as f64 / secs
    );
}
