//! MHS-shaped simulated rating data with known truth.
