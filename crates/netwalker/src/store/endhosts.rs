//! End-host rows: where each MAC was learnt (`mac_sightings`, one row per
//! MAC, switch, port and VLAN) and which addresses it answered for
//! (`mac_ips`), each with first and last seen, upserted per walked device
//! in its savepoint; [`StoreWriter::prune_endhosts`] drops rows no walk has
//! seen for longer than the retention.

use super::bulk::Upsert;
use super::db::{Db, DbError, DbRow, Value, vals};
use super::error::{Context, Result};
use super::{StoreReader, StoreWriter};
use crate::model::{
    BundleMember, DeviceId, EndHostTables, IpSeen, MacAddr, MacSeen, MacSighting, UnixTime,
};
use std::collections::HashSet;
use std::net::IpAddr;

/// Seconds in a day, for retention in days.
const DAY: i64 = 86_400;

/// The VLAN column's value for "none printed" (a key column cannot be NULL
/// and still be unique).
const NO_VLAN: i64 = 0;

/// A MAC as the store keeps it: the 48-bit address as an integer, so keys
/// stay small and compare as numbers.
fn mac_key(m: MacAddr) -> i64 {
    let b = m.0;
    i64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

/// The MAC of a stored key; `None` outside 48 bits (never written by us).
fn mac_of_key(k: i64) -> Option<MacAddr> {
    let b = k.to_be_bytes();
    (b[0] == 0 && b[1] == 0).then(|| MacAddr([b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// A MAC learnt on a port: new rows start their history, known ones move
/// their `last_seen`.
const SIGHTINGS: Upsert = Upsert {
    head: "INSERT INTO mac_sightings (mac, device_id, port, vlan, trunk, first_seen, last_seen) VALUES",
    row: "(?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    width: 6,
    tail: "ON CONFLICT(device_id, port, vlan, mac) DO UPDATE SET
           trunk = excluded.trunk, last_seen = excluded.last_seen",
};

/// An address a MAC answered for.
const IP_MACS: Upsert = Upsert {
    head: "INSERT INTO mac_ips (mac, ip, first_seen, last_seen) VALUES",
    row: "(?1, ?2, ?3, ?3)",
    width: 3,
    tail: "ON CONFLICT(mac, ip) DO UPDATE SET last_seen = excluded.last_seen",
};

/// A port-channel member.
const BUNDLES: Upsert = Upsert {
    head: "INSERT INTO port_bundles (device_id, port, port_channel) VALUES",
    row: "(?1, ?2, ?3)",
    width: 3,
    tail: "ON CONFLICT (device_id, port) DO UPDATE SET port_channel = excluded.port_channel",
};

/// Writes one walked device's sightings and cache entries at `now`, many
/// rows per statement ([`bulk`](super::bulk)). A device's output may list
/// one entry twice (two VRFs, a repeated line): each key is written once.
pub(super) fn upsert(
    tx: &Db,
    device: DeviceId,
    t: &EndHostTables,
    now: UnixTime,
) -> Result<(), DbError> {
    let trunks: HashSet<&str> = t.trunks.iter().map(String::as_str).collect();
    // Keyed as stored: no VLAN is stored as NO_VLAN.
    let vlan = |m: &MacSighting| m.vlan.map_or(NO_VLAN, i64::from);
    SIGHTINGS.write(
        tx,
        &t.macs,
        |m| (m.mac, m.port.as_str(), vlan(m)),
        |m| {
            [
                Value::Int(mac_key(m.mac)),
                Value::Int(device.0),
                Value::Text(m.port.as_str().into()),
                Value::Int(vlan(m)),
                Value::Int(trunks.contains(m.port.as_str()).into()),
                Value::Int(now),
            ]
        },
    )?;
    IP_MACS.write(
        tx,
        &t.ip_macs,
        |n| (n.mac, n.ip),
        |n| {
            [
                Value::Int(mac_key(n.mac)),
                Value::Text(n.ip.to_string().into()),
                Value::Int(now),
            ]
        },
    )?;
    tx.execute(
        "DELETE FROM port_bundles WHERE device_id = ?1",
        vals![device.0],
    )?;
    BUNDLES.write(
        tx,
        &t.bundles,
        |b| b.port.as_str(),
        |b| {
            [
                Value::Int(device.0),
                Value::Text(b.port.as_str().into()),
                Value::Text(b.port_channel.as_str().into()),
            ]
        },
    )
}

/// What [`StoreWriter::prune_endhosts`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrunedEndHosts {
    /// MAC sightings no walk saw within the retention.
    pub sightings: usize,
    /// MAC-to-IP pairs no walk saw within the retention.
    pub ip_macs: usize,
}

impl StoreWriter {
    /// Deletes end-host rows whose `last_seen` is more than `keep_days`
    /// days ago (0 keeps everything), in one transaction.
    pub fn prune_endhosts(&mut self, keep_days: u32) -> Result<PrunedEndHosts> {
        if keep_days == 0 {
            return Ok(PrunedEndHosts::default());
        }
        let before = self.now() - i64::from(keep_days) * DAY;
        let ctx = || format!("pruning end-host rows older than {keep_days} days");
        let tx = self.tx("pruning end hosts")?;
        let sightings = tx
            .execute(
                "DELETE FROM mac_sightings WHERE last_seen < ?1",
                vals![before],
            )
            .ctx(ctx)?;
        let ip_macs = tx
            .execute("DELETE FROM mac_ips WHERE last_seen < ?1", vals![before])
            .ctx(ctx)?;
        tx.commit().ctx(ctx)?;
        Ok(PrunedEndHosts {
            sightings: sightings as usize,
            ip_macs: ip_macs as usize,
        })
    }
}

/// Everything stored about end hosts, read in one go: the input of
/// [`crate::endhosts::end_hosts`].
#[derive(Debug, Clone, Default)]
pub struct EndHostRows {
    /// Every MAC sighting, history included, by MAC.
    pub sightings: Vec<MacSeen>,
    /// Every MAC-to-IP pair, by MAC then most recently seen first.
    pub ip_macs: Vec<IpSeen>,
    /// Every walked switch's port-channel members.
    pub bundles: Vec<(DeviceId, BundleMember)>,
}

impl StoreReader {
    /// Every end-host row (one read transaction).
    pub fn endhost_rows(&self) -> Result<EndHostRows> {
        let _snap = self.snapshot()?;
        let sightings = self.sightings_where("", None)?;
        let ip_macs = self.ip_macs_where("", None)?;
        let ctx = || "reading port-channel members".to_string();
        let bundles = self
            .conn
            .query(
                "SELECT device_id, port, port_channel FROM port_bundles ORDER BY device_id, port",
                &[],
                |r| {
                    Ok::<_, DbError>((
                        DeviceId(r.get(0)?),
                        BundleMember {
                            port: r.get(1)?,
                            port_channel: r.get(2)?,
                        },
                    ))
                },
            )
            .ctx(ctx)?;
        Ok(EndHostRows {
            sightings,
            ip_macs,
            bundles,
        })
    }

    /// Every stored sighting of `mac`, most recently seen first.
    pub fn mac_sightings(&self, mac: MacAddr) -> Result<Vec<MacSeen>> {
        self.sightings_where("WHERE mac = ?1", Some(Value::Int(mac_key(mac))))
    }

    /// Every stored sighting on switch `device`, by MAC.
    pub fn device_mac_sightings(&self, device: DeviceId) -> Result<Vec<MacSeen>> {
        self.sightings_where("WHERE device_id = ?1", Some(Value::Int(device.0)))
    }

    /// Sightings by MAC, then most recently seen first, then switch, port
    /// and VLAN. Sorted here, not by the database: all of them (a snapshot
    /// reads every row) come faster in the table's own order, without the
    /// per-row lookups an ordered walk of the MAC index costs SQLite.
    fn sightings_where(&self, cond: &str, arg: Option<Value<'_>>) -> Result<Vec<MacSeen>> {
        let sql = format!(
            "SELECT mac, device_id, port, vlan, trunk, first_seen, last_seen FROM mac_sightings {cond}"
        );
        let ctx = || "reading MAC sightings".to_string();
        let args: Vec<Value<'_>> = arg.into_iter().collect();
        let rows = self.conn.query(&sql, &args, mac_seen).ctx(ctx)?;
        let mut seen: Vec<MacSeen> = rows.into_iter().flatten().collect();
        seen.sort_unstable_by(|a, b| {
            (
                a.mac,
                std::cmp::Reverse(a.last_seen),
                a.device,
                &a.port,
                a.vlan,
            )
                .cmp(&(
                    b.mac,
                    std::cmp::Reverse(b.last_seen),
                    b.device,
                    &b.port,
                    b.vlan,
                ))
        });
        Ok(seen)
    }

    /// The addresses `mac` answered for, most recently seen first.
    pub fn ips_of_mac(&self, mac: MacAddr) -> Result<Vec<IpSeen>> {
        self.ip_macs_where("WHERE mac = ?1", Some(Value::Int(mac_key(mac))))
    }

    /// The MACs that answered for `ip`, most recently seen first.
    pub fn macs_of_ip(&self, ip: IpAddr) -> Result<Vec<IpSeen>> {
        self.ip_macs_where("WHERE ip = ?1", Some(Value::Text(ip.to_string().into())))
    }

    fn ip_macs_where(&self, cond: &str, arg: Option<Value<'_>>) -> Result<Vec<IpSeen>> {
        let sql = format!(
            "SELECT mac, ip, first_seen, last_seen FROM mac_ips {cond}
             ORDER BY mac, last_seen DESC, ip"
        );
        let ctx = || "reading MAC-to-IP pairs".to_string();
        let args: Vec<Value<'_>> = arg.into_iter().collect();
        let rows = self.conn.query(&sql, &args, ip_seen).ctx(ctx)?;
        Ok(rows.into_iter().flatten().collect())
    }
}

/// A sighting row; `None` for a row whose MAC is out of range (never
/// written by us: such rows are skipped, not fatal).
fn mac_seen(r: &DbRow<'_>) -> Result<Option<MacSeen>, DbError> {
    let Some(mac) = mac_of_key(r.get(0)?) else {
        return Ok(None);
    };
    let vlan: i64 = r.get(3)?;
    Ok(Some(MacSeen {
        mac,
        device: DeviceId(r.get(1)?),
        port: r.get(2)?,
        vlan: u16::try_from(vlan)
            .ok()
            .filter(|v| i64::from(*v) != NO_VLAN),
        trunk: r.get(4)?,
        first_seen: r.get(5)?,
        last_seen: r.get(6)?,
    }))
}

/// A MAC-to-IP row; `None` when either value does not parse.
fn ip_seen(r: &DbRow<'_>) -> Result<Option<IpSeen>, DbError> {
    let mac = mac_of_key(r.get(0)?);
    let ip = r.get::<String>(1)?.parse::<IpAddr>().ok();
    let (Some(mac), Some(ip)) = (mac, ip) else {
        return Ok(None);
    };
    Ok(Some(IpSeen {
        mac,
        ip,
        first_seen: r.get(2)?,
        last_seen: r.get(3)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_keys_round_trip_and_refuse_what_is_not_48_bits() {
        for m in [[0u8; 6], [0xff; 6], [0x00, 0x14, 0x22, 0x01, 0x23, 0x45]] {
            assert_eq!(mac_of_key(mac_key(MacAddr(m))), Some(MacAddr(m)));
        }
        assert_eq!(mac_key(MacAddr([0, 0, 0, 0, 1, 0])), 256);
        assert_eq!(mac_of_key(1 << 48), None);
        assert_eq!(mac_of_key(-1), None);
    }
}
