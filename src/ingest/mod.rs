//! Reading and validating rating files.
