//! Parsing the options every front end offers (method, scale, update path, object estimator,
//! rescale, export target), once: the command line (clap `value_parser`), the pipeline file
//! (serde) and the workbench's forms all call the same `FromStr`, so the same bad value gets the
//! same message everywhere.

use serde::de::{Deserialize, Deserializer, Error as _};

/// A value a front end was given for an option is not one the library accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {option} `{value}`: {expected}")]
pub struct OptionError {
    /// The option, in the words every front end uses (`method`, `scale`, `rescale`...).
    pub option: &'static str,
    /// The value as given.
    pub value: String,
    /// What the option takes.
    pub expected: String,
}

impl OptionError {
    /// An error for `option` given `value`, which should have been `expected`.
    pub fn new(
        option: &'static str,
        value: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        OptionError {
            option,
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// A choice among named values: the names and the value each stands for. Names match
/// case-insensitively after trimming.
pub fn parse_choice<T: Copy>(
    option: &'static str,
    text: &str,
    choices: &[(&str, T)],
) -> Result<T, OptionError> {
    let wanted = text.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            OptionError::new(
                option,
                text,
                format!("expected one of {}", names.join(", ")),
            )
        })
}

/// The name of `value` among `choices` (the inverse of [`parse_choice`]).
pub fn choice_name<T: Copy + PartialEq>(value: T, choices: &[(&'static str, T)]) -> &'static str {
    choices
        .iter()
        .find(|(_, v)| *v == value)
        .map(|(name, _)| *name)
        .unwrap_or("?")
}

/// An enum named by text: the one way the crate maps an enum to its names and back. It
/// declares the enum (serialised by its names), `NAMES` (the table [`parse_choice`] and
/// [`choice_name`] read), `ALL`, `as_str`, `Display` (padded, so tables align it) and `FromStr`
/// through [`parse_choice`] (case-insensitive, the message naming `$option`). Stored records
/// add their exact reading on top (`store::records`).
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident, $option:literal {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value with its name, in declaration order.
            pub const NAMES: &'static [(&'static str, $name)] = &[$(($text, $name::$variant)),+];
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::options::OptionError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::options::parse_choice($option, text, $name::NAMES)
            }
        }
    };
}
pub(crate) use named_enum;

/// Deserialises a value from its text through `FromStr` (the pipeline file's options), so serde
/// reports the same message as the command line.
pub fn deserialize_from_str<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr<Err = OptionError>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Colour {
        Red,
        Blue,
    }
    const COLOURS: [(&str, Colour); 2] = [("red", Colour::Red), ("blue", Colour::Blue)];

    #[test]
    fn a_choice_parses_case_insensitively_and_names_the_choices_when_unknown() {
        assert_eq!(parse_choice("colour", " RED ", &COLOURS), Ok(Colour::Red));
        assert_eq!(choice_name(Colour::Blue, &COLOURS), "blue");
        let err = parse_choice("colour", "green", &COLOURS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid colour `green`: expected one of red, blue"
        );
    }
}
