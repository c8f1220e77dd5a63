//! Rater quality: flags with their rules and numbers ([`flags`]).

pub mod flags;

pub use flags::{flag_elements, Flag, FlagLevel, FlagRules, FlagRulesError, Rule};
