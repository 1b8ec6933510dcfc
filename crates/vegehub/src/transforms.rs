//! Sensor transforms: volts to the unit a person wants.
//!
//! Inputs arrive as JSON numbers or numeric strings (the hub and its integrations
//! use both); anything else gives `None` so one bad sample never stops processing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which sensor a channel carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    /// VH400 soil moisture: % volumetric water content.
    Vh400,
    /// THERM200 temperature: degrees Celsius.
    Therm200,
}

impl std::str::FromStr for Transform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "vh400" => Ok(Transform::Vh400),
            "therm200" => Ok(Transform::Therm200),
            o => Err(format!(
                "unknown transform {o:?}: expected vh400 or therm200"
            )),
        }
    }
}

/// The VH400 calibration curve's knots (volts, %VWC).
const VH400_KNOTS: [(f64, f64); 6] = [
    (0.0, 0.0),
    (1.1, 10.0),
    (1.3, 15.0),
    (1.82, 40.0),
    (2.2, 50.0),
    (3.0, 100.0),
];

/// VH400 volts to % volumetric water content: piecewise linear through the
/// vendor's knots; at or below 0.01 V is noise (0), above 3.0 V saturates (100).
pub fn vh400(volts: f64) -> Option<f64> {
    if !volts.is_finite() {
        return None;
    }
    if volts <= 0.01 {
        return Some(0.0);
    }
    for pair in VH400_KNOTS.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if volts <= x1 {
            return Some(y0 + (y1 - y0) / (x1 - x0) * (volts - x0));
        }
    }
    Some(100.0)
}

/// THERM200 volts to degrees Celsius.
pub fn therm200(volts: f64) -> Option<f64> {
    volts.is_finite().then_some(41.67 * volts - 40.0)
}

/// A JSON number or numeric string as f64; `None` for anything else.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

impl Transform {
    pub fn apply(self, volts: f64) -> Option<f64> {
        match self {
            Transform::Vh400 => vh400(volts),
            Transform::Therm200 => therm200(volts),
        }
    }

    /// Applies to a raw JSON sample value; non-numeric input gives `None`.
    pub fn apply_value(self, v: &Value) -> Option<f64> {
        match v {
            // A bool is not a voltage.
            Value::Bool(_) => None,
            _ => number(v).and_then(|f| self.apply(f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn vh400_is_monotone_and_bounded(a in -10.0f64..10.0, b in -10.0f64..10.0) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let (ylo, yhi) = (vh400(lo).unwrap(), vh400(hi).unwrap());
            prop_assert!(ylo <= yhi + 1e-9);
            prop_assert!((0.0..=100.0).contains(&ylo) && (0.0..=100.0).contains(&yhi));
        }

        #[test]
        fn vh400_is_continuous(v in 0.02f64..3.0) {
            let d = 1e-7;
            prop_assert!((vh400(v + d).unwrap() - vh400(v).unwrap()).abs() < 1e-3);
        }

        #[test]
        fn therm200_inverts(c in -40.0f64..125.0) {
            let volts = (c + 40.0) / 41.67;
            prop_assert!((therm200(volts).unwrap() - c).abs() < 1e-9);
        }

        #[test]
        fn any_string_never_panics(s in ".*") {
            let v = Value::String(s);
            let _ = Transform::Vh400.apply_value(&v);
            let _ = Transform::Therm200.apply_value(&v);
        }
    }

    #[test]
    fn non_finite_gives_no_value() {
        assert_eq!(vh400(f64::NAN), None);
        assert_eq!(therm200(f64::INFINITY), None);
        assert_eq!(
            Transform::Vh400.apply_value(&Value::String("NaN".into())),
            None
        );
        assert_eq!(Transform::Vh400.apply_value(&Value::Null), None);
    }
}
