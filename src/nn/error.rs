//! Errors of the `nn` module: each names the file, field or value that is wrong.

/// Everything that can go wrong when reading datasets or weights, building or running a network.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {}", crate::report::reason(cause))]
    Io {
        /// File path.
        path: String,
        /// Underlying error.
        cause: std::io::Error,
    },
    /// An IDX file has a magic number other than the expected one.
    #[error("{path}: wrong IDX magic {found:#010x}, expected {expected:#010x}")]
    BadMagic {
        /// File path.
        path: String,
        /// Magic found in the header.
        found: u32,
        /// Magic expected for this kind of file.
        expected: u32,
    },
    /// A file is structurally broken (truncated, inconsistent header, bad field).
    #[error("{path}: corrupt file: {what}")]
    Corrupt {
        /// File path.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// A weight tensor is missing from a weights file.
    #[error("{path}: missing tensor `{name}`")]
    MissingTensor {
        /// Weights file.
        path: String,
        /// Tensor name.
        name: String,
    },
    /// A weight tensor's shape does not match the architecture.
    #[error("{path}: tensor `{name}` has shape {found:?}, architecture needs {expected:?}")]
    ShapeMismatch {
        /// Weights file.
        path: String,
        /// Tensor name.
        name: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the architecture requires.
        expected: Vec<usize>,
    },
    /// A layer name that the network does not have.
    #[error("unknown layer `{name}` in {model}; layers with MACs are: {known}")]
    UnknownLayer {
        /// Requested name.
        name: String,
        /// Model name.
        model: String,
        /// Comma-separated valid names.
        known: String,
    },
    /// A model, dataset, quantizer or other name that is not known.
    #[error("unknown {what} `{name}`; known: {known}")]
    UnknownName {
        /// Kind of name (model, dataset, ...).
        what: &'static str,
        /// Requested name.
        name: String,
        /// Comma-separated valid names.
        known: String,
    },
    /// A configuration value outside its valid range.
    #[error("invalid {field} = {value}: {why}")]
    InvalidConfig {
        /// Field name.
        field: &'static str,
        /// Offending value.
        value: String,
        /// Allowed range or reason.
        why: String,
    },
    /// Writing an output file failed.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}

/// Result alias for the `nn` module.
pub type Result<T> = std::result::Result<T, NnError>;

impl NnError {
    pub(crate) fn io(path: &std::path::Path, cause: std::io::Error) -> Self {
        NnError::Io {
            path: path.display().to_string(),
            cause,
        }
    }
    pub(crate) fn corrupt(path: &std::path::Path, what: impl Into<String>) -> Self {
        NnError::Corrupt {
            path: path.display().to_string(),
            what: what.into(),
        }
    }
}
