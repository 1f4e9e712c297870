//! Settings of the payments feature, read from `TLJ_PAY_*` variables.

/// Provider credentials and base URLs, routing, CDF rounding step, sandbox. (Being built by
/// the payments issue.)
#[derive(Clone, Debug, Default)]
pub struct PaymentsConfig {}

impl PaymentsConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let _ = get;
        Ok(Self {})
    }
}
