//! A simulated VegeHub.
