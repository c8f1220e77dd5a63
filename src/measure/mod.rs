//! The many-facet Rasch engine (JMLE and MML estimation and Facets-style statistics).

pub mod model;
