//! A user-supplied GeoIP database (MaxMind DB format: GeoLite2-Country, GeoIP2-City, ...) for
//! AUTH-06. With one configured, records whose `sourceIPAddress` is an address found in it are
//! evaluated with `sourceIPAddress_geoip: {country_iso_code: ..}` added; AWS service names and
//! "AWS Internal" are not addresses and get nothing.
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The object added to located records.
pub const GEOIP_FIELD: &str = "sourceIPAddress_geoip";

pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
    path: PathBuf,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp").field("path", &self.path).finish()
    }
}

#[derive(Deserialize)]
struct Located<'a> {
    #[serde(borrow)]
    country: Option<Country<'a>>,
    #[serde(borrow)]
    registered_country: Option<Country<'a>>,
}

#[derive(Deserialize)]
struct Country<'a> {
    iso_code: Option<&'a str>,
}

impl GeoIp {
    pub fn open(path: &Path) -> anyhow::Result<GeoIp> {
        let reader = maxminddb::Reader::open_readfile(path).map_err(|error| {
            anyhow::anyhow!(
                "{}: not a readable MaxMind GeoIP database: {error}",
                path.display()
            )
        })?;
        Ok(GeoIp {
            reader,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The ISO country code of an address, when the database knows it.
    pub fn country(&self, address: &str) -> Option<String> {
        let address: IpAddr = address.trim().parse().ok()?;
        if address.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return None;
        }
        let result = self.reader.lookup(address).ok()?;
        let located: Located = result.decode().ok()??;
        located
            .country
            .and_then(|country| country.iso_code)
            .or_else(|| located.registered_country.and_then(|c| c.iso_code))
            .map(str::to_owned)
    }

    /// `record` with its location added, or `None` when the address is not located.
    pub fn enrich(&self, record: &Value, source_ip: &str) -> Option<Value> {
        let country = self.country(source_ip)?;
        let mut located = record.clone();
        located.as_object_mut()?.insert(
            GEOIP_FIELD.to_owned(),
            serde_json::json!({ "country_iso_code": country }),
        );
        Some(located)
    }
}
