//! Dataset descriptions.
