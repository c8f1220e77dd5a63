//! Connectedness of the rating network.
