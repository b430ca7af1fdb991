//! Exit codes (sysexits) and the error kinds that map to them.
//!
//! Errors travel as `anyhow::Error`; a [`Failure`] somewhere in the chain says
//! which exit code the error deserves. Errors without one are classified by
//! their cause (I/O error kinds, TLS errors), falling back to 70.

use std::fmt;
use std::io;
use std::process::ExitCode;

/// A sysexits-style exit code, ordered from best to worst so that with
/// several targets the worst one can be picked with `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Code {
    /// 0: everything went fine.
    Ok,
    /// 1: ran fine, the answer is "no" (updates approved, with `--exit-code`).
    No,
    /// 2: ran fine, what it waited for was stopped (`semaphore run --wait`).
    Stopped,
    /// 75: temporary failure, worth retrying (timeout, refused, DNS, 5xx, 429).
    TempFail,
    /// 69: the service is unavailable (server refused us, no daemon at `--via`).
    Unavailable,
    /// 70: an internal error (a bug).
    Software,
    /// 77: TLS verification or authentication failed.
    NoPerm,
    /// 65: bad input data.
    DataErr,
    /// 64: bad arguments or target URL.
    Usage,
    /// 78: bad configuration.
    Config,
}

impl Code {
    pub(crate) fn as_u8(self) -> u8 {
        match self {
            Code::Ok => 0,
            Code::No => 1,
            Code::Stopped => 2,
            Code::Usage => 64,
            Code::DataErr => 65,
            Code::Unavailable => 69,
            Code::Software => 70,
            Code::TempFail => 75,
            Code::NoPerm => 77,
            Code::Config => 78,
        }
    }
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> ExitCode {
        ExitCode::from(code.as_u8())
    }
}

/// An error with a known exit code.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) code: Code,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: Code, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Shorthand: an `anyhow::Error` carrying an exit code.
pub(crate) fn fail(code: Code, message: impl Into<String>) -> anyhow::Error {
    Failure::new(code, message).into()
}

/// The exit code an error deserves.
pub(crate) fn code_of(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if let Some(e) = cause.downcast_ref::<io::Error>() {
            return code_of_io(e);
        }
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return Code::NoPerm;
        }
        if cause.downcast_ref::<toml::de::Error>().is_some() {
            return Code::Config;
        }
    }
    Code::Software
}

/// Our standard output's reader went away (`vext scan | head`): the
/// command ends there, quietly and with success, as a filter's would.
#[derive(Debug)]
pub(crate) struct ReaderGone;

impl std::fmt::Display for ReaderGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for ReaderGone {}

/// A write to standard output: a closed pipe becomes [`ReaderGone`], which
/// `main` ends on quietly; any other error stays what it is. Only writes
/// to stdout go through here, so a socket's broken pipe is never mistaken
/// for it.
pub(crate) fn stdout_wrote(r: io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(anyhow::Error::new(ReaderGone)),
        r => Ok(r?),
    }
}

/// The exit code an I/O error deserves.
pub(crate) fn code_of_io(e: &io::Error) -> Code {
    use io::ErrorKind::*;
    if let Some(inner) = e.get_ref() {
        if inner.downcast_ref::<rustls::Error>().is_some() {
            return Code::NoPerm;
        }
    }
    match e.kind() {
        TimedOut | WouldBlock | ConnectionRefused | ConnectionReset | ConnectionAborted
        | NotConnected | BrokenPipe | UnexpectedEof | Interrupted | AddrNotAvailable
        | NetworkUnreachable | HostUnreachable | NetworkDown => Code::TempFail,
        PermissionDenied => Code::NoPerm,
        InvalidData | InvalidInput => Code::DataErr,
        _ => Code::TempFail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn failure_in_chain_wins() {
        let err = Err::<(), _>(fail(Code::NoPerm, "SASL rejected"))
            .context("sending to irc://x/y")
            .unwrap_err();
        assert_eq!(code_of(&err), Code::NoPerm);
    }

    #[test]
    fn io_errors_are_classified() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(code_of(&err), Code::TempFail);
        assert_eq!(code_of(&anyhow::anyhow!("plain")), Code::Software);
    }

    #[test]
    fn worst_code_is_the_max() {
        let codes = [Code::Ok, Code::TempFail, Code::NoPerm, Code::Unavailable];
        assert_eq!(codes.iter().max(), Some(&Code::NoPerm));
        assert_eq!(Code::TempFail.as_u8(), 75);
    }
}
