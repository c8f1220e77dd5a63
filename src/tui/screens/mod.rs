//! The workbench's screens, one module each: its state, its handling of actions and job
//! messages ([`super::screen::Screen`]) and its drawing.

pub mod annotate;
pub mod comments;
pub mod export;
pub mod import;
pub mod items;
pub mod overview;
pub mod raters;
pub mod runs;
pub mod train;
pub mod wright;
