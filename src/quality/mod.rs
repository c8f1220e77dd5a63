//! Rater quality: flags with their rules and numbers ([`flags`]) and agreement between raters
//! ([`agreement`]); the per-rater diagnosis with calibrated flags ([`diagnosis`]); what a reviewer inspects per element ([`detail`]) and the annotation
//! queues of the workbench ([`queues`]); Linacre's category guidelines and collapse proposals
//! ([`categories`]).

pub mod agreement;
pub mod categories;
pub mod detail;
pub mod diagnosis;
pub mod flags;
pub mod plan;
pub mod queues;

pub use flags::{
    assess, diagnosis_findings, flag_elements, Assessment, Flag, FlagLevel, FlagRules,
    FlagRulesError, MeanSquareBand, Rule,
};
