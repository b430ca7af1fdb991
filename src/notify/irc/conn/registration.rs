//! Registration: CAP LS and SASL PLAIN when the server offers it, PASS,
//! NICK/USER, nick collisions, until the welcome (001) and ISUPPORT.

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use base64::Engine;

use super::reader::{spawn_reader, Gate};
use super::{Conn, Event, Session, Stop};
use crate::exit::Code;
use crate::notify::error::DeliveryError;
use crate::notify::irc::line::command;
use crate::notify::irc::message::{Isupport, Message};
use crate::notify::irc::transport;

impl Conn {
    pub(super) fn register(&mut self) -> Result<Session, Stop> {
        let deadline = Instant::now() + self.settings.connect_timeout;
        let tls = self.server.tls.then_some(&self.settings.tls);
        let proxy = self.settings.proxy.as_ref();
        let transport =
            transport::connect(&self.server.host, self.server.port, tls, proxy, deadline).map_err(
                |e| {
                    Stop::Lost(DeliveryError {
                        code: crate::exit::code_of(&e),
                        permanent: false,
                        message: format!("{e:#}"),
                    })
                },
            )?;
        self.generation += 1;
        let generation = self.generation;
        let gate = Gate::new();
        spawn_reader(transport.reader, self.tx.clone(), generation, gate.clone());
        let base_nick = self
            .server
            .nick
            .clone()
            .unwrap_or_else(|| self.settings.nick.clone());
        self.session = Some(Session {
            generation,
            writer: transport.writer,
            control: transport.control,
            nick: base_nick.clone(),
            prefix_len: None,
            isupport: Isupport::default(),
            last_rx: Instant::now(),
            keepalive_sent: None,
            gate,
        });
        match self.handshake(&base_nick, deadline) {
            Ok(()) => Ok(self.session.take().expect("session set above")),
            Err(stop) => {
                self.drop_session();
                Err(stop)
            }
        }
    }

    fn send_registration(&mut self, nick: &str, pass: bool) -> Result<(), Stop> {
        let mut lines = Vec::with_capacity(3);
        if pass {
            if let Some(p) = &self.server.password {
                lines.push(command("PASS", &[], Some(p)));
            }
        }
        lines.push(command("NICK", &[nick], None));
        let (user, real) = (&self.settings.username, &self.settings.realname);
        lines.push(command("USER", &[user, "0", "*"], Some(real)));
        self.write_lines(&lines).map_err(Stop::Lost)
    }

    #[allow(clippy::too_many_lines)] // one match over what the server says during registration: a state machine read top to bottom
    fn handshake(&mut self, base_nick: &str, deadline: Instant) -> Result<(), Stop> {
        let lost = |code: Code, msg: String| Stop::Lost(DeliveryError::temporary(code, msg));
        let mut nick_attempt = 0u32;
        let mut cap_done = self.server.password.is_none();
        let mut caps = String::new();
        let mut welcomed: Option<Instant> = None;
        if cap_done {
            self.send_registration(base_nick, false)?;
        } else {
            self.write_now("CAP LS 302").map_err(Stop::Lost)?;
        }
        loop {
            let now = Instant::now();
            let mut until = deadline;
            if let Some(t) = welcomed {
                // After 001, wait briefly for ISUPPORT and the end of the MOTD.
                until = until.min(t + Duration::from_secs(3));
            }
            if now >= until {
                if welcomed.is_some() {
                    return Ok(());
                }
                return Err(lost(
                    Code::TempFail,
                    format!(
                        "no welcome from {} within {:?}",
                        self.server.addr(),
                        self.settings.connect_timeout
                    ),
                ));
            }
            let event = self.rx.recv_timeout(until - now);
            self.took(&event);
            let event = match event {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Err(Stop::Quit("bye".into())),
            };
            let line = match event {
                Event::Job(job) => {
                    self.waiting.push_back(job);
                    continue;
                }
                Event::Quit(reason) => return Err(Stop::Quit(reason)),
                Event::Closed(g, why) if g == self.generation => {
                    return Err(lost(
                        Code::TempFail,
                        format!("server closed the connection during registration{why}"),
                    ));
                }
                Event::Line(g, line) if g == self.generation => line,
                _ => continue,
            };
            log::trace!("{} << {}", self.server, line);
            let Some(msg) = Message::parse(&line) else {
                continue;
            };
            let session = self.session.as_mut().expect("registering session");
            session.last_rx = Instant::now();
            match msg.command.as_str() {
                "PING" => {
                    self.pong_owed = Some(msg.text().to_string());
                    if let Some(pong) = self.pong_due() {
                        self.write_now(&pong).map_err(Stop::Lost)?;
                    }
                }
                "CAP" => match msg.param(1) {
                    "LS" => {
                        caps.push(' ');
                        caps.push_str(msg.text());
                        if msg.param(2) == "*" && msg.params.len() > 3 {
                            continue; // more LS lines follow
                        }
                        let sasl = caps.split(' ').any(|c| {
                            c == "sasl"
                                || c.strip_prefix("sasl=")
                                    .is_some_and(|m| m.split(',').any(|m| m == "PLAIN"))
                        });
                        if sasl {
                            self.write_now("CAP REQ :sasl").map_err(Stop::Lost)?;
                        } else {
                            cap_done = true;
                            self.write_now("CAP END").map_err(Stop::Lost)?;
                            self.send_registration(base_nick, true)?;
                        }
                    }
                    "ACK" if msg.text().split(' ').any(|c| c == "sasl") => {
                        self.write_now("AUTHENTICATE PLAIN").map_err(Stop::Lost)?;
                    }
                    "NAK" => {
                        cap_done = true;
                        self.write_now("CAP END").map_err(Stop::Lost)?;
                        self.send_registration(base_nick, true)?;
                    }
                    _ => {}
                },
                "AUTHENTICATE" if msg.param(0) == "+" => {
                    let user = base_nick.to_string();
                    let pass = self.server.password.clone().unwrap_or_default();
                    let blob = base64::engine::general_purpose::STANDARD
                        .encode(format!("{user}\0{user}\0{pass}"));
                    let bytes = blob.as_bytes();
                    for chunk in bytes.chunks(400) {
                        let chunk = std::str::from_utf8(chunk).unwrap_or_default();
                        self.write_now(&command("AUTHENTICATE", &[chunk], None))
                            .map_err(Stop::Lost)?;
                    }
                    if bytes.len().is_multiple_of(400) {
                        self.write_now("AUTHENTICATE +").map_err(Stop::Lost)?;
                    }
                }
                "903" => {
                    cap_done = true;
                    self.write_now("CAP END").map_err(Stop::Lost)?;
                    self.send_registration(base_nick, false)?;
                }
                "902" | "904" | "905" | "906" | "908" => {
                    return Err(Stop::Lost(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("SASL authentication failed: {}", msg.text()),
                    }));
                }
                "421" if msg.param(1) == "CAP" && !cap_done => {
                    cap_done = true;
                    self.send_registration(base_nick, true)?;
                }
                "464" => {
                    return Err(Stop::Lost(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("server rejected the password: {}", msg.text()),
                    }));
                }
                "465" | "463" => {
                    return Err(Stop::Lost(DeliveryError {
                        code: Code::Unavailable,
                        permanent: true,
                        message: format!("server refused us: {}", msg.text()),
                    }));
                }
                "432" | "433" | "436" | "437" if welcomed.is_none() => {
                    nick_attempt += 1;
                    if nick_attempt > 12 {
                        return Err(lost(
                            Code::Unavailable,
                            format!("no usable nick (last: {})", msg.text()),
                        ));
                    }
                    let maxlen = session.isupport.nicklen.unwrap_or(9).max(4);
                    let nick = alternative_nick(base_nick, maxlen, msg.command == "432");
                    log::info!(
                        "{}: nick {} unavailable ({}), trying {nick}",
                        self.server,
                        msg.param(1),
                        msg.text()
                    );
                    session.nick = nick.clone();
                    self.write_now(&command("NICK", &[&nick], None))
                        .map_err(Stop::Lost)?;
                }
                "001" => {
                    session.nick = msg.param(0).to_string();
                    // Many servers end the welcome with our full mask.
                    if let Some(mask) = msg
                        .text()
                        .rsplit(' ')
                        .next()
                        .filter(|m| m.contains('!') && m.contains('@'))
                    {
                        if mask.split('!').next() == Some(session.nick.as_str()) {
                            session.prefix_len = Some(mask.len());
                        }
                    }
                    welcomed = Some(Instant::now());
                }
                "005" => session.isupport.absorb(&msg),
                "376" | "422" if welcomed.is_some() => return Ok(()),
                "ERROR" => {
                    // ngircd answers a bad PASS with ERROR, not 464.
                    let text = msg.text();
                    if self.server.password.is_some()
                        && text.to_ascii_lowercase().contains("password")
                    {
                        // A refused password stays refused: fail, do not retry.
                        return Err(Stop::Lost(DeliveryError {
                            code: Code::NoPerm,
                            permanent: true,
                            message: format!("server rejected the password: {text}"),
                        }));
                    }
                    self.turned_away = true;
                    return Err(lost(Code::Unavailable, format!("server said: {text}")));
                }
                _ => {}
            }
        }
    }
}

/// Another nick to try after a collision: the base cut to fit, plus digits.
fn alternative_nick(base: &str, maxlen: usize, erroneous: bool) -> String {
    let digits = format!("{:03}", fastrand::u32(0..1000));
    let base = if erroneous { "vext" } else { base };
    let keep = maxlen.saturating_sub(digits.len()).max(1);
    let mut cut = base.len().min(keep);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{digits}", &base[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternative_nicks_fit() {
        for _ in 0..50 {
            let n = alternative_nick("averylongnickname", 9, false);
            assert!(n.len() <= 9 && n.starts_with("avery"), "{n}");
        }
        assert!(alternative_nick("bad nick", 9, true).starts_with("vext"));
    }
}
