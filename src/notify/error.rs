//! Why a delivery failed: one error type for every back-end.

use crate::exit::Code;

/// Why a delivery to one target or recipient failed.
#[derive(Clone, Debug)]
pub(crate) struct DeliveryError {
    pub(crate) code: Code,
    /// Retrying cannot help (banned, bad key, no such nick).
    pub(crate) permanent: bool,
    pub(crate) message: String,
}

impl DeliveryError {
    pub(crate) fn temporary(code: Code, message: impl Into<String>) -> Self {
        DeliveryError {
            code,
            permanent: false,
            message: message.into(),
        }
    }
}
