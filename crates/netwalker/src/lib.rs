//! netwalker
