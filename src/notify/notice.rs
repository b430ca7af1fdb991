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

/// What is sent: the text plus the optional title and type.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notice {
    pub(crate) text: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: Option<NoticeType>,
    /// Matrix: markdown, html or text.
    pub(crate) format: Option<String>,
    /// Matrix: notice (default) or text.
    pub(crate) msgtype: Option<String>,
    /// The message id: Matrix transaction ids derive from it, so retries are not duplicates.
    pub(crate) id: Option<String>,
}
