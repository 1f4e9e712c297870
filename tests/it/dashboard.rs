//! Dashboard and recommendations.
