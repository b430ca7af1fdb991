//! Registration: CAP LS and SASL (EXTERNAL, SCRAM-SHA-256 or PLAIN, see
//! [`sasl`]) when the server offers it, PASS, NICK/USER, nick collisions,
//! until the welcome (001) and ISUPPORT.

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::reader::{spawn_reader, Gate};
use super::{Conn, Event, Session, Stop};
use crate::exit::Code;
use crate::notify::error::DeliveryError;
use crate::notify::irc::line::command;
use crate::notify::irc::message::{Isupport, Message};
use crate::notify::irc::sasl::{self, Have, Incoming, Mechanism, Scram};
use crate::notify::irc::transport;

/// How long a server may leave CAP LS unanswered before vext registers
/// without it: servers with CAP answer at once.
const CAP_WAIT: Duration = Duration::from_secs(3);

/// A SASL login under way.
struct Login {
    have: Have,
    /// The server's mechanisms: from `sasl=...`, or its 908 reply.
    offered: Option<Vec<String>>,
    tried: Vec<Mechanism>,
    scram: Option<Scram>,
    /// Challenges answered so far with the current mechanism.
    step: u8,
    incoming: Incoming,
}

/// What a SASL reply leads to.
enum Next {
    Continue,
    /// Logged in, or going on without a login: end CAP and register.
    Register,
}

impl Conn {
    pub(super) fn register(&mut self) -> Result<Session, Stop> {
        let deadline = Instant::now() + self.settings.connect_timeout;
        // A `[targets]` entry's certificate for this server, else the
        // relay's own (`--client-cert`), else none.
        let own = match (&self.server.identity, self.server.tls) {
            (Some(id), true) => Some(
                crate::net::tls::with_identity(&self.settings.tls, id).map_err(|e| {
                    Stop::Lost(DeliveryError {
                        code: Code::Config,
                        permanent: true,
                        message: format!("{e:#}"),
                    })
                })?,
            ),
            _ => None,
        };
        let tls = self
            .server
            .tls
            .then(|| own.as_ref().unwrap_or(&self.settings.tls));
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

    /// PASS (when `pass` and the URL has one), NICK and USER, once per
    /// connection (`sent` remembers).
    fn send_registration(&mut self, sent: &mut bool, nick: &str, pass: bool) -> Result<(), Stop> {
        if std::mem::replace(sent, true) {
            return Ok(());
        }
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
        let have = Have {
            certificate: self.server.tls
                && (self.server.identity.is_some() || self.settings.client_certificate),
            password: self.server.password.is_some(),
        };
        let mut cap_done = !have.certificate && !have.password;
        let mut caps = String::new();
        let mut login: Option<Login> = None;
        let mut welcomed: Option<Instant> = None;
        let mut sent = false;
        if cap_done {
            self.send_registration(&mut sent, base_nick, false)?;
        } else {
            self.write_now("CAP LS 302").map_err(Stop::Lost)?;
            if !have.password {
                // Only a certificate: NICK and USER at once, as most clients
                // send them. A server with CAP holds registration until CAP
                // END; one without (InspIRCd without m_cap ignores CAP)
                // registers us, and the certificate still counts (CertFP).
                self.send_registration(&mut sent, base_nick, false)?;
            }
        }
        // A server that ignores CAP LS (it never answers) is registered
        // with after this long, with PASS when there is a password.
        let cap_wait = Instant::now() + CAP_WAIT;
        loop {
            let now = Instant::now();
            if !cap_done && now >= cap_wait {
                log::info!(
                    "{}: no answer to CAP LS; registering without SASL",
                    self.server
                );
                cap_done = true;
                self.send_registration(&mut sent, base_nick, true)?;
            }
            let mut until = deadline;
            if !cap_done {
                until = until.min(cap_wait);
            }
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
                        let offered = sasl::offered(&caps);
                        let usable = offered
                            .as_ref()
                            .is_some_and(|o| sasl::choose(o.as_deref(), have, &[]).is_some());
                        if usable {
                            login = Some(Login {
                                have,
                                offered: offered.flatten(),
                                tried: Vec::new(),
                                scram: None,
                                step: 0,
                                incoming: Incoming::default(),
                            });
                            self.write_now("CAP REQ :sasl").map_err(Stop::Lost)?;
                        } else {
                            cap_done = true;
                            self.write_now("CAP END").map_err(Stop::Lost)?;
                            self.send_registration(&mut sent, base_nick, true)?;
                        }
                    }
                    "ACK" if msg.text().split(' ').any(|c| c == "sasl") => {
                        if let Some(l) = login.as_mut() {
                            self.next_mechanism(l, base_nick)?;
                        }
                    }
                    "NAK" => {
                        cap_done = true;
                        self.write_now("CAP END").map_err(Stop::Lost)?;
                        self.send_registration(&mut sent, base_nick, true)?;
                    }
                    _ => {}
                },
                "AUTHENTICATE" | "903" | "904" | "905" | "907" | "908" if login.is_some() => {
                    let l = login.as_mut().expect("checked above");
                    if let Next::Register = self.sasl_reply(l, &msg, base_nick)? {
                        login = None;
                        cap_done = true;
                        self.write_now("CAP END").map_err(Stop::Lost)?;
                        self.send_registration(&mut sent, base_nick, false)?;
                    }
                }
                "902" | "904" | "905" | "906" => {
                    return Err(Stop::Lost(DeliveryError {
                        code: Code::NoPerm,
                        permanent: true,
                        message: format!("SASL authentication failed: {}", msg.text()),
                    }));
                }
                "421" if msg.param(1) == "CAP" && !cap_done => {
                    cap_done = true;
                    self.send_registration(&mut sent, base_nick, true)?;
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

impl Conn {
    /// Starts the best mechanism not tried yet; false when none is left.
    fn next_mechanism(&mut self, l: &mut Login, user: &str) -> Result<bool, Stop> {
        let Some(m) = sasl::choose(l.offered.as_deref(), l.have, &l.tried) else {
            return Ok(false);
        };
        l.tried.push(m);
        l.step = 0;
        l.incoming = Incoming::default();
        l.scram = (m == Mechanism::ScramSha256)
            .then(|| Scram::new(user, self.server.password.as_deref().unwrap_or_default()));
        log::debug!("{}: SASL {}", self.server, m.name());
        self.write_now(&format!("AUTHENTICATE {}", m.name()))
            .map_err(Stop::Lost)?;
        Ok(true)
    }

    /// Answers one SASL reply: a challenge, success, failure or the
    /// server's list of mechanisms.
    fn sasl_reply(&mut self, l: &mut Login, msg: &Message, user: &str) -> Result<Next, Stop> {
        let refused = |why: String| {
            Stop::Lost(DeliveryError {
                code: Code::NoPerm,
                permanent: true,
                message: format!("SASL authentication failed: {why}"),
            })
        };
        let mechanism = l.tried.last().copied().unwrap_or(Mechanism::Plain);
        match msg.command.as_str() {
            "AUTHENTICATE" => {
                let Some(challenge) = l.incoming.take(msg.param(0)).map_err(refused)? else {
                    return Ok(Next::Continue); // more pieces follow
                };
                l.step += 1;
                let answer = match (mechanism, l.scram.as_mut(), l.step) {
                    (Mechanism::External, _, _) => Vec::new(),
                    (Mechanism::Plain, _, _) => {
                        sasl::plain(user, self.server.password.as_deref().unwrap_or_default())
                    }
                    (Mechanism::ScramSha256, Some(s), 1) => s.first(),
                    (Mechanism::ScramSha256, Some(s), 2) => s.answer(&challenge).map_err(|e| {
                        let _ = self.write_now("AUTHENTICATE *");
                        refused(e)
                    })?,
                    (Mechanism::ScramSha256, Some(s), 3) => {
                        s.verify(&challenge).map_err(|e| {
                            let _ = self.write_now("AUTHENTICATE *");
                            refused(e)
                        })?;
                        Vec::new()
                    }
                    _ => {
                        let _ = self.write_now("AUTHENTICATE *");
                        return Err(refused(format!(
                            "the server sent more challenges than {} has",
                            mechanism.name()
                        )));
                    }
                };
                let lines = sasl::outgoing(&answer);
                self.write_lines(&lines).map_err(Stop::Lost)?;
                Ok(Next::Continue)
            }
            "903" | "907" => Ok(Next::Register),
            "908" => {
                l.offered = Some(msg.param(1).split(',').map(str::to_string).collect());
                Ok(Next::Continue)
            }
            // 904, 905: this mechanism failed.
            _ => {
                if self.next_mechanism(l, user)? {
                    return Ok(Next::Continue);
                }
                if !l.have.password {
                    // Only a certificate (irkerd's -e): the server need not
                    // know it for SASL; go on without a login, as irkerd does.
                    log::warn!(
                        "{}: SASL EXTERNAL refused ({}); going on without a login",
                        self.server,
                        msg.text()
                    );
                    return Ok(Next::Register);
                }
                Err(refused(msg.text().to_string()))
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
