//! VegeHub client.
