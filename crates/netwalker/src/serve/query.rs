//! The device list's filters, sort and page, as the pages' query string
//! and the API's carry them (`q`, `platform`, `status`, `site`, `sort`,
//! `dir`, `limit`, `offset`), checked once into a [`DeviceFilter`] that the
//! list applies.

use super::catalogue::Catalogue;
use super::errors::ServeError;
use crate::model::{Device, DeviceStatus};
use device_parsers::Platform;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Rows per page when the query does not say.
pub(super) const DEFAULT_LIMIT: usize = 100;
/// The most rows one page may ask for.
pub(super) const MAX_LIMIT: usize = 1000;

/// The query string as sent; every value is text, so a bad one is
/// answered by [`DeviceQuery::filter`] naming it, and an empty one (a form's
/// "any") means no filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct DeviceQuery {
    /// Text every listed device contains (hostname, address, model, version,
    /// serial, platform), case-insensitive.
    pub q: Option<String>,
    /// A platform name (`cisco_ios`...).
    pub platform: Option<String>,
    /// A device status name (`walked`, `failed`...).
    pub status: Option<String>,
    /// A site name (with a site pattern).
    pub site: Option<String>,
    /// The column sorted by (a [`SortKey`] name).
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
    /// Rows per page, at most [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// Rows skipped before the page.
    pub offset: Option<String>,
}

/// Paging alone (`limit`, `offset`), for lists without filters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageQuery {
    /// Rows per page, at most [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// Rows skipped before the page.
    pub offset: Option<String>,
}

impl PageQuery {
    /// `(limit, offset)`, or a 400 naming the bad one; the limit defaults
    /// to [`DEFAULT_LIMIT`] and is lowered to [`MAX_LIMIT`].
    pub(super) fn paging(&self) -> Result<(usize, usize), ServeError> {
        paging(&self.limit, &self.offset)
    }
}

fn paging(limit: &Option<String>, offset: &Option<String>) -> Result<(usize, usize), ServeError> {
    let limit = number("limit", limit)?
        .unwrap_or(DEFAULT_LIMIT)
        .min(MAX_LIMIT);
    Ok((limit, number("offset", offset)?.unwrap_or(0)))
}

/// A column the list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum SortKey {
    #[default]
    Hostname,
    Ip,
    Platform,
    Model,
    Version,
    Serial,
    Status,
    LastSeen,
    Site,
}

impl SortKey {
    /// Every key, in column order.
    pub(super) const ALL: [SortKey; 9] = [
        SortKey::Hostname,
        SortKey::Ip,
        SortKey::Platform,
        SortKey::Model,
        SortKey::Version,
        SortKey::Serial,
        SortKey::Status,
        SortKey::LastSeen,
        SortKey::Site,
    ];

    /// The name in query strings.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            SortKey::Hostname => "hostname",
            SortKey::Ip => "mgmt_ip",
            SortKey::Platform => "platform",
            SortKey::Model => "model",
            SortKey::Version => "version",
            SortKey::Serial => "serial",
            SortKey::Status => "status",
            SortKey::LastSeen => "last_seen",
            SortKey::Site => "site",
        }
    }

    fn parse(s: &str) -> Result<SortKey, ServeError> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.as_str()).collect();
                bad(format!(
                    "unknown sort {s:?}; expected one of: {}",
                    names.join(", ")
                ))
            })
    }
}

/// A checked [`DeviceQuery`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct DeviceFilter {
    /// Case-folded text to find, when given.
    pub text: Option<String>,
    /// Only this platform.
    pub platform: Option<Platform>,
    /// Only this status.
    pub status: Option<DeviceStatus>,
    /// Only this site (compared ignoring case).
    pub site: Option<String>,
    /// The sort column.
    pub sort: SortKey,
    /// Descending instead of ascending.
    pub desc: bool,
    /// Rows per page.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

/// One page of the filtered list.
pub(super) struct DevicePage<'a> {
    /// Devices the filters keep, over all pages.
    pub total: usize,
    /// This page's devices, in order.
    pub devices: Vec<&'a Device>,
}

fn bad(msg: String) -> ServeError {
    ServeError::BadRequest(msg)
}

/// A value that is not blank, trimmed.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn number(name: &str, v: &Option<String>) -> Result<Option<usize>, ServeError> {
    given(v)
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(format!("{name} must be a whole number, not {s:?}")))
        })
        .transpose()
}

impl DeviceQuery {
    /// The same query with blank values removed and the rest trimmed, so
    /// links built from it carry only what filters.
    pub(super) fn normalised(&self) -> DeviceQuery {
        let keep = |v: &Option<String>| given(v).map(str::to_string);
        DeviceQuery {
            q: keep(&self.q),
            platform: keep(&self.platform),
            status: keep(&self.status),
            site: keep(&self.site),
            sort: keep(&self.sort),
            dir: keep(&self.dir),
            limit: keep(&self.limit),
            offset: keep(&self.offset),
        }
    }

    /// The filter this query asks for, or a 400 naming the bad parameter.
    /// A limit above [`MAX_LIMIT`] is lowered to it.
    pub(super) fn filter(&self) -> Result<DeviceFilter, ServeError> {
        let platform = given(&self.platform)
            .map(|p| p.parse::<Platform>().map_err(|e| bad(e.to_string())))
            .transpose()?;
        let status = given(&self.status)
            .map(|s| s.parse::<DeviceStatus>().map_err(|e| bad(e.to_string())))
            .transpose()?;
        let desc = match given(&self.dir) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => return Err(bad(format!("dir must be asc or desc, not {d:?}"))),
        };
        let (limit, offset) = paging(&self.limit, &self.offset)?;
        Ok(DeviceFilter {
            text: given(&self.q).map(str::to_lowercase),
            platform,
            status,
            site: given(&self.site).map(str::to_string),
            sort: given(&self.sort)
                .map(SortKey::parse)
                .transpose()?
                .unwrap_or_default(),
            desc,
            limit,
            offset,
        })
    }
}

impl DeviceFilter {
    /// The page of `cat`'s devices this filter selects.
    pub(super) fn page<'a>(&self, cat: &'a Catalogue) -> DevicePage<'a> {
        let mut kept: Vec<&Device> = cat.devices.iter().filter(|d| self.keeps(cat, d)).collect();
        if self.sort == SortKey::Hostname {
            // The catalogue is in hostname order already.
            if self.desc {
                kept.reverse();
            }
        } else {
            // Stable: equal keys keep the catalogue's hostname order.
            kept.sort_by(|a, b| compare(cat, self.sort, self.desc, a, b));
        }
        let total = kept.len();
        let devices = kept
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        DevicePage { total, devices }
    }

    /// Whether a device passes every filter.
    fn keeps(&self, cat: &Catalogue, d: &Device) -> bool {
        self.platform.is_none_or(|p| d.platform == Some(p))
            && self.status.is_none_or(|s| d.status == s)
            && self.site.as_ref().is_none_or(|s| {
                cat.site(d.id)
                    .is_some_and(|site| site.to_lowercase() == s.to_lowercase())
            })
            && self.text.as_ref().is_none_or(|t| contains_text(d, t))
    }
}

/// Whether any of a device's listed fields contains `folded` (case-folded).
fn contains_text(d: &Device, folded: &str) -> bool {
    let has = |s: &str| s.to_lowercase().contains(folded);
    has(&d.hostname)
        || d.ips
            .iter()
            .chain(&d.mgmt_ip)
            .any(|ip| has(&ip.to_string()))
        || [&d.model, &d.version, &d.serial, &d.platform_text]
            .into_iter()
            .flatten()
            .any(|s| has(s))
        || d.platform.is_some_and(|p| has(p.as_str()))
}

/// Orders two devices by a column, descending when `desc`; a missing value
/// sorts after every value either way.
fn compare(cat: &Catalogue, key: SortKey, desc: bool, a: &Device, b: &Device) -> Ordering {
    let way = |o: Ordering| if desc { o.reverse() } else { o };
    let folded = |s: &Option<String>| s.as_ref().map(|s| s.to_lowercase());
    match key {
        // The catalogue's own order (`page` keeps it without sorting).
        SortKey::Hostname => Ordering::Equal,
        SortKey::Ip => missing_last(a.mgmt_ip, b.mgmt_ip, way),
        SortKey::Platform => missing_last(
            a.platform.map(|p| p.as_str()),
            b.platform.map(|p| p.as_str()),
            way,
        ),
        SortKey::Model => missing_last(folded(&a.model), folded(&b.model), way),
        SortKey::Version => missing_last(folded(&a.version), folded(&b.version), way),
        SortKey::Serial => missing_last(folded(&a.serial), folded(&b.serial), way),
        SortKey::Status => way(a.status.as_str().cmp(b.status.as_str())),
        SortKey::LastSeen => way(a.last_seen.cmp(&b.last_seen)),
        SortKey::Site => missing_last(cat.site(a.id), cat.site(b.id), way),
    }
}

/// Present values ordered by `way`, missing ones after them.
fn missing_last<T: Ord>(
    a: Option<T>,
    b: Option<T>,
    way: impl Fn(Ordering) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => way(x.cmp(&y)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DeviceId;
    use proptest::prelude::*;

    fn q(pairs: &[(&str, &str)]) -> DeviceQuery {
        let s: String = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        serde_urlencoded::from_str(&s).unwrap()
    }

    #[test]
    fn blank_values_filter_nothing_and_limits_are_bounded() {
        let f = q(&[("platform", ""), ("status", " "), ("limit", "99999")])
            .filter()
            .unwrap();
        assert_eq!((f.platform, f.status, f.limit), (None, None, MAX_LIMIT));
        assert_eq!(
            DeviceQuery::default().filter().unwrap().limit,
            DEFAULT_LIMIT
        );
        assert!(q(&[("offset", "-1")]).filter().is_err());
    }

    #[test]
    fn an_offset_past_the_end_is_an_empty_page_with_the_total() {
        let devices: Vec<Device> = (0..3)
            .map(|i| Device::new(DeviceId(i), format!("d{i}"), DeviceStatus::Walked))
            .collect();
        let cat = Catalogue::new(devices, None);
        let f = q(&[("offset", &usize::MAX.to_string())]).filter().unwrap();
        let page = f.page(&cat);
        assert_eq!((page.total, page.devices.len()), (3, 0));
    }

    proptest! {
        /// Whatever a query string says, checking it answers Ok or a 400.
        #[test]
        fn checking_any_query_never_panics(vals in proptest::collection::vec(".{0,12}", 8)) {
            let v = |i: usize| Some(vals[i].clone());
            let dq = DeviceQuery {
                q: v(0), platform: v(1), status: v(2), site: v(3),
                sort: v(4), dir: v(5), limit: v(6), offset: v(7),
            };
            match dq.filter() {
                Ok(_) | Err(ServeError::BadRequest(_)) => {}
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
