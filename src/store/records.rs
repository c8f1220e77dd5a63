//! The typed values of the project's records (run kind and status, data set kind), stored as
//! text through one explicit mapping each: an unknown stored value is an error naming the
//! record, never a silent fallback.

/// A record value stored as text.
pub(crate) trait StoredText: Sized {
    /// What the value is (`"run status"`...).
    const WHAT: &'static str;
    /// The value of a stored text, `None` when unknown.
    fn from_stored_text(text: &str) -> Option<Self>;
}

/// One mapping between a record's enum and its stored text: a [`crate::options::named_enum`]
/// whose stored text is read exactly (an unknown text is `None`, reported as corrupt).
macro_rules! stored_text {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        crate::options::named_enum!(
            $(#[$meta])*
            pub enum $name, $what {
                $($(#[$vmeta])* $variant = $text),+
            }
        );

        impl $name {
            /// What the record says of itself (`"run status"`...), for error messages.
            pub const WHAT: &'static str = $what;

            /// The value of a stored text; `None` for text this version does not know.
            pub fn from_stored(text: &str) -> Option<$name> {
                $name::NAMES
                    .iter()
                    .find(|(name, _)| *name == text)
                    .map(|(_, value)| *value)
            }
        }

        impl StoredText for $name {
            const WHAT: &'static str = $what;
            fn from_stored_text(text: &str) -> Option<Self> {
                $name::from_stored(text)
            }
        }
    };
}

stored_text!(
    /// What a run is.
    RunKind, "run kind" {
        /// A fit of the many-facet Rasch model.
        Fit = "fit",
    }
);

stored_text!(
    /// How a run ended.
    RunStatus, "run status" {
        /// Still running (never left behind: runs are stored whole when they finish).
        Running = "running",
        /// Met the convergence criteria.
        Converged = "converged",
        /// Stopped at the iteration cap before meeting the criteria.
        NotConverged = "not_converged",
        /// Cancelled by its observer.
        Cancelled = "cancelled",
        /// Failed.
        Failed = "failed",
    }
);

stored_text!(
    /// What became of a training run's model.
    ModelStatus, "model status" {
        /// Trained: its weights are stored and it predicts.
        Trained = "trained",
        /// Cancelled before it finished (no weights).
        Cancelled = "cancelled",
        /// Failed (no weights).
        Failed = "failed",
    }
);

stored_text!(
    /// Where a data set came from.
    DatasetKind, "data set kind" {
        /// An imported file.
        File = "file",
        /// Ratings recorded in the workbench by a reviewer.
        Annotation = "annotation",
    }
);

/// The estimation method of a run, stored by its name (`jmle`, `mml`).
impl StoredText for crate::measure::Method {
    const WHAT: &'static str = "method";
    fn from_stored_text(text: &str) -> Option<Self> {
        crate::measure::METHOD_NAMES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, method)| *method)
    }
}

impl RunStatus {
    /// Whether the run finished with estimates that can be used (converged or not).
    pub fn has_estimates(self) -> bool {
        matches!(self, RunStatus::Converged | RunStatus::NotConverged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_through_its_stored_text_and_unknown_text_is_none() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::from_stored(status.as_str()), Some(*status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::String(status.as_str().into())
            );
        }
        for kind in DatasetKind::ALL {
            assert_eq!(DatasetKind::from_stored(kind.as_str()), Some(*kind));
        }
        for status in ModelStatus::ALL {
            assert_eq!(ModelStatus::from_stored(status.as_str()), Some(*status));
        }
        assert_eq!(RunKind::from_stored("fit"), Some(RunKind::Fit));
        assert_eq!(ModelStatus::from_stored("Trained"), None);
        assert_eq!(RunStatus::from_stored("Converged"), None);
        assert_eq!(DatasetKind::from_stored("stream"), None);
        assert_eq!(
            format!("{:<14}|", RunStatus::NotConverged),
            "not_converged |"
        );
    }
}
