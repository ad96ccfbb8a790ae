//! Coarse geographic cells: every opening with a place is indexed under the 0.1° × 0.1°
//! latitude/longitude cell it lies in, so that "within R km of a point" can be a term-set
//! clause over the few cells the circle touches. The collector still checks the exact distance;
//! the cells only narrow what a query visits (see `indexes::geo_clause` for when that pays).

use crate::model::GeoFilter;

/// Cell size in degrees (about 11 km of latitude; 7 km of longitude in England). The cells a
/// 25 km circle touches hold about 1.7 times its area; with 0.25° cells, nearly 3 times, and a query
/// through them visits that many more openings outside the circle.
const CELL_DEGREES: f64 = 0.1;
/// Cells per row of longitude.
const CELLS_PER_ROW: i64 = (360.0 / CELL_DEGREES) as i64;
/// Most cells a circle may cover before the clause is not worth it (a radius of ~100 km in
/// England; larger circles keep the bounding-box and per-hit checks).
pub(crate) const MAX_CELLS: usize = 600;

fn row(lat: f64) -> i64 {
    ((lat + 90.0) / CELL_DEGREES).floor() as i64
}

fn column(lon: f64) -> i64 {
    (((lon + 180.0) / CELL_DEGREES).floor() as i64).clamp(0, CELLS_PER_ROW - 1)
}

/// Returns the cell of a point, or `None` when it is not a valid coordinate.
pub(crate) fn cell_of(lat: f64, lon: f64) -> Option<i64> {
    let valid = lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon);
    valid.then(|| row(lat) * CELLS_PER_ROW + column(lon))
}

/// Returns every cell that may hold a point within `near.radius_km` of its centre, or `None`
/// when the circle reaches a pole or the antimeridian or covers more than [`MAX_CELLS`].
pub(crate) fn cells_covering(near: GeoFilter) -> Option<Vec<i64>> {
    // One degree of latitude is at least 110.5 km; pad a little for rounding.
    let dlat = near.radius_km / 110.0;
    let (south, north) = (near.lat - dlat, near.lat + dlat);
    if south <= -89.0 || north >= 89.0 {
        return None;
    }
    let widest = south.abs().max(north.abs()).to_radians().cos();
    let dlon = near.radius_km / (111.0 * widest);
    let (west, east) = (near.lon - dlon, near.lon + dlon);
    if west < -180.0 || east > 180.0 {
        return None;
    }
    let rows = row(south)..=row(north);
    let columns = column(west)..=column(east);
    let count = (rows.end() - rows.start() + 1) * (columns.end() - columns.start() + 1);
    if count as usize > MAX_CELLS {
        return None;
    }
    let mut cells = Vec::with_capacity(count as usize);
    for r in rows {
        for c in columns.clone() {
            cells.push(r * CELLS_PER_ROW + c);
        }
    }
    Some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reskill_core::catalog::haversine_km;

    #[test]
    fn cells_cover_every_point_of_the_circle() {
        let near = GeoFilter {
            lat: 53.8,
            lon: -1.55,
            radius_km: 25.0,
        };
        let cells = cells_covering(near).expect("a 25 km circle in England has cells");
        assert!(cells.len() <= 70, "{} cells", cells.len());
        // Points on a fine grid around the centre: every one inside the circle is in a cell.
        let mut inside = 0;
        for i in -60..=60 {
            for j in -60..=60 {
                let (lat, lon) = (
                    near.lat + f64::from(i) * 0.005,
                    near.lon + f64::from(j) * 0.008,
                );
                if haversine_km(near.lat, near.lon, lat, lon) <= near.radius_km {
                    inside += 1;
                    let cell = cell_of(lat, lon).expect("valid point");
                    assert!(cells.contains(&cell), "({lat}, {lon}) not covered");
                }
            }
        }
        assert!(inside > 1000);
        // A point 40 km north is in no covered cell's row range at all.
        assert!(!cells.contains(&cell_of(near.lat + 0.45, near.lon).unwrap()));
    }

    #[test]
    fn circles_at_the_edges_of_the_map_or_too_wide_have_no_cells() {
        let at = |lat, lon, radius_km| {
            cells_covering(GeoFilter {
                lat,
                lon,
                radius_km,
            })
        };
        assert!(at(89.5, 0.0, 10.0).is_none());
        assert!(at(0.0, 179.95, 20.0).is_none());
        assert!(at(52.0, 0.0, 500.0).is_none());
        assert!(at(52.0, 0.0, 80.0).is_some());
        assert_eq!(cell_of(f64::NAN, 0.0), None);
        assert_eq!(cell_of(91.0, 0.0), None);
        assert!(cell_of(90.0, 180.0).is_some());
    }
}
