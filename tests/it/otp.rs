//! Second factor: e-mail code and TOTP.
