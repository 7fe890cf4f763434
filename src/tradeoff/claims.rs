//! The paper's claims (`../shared/PAPER.md`, "Claims the project must test"), each measured
//! by a command and given a verdict.

/// One claim's measurement and verdict.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Claim {
    /// Claim number (1–8).
    pub id: u32,
    /// What the paper claims.
    pub claim: String,
    /// What was measured.
    pub measured: String,
    /// `holds`, `partly`, `fails` or `not tested`.
    pub verdict: String,
    /// The command that measures it.
    pub command: String,
}
