//! What is sent, whatever the target: the text, an optional title and type
//! (apprise's vocabulary), and presentation hints for Matrix.

/// apprise's vocabulary for what kind of news it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum NoticeType {
    Info,
    Success,
    Warning,
    Failure,
}

impl NoticeType {
    /// The type a request names (the daemon's `"type"` field); the names are
    /// those of `--type`.
    pub(crate) fn parse(s: &str) -> Result<NoticeType, String> {
        <NoticeType as clap::ValueEnum>::from_str(s, false)
            .map_err(|_| format!("type {s:?}: expected info, success, warning or failure"))
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NoticeType::Info => "info",
            NoticeType::Success => "success",
            NoticeType::Warning => "warning",
            NoticeType::Failure => "failure",
        }
    }

    pub(crate) fn color_hex(self) -> &'static str {
        match self {
            NoticeType::Info => "#3AA3E3",
            NoticeType::Success => "good",
            NoticeType::Warning => "warning",
            NoticeType::Failure => "danger",
        }
    }

    pub(crate) fn color_int(self) -> u32 {
        match self {
            NoticeType::Info => 0x3AA3E3,
            NoticeType::Success => 0x2EB886,
            NoticeType::Warning => 0xDAA038,
            NoticeType::Failure => 0xA30200,
        }
    }

    /// The IRC colour code (mIRC) for the type tag.
    pub(crate) fn irc_color(self) -> &'static str {
        match self {
            NoticeType::Info => "12",
            NoticeType::Success => "03",
            NoticeType::Warning => "07",
            NoticeType::Failure => "04",
        }
    }
}

/// Matrix: how the text is formatted (`--format`, a request's `"format"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    Markdown,
    Html,
    Text,
}

/// Matrix: the message type (`--msgtype`, a request's `"msgtype"`): m.notice
/// by default, since bots must not trigger other bots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MsgType {
    Notice,
    Text,
}

/// A word of one of these small vocabularies, as it is written on the wire,
/// in the spool and on the command line.
pub(crate) trait Word: clap::ValueEnum + Copy {
    fn as_str(self) -> &'static str;

    /// The word, if it is one of the vocabulary's.
    fn parse(s: &str) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
    }

    /// The vocabulary, for an error message: "markdown, html, text".
    fn all() -> String {
        Self::value_variants()
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `#[serde(deserialize_with = "lenient")]`: a word from another process
/// (the NATS stream) that is not in the vocabulary is left out, as if it
/// were not given, rather than losing the whole message.
pub(crate) fn lenient<'de, D: serde::Deserializer<'de>, W: Word>(
    d: D,
) -> Result<Option<W>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?
        .as_deref()
        .and_then(W::parse))
}

impl Word for NoticeType {
    fn as_str(self) -> &'static str {
        NoticeType::as_str(self)
    }
}

impl Word for Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Text => "text",
        }
    }
}

impl Word for MsgType {
    fn as_str(self) -> &'static str {
        match self {
            MsgType::Notice => "notice",
            MsgType::Text => "text",
        }
    }
}

/// What is sent: the text plus the optional title and type.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notice {
    pub(crate) text: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<NoticeType>,
    pub(crate) format: Option<Format>,
    pub(crate) msgtype: Option<MsgType>,
    /// The message id: Matrix transaction ids derive from it, so retries are not duplicates.
    pub(crate) id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words read back as they are written, and nothing else is one.
    #[test]
    fn words_read_back_and_strangers_are_refused() {
        for f in [Format::Markdown, Format::Html, Format::Text] {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
        assert_eq!(MsgType::parse("notice"), Some(MsgType::Notice));
        assert_eq!(Format::parse("Markdown"), None);
        assert_eq!(MsgType::parse(""), None);
        assert_eq!(Format::all(), "markdown, html, text");
        let err = crate::notify::irker::protocol::Request::parse(
            br#"{"to":"irc://h/c","privmsg":"x","format":"rtf"}"#,
        )
        .unwrap_err();
        assert!(err.contains("markdown, html, text"), "{err}");
    }
}
