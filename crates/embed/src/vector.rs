//! Embedding vectors after the model: their similarity, their storage bytes, and an exact
//! in-memory nearest-neighbour index over them.

use std::cmp::Ordering;

use crate::EmbedError;

/// Lanes of the dot product's accumulators: enough independent sums for the compiler to keep
/// two AVX (or four SSE) registers busy, since float addition cannot be reordered for it.
const LANES: usize = 8;

/// Returns the dot product of two vectors of the same length.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut sums = [0.0f32; LANES];
    let (a_chunks, a_rest) = a.as_chunks::<LANES>();
    let (b_chunks, b_rest) = b.as_chunks::<LANES>();
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    let mut total: f32 = sums.iter().sum();
    for (x, y) in a_rest.iter().zip(b_rest) {
        total += x * y;
    }
    total
}

/// Cosine of two L2-normalised vectors (their dot product).
///
/// Vectors of different lengths are compared over the shorter one's length.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    dot(&a[..len], &b[..len])
}

/// Returns the vector's bytes for storage: each component as a little-endian f32.
pub fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Reads a vector back from [`to_bytes`]'s output.
pub fn from_bytes(b: &[u8]) -> Result<Vec<f32>, EmbedError> {
    let (chunks, rest) = b.as_chunks::<4>();
    if !rest.is_empty() {
        return Err(EmbedError::Bytes { len: b.len() });
    }
    Ok(chunks
        .iter()
        .map(|chunk| f32::from_le_bytes(*chunk))
        .collect())
}

/// An exact nearest-neighbour index: every row scored against the query by dot product.
///
/// Rows are kept in one row-major buffer so a search streams through memory once. An id may
/// own several rows (a skill's label and each alternative label, say); a search returns each
/// id once, with its best row's score.
#[derive(Debug, Clone)]
pub struct VectorIndex {
    dims: usize,
    ids: Vec<i64>,
    data: Vec<f32>,
}

impl VectorIndex {
    /// Returns an empty index of vectors with `dims` dimensions.
    pub fn new(dims: usize) -> Self {
        Self {
            dims,
            ids: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Returns the dimensions of the index's vectors.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Adds a row for `id`; fails when the vector does not have the index's dimensions.
    pub fn push(&mut self, id: i64, vector: &[f32]) -> Result<(), EmbedError> {
        if vector.len() != self.dims {
            return Err(EmbedError::Dimensions {
                expected: self.dims,
                actual: vector.len(),
            });
        }
        self.ids.push(id);
        self.data.extend_from_slice(vector);
        Ok(())
    }

    /// Returns the number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Returns whether the index has no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Returns the `k` ids whose best row has the highest dot product with `query`, best first,
    /// ties by ascending id; each id at most once.
    ///
    /// Exact brute force. A query of the wrong length matches nothing.
    pub fn top_k(&self, query: &[f32], k: usize) -> Vec<(i64, f32)> {
        if k == 0 || query.len() != self.dims || self.dims == 0 {
            return Vec::new();
        }
        // The best hits so far, best first, at most k and each id once. Once it is full, a row
        // must beat its last entry to get in: one comparison for nearly every row, and the
        // linear insertion below runs only O(k log n) times for rows in no particular order.
        let mut best: Vec<(i64, f32)> = Vec::with_capacity(k + 1);
        for (row, &id) in self.data.chunks_exact(self.dims).zip(&self.ids) {
            let score = dot(row, query);
            if best.len() == k && rank(&(id, score), &best[k - 1]) != Ordering::Less {
                continue;
            }
            if let Some(existing) = best.iter().position(|&(other, _)| other == id) {
                if rank(&(id, score), &best[existing]) != Ordering::Less {
                    continue;
                }
                best.remove(existing);
            }
            let at = best.partition_point(|hit| rank(hit, &(id, score)) == Ordering::Less);
            best.insert(at, (id, score));
            best.truncate(k);
        }
        best
    }
}

/// Orders hits best first: higher score, then lower id.
fn rank(a: &(i64, f32), b: &(i64, f32)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn naive_top_k(rows: &[(i64, Vec<f32>)], query: &[f32], k: usize) -> Vec<(i64, f32)> {
        let mut best: BTreeMap<i64, f32> = BTreeMap::new();
        for (id, row) in rows {
            // Folded from +0.0 as `dot` is: `sum()` starts from -0.0, which ranks below +0.0.
            let score = row
                .iter()
                .zip(query)
                .fold(0.0f32, |acc, (a, b)| acc + a * b);
            let entry = best.entry(*id).or_insert(f32::NEG_INFINITY);
            *entry = entry.max(score);
        }
        let mut hits: Vec<(i64, f32)> = best.into_iter().collect();
        hits.sort_by(rank);
        hits.truncate(k);
        hits
    }

    proptest! {
        // Small integer components keep every dot product exact, so ties are real ties and
        // the lane order of the fast dot product cannot change a result.
        #[test]
        fn top_k_matches_a_full_sort(
            dims in 1usize..12,
            rows in prop::collection::vec((0i64..6, prop::collection::vec(-2i8..=2, 12)), 0..40),
            query in prop::collection::vec(-2i8..=2, 12),
            k in 0usize..8,
        ) {
            let rows: Vec<(i64, Vec<f32>)> = rows
                .into_iter()
                .map(|(id, v)| (id, v[..dims].iter().map(|&x| f32::from(x)).collect()))
                .collect();
            let query: Vec<f32> = query[..dims].iter().map(|&x| f32::from(x)).collect();
            let mut index = VectorIndex::new(dims);
            for (id, row) in &rows {
                index.push(*id, row).unwrap();
            }
            prop_assert_eq!(index.top_k(&query, k), naive_top_k(&rows, &query, k));
        }

        #[test]
        fn bytes_round_trip(v in prop::collection::vec(any::<f32>(), 0..20)) {
            let back = from_bytes(&to_bytes(&v)).unwrap();
            prop_assert_eq!(
                back.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn bytes_are_little_endian_f32() {
        assert_eq!(to_bytes(&[1.0, -2.5]), [0, 0, 128, 63, 0, 0, 32, 192]);
    }

    #[test]
    fn bytes_of_a_bad_length_are_rejected() {
        for len in [1, 2, 3, 5, 1535] {
            assert!(matches!(
                from_bytes(&vec![0u8; len]),
                Err(EmbedError::Bytes { len: l }) if l == len
            ));
        }
        assert_eq!(from_bytes(&[]).unwrap(), Vec::<f32>::new());
    }

    #[test]
    fn dot_covers_the_lanes_and_the_tail() {
        let a: Vec<f32> = (0..21).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..21).map(|i| (i % 3) as f32).collect();
        let expected: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), expected);
        assert_eq!(cosine(&a, &b[..4]), 0.0 + 1.0 + 4.0 + 0.0);
    }

    #[test]
    fn push_rejects_a_vector_of_other_dimensions() {
        let mut index = VectorIndex::new(3);
        assert!(matches!(
            index.push(1, &[1.0, 2.0]),
            Err(EmbedError::Dimensions {
                expected: 3,
                actual: 2
            })
        ));
        assert!(index.is_empty());
    }

    #[test]
    fn top_k_keeps_each_ids_best_row() {
        let mut index = VectorIndex::new(2);
        index.push(7, &[0.1, 0.0]).unwrap();
        index.push(3, &[0.5, 0.0]).unwrap();
        index.push(7, &[0.9, 0.0]).unwrap();
        index.push(4, &[0.5, 0.0]).unwrap();
        assert_eq!(
            index.top_k(&[1.0, 0.0], 5),
            vec![(7, 0.9), (3, 0.5), (4, 0.5)]
        );
        assert_eq!(index.top_k(&[1.0, 0.0], 1), vec![(7, 0.9)]);
        assert!(index.top_k(&[1.0], 1).is_empty());
    }
}

/// Rows compared against every other row per matrix product: large enough to keep the matrix
/// kernel busy, small enough that one block of scores (rows × all rows) stays near 50 MB.
const NEIGHBOUR_BLOCK: usize = 1024;

/// Returns, for each of the `vectors.len() / dims` unit vectors, its `k` most similar other
/// rows as (row, cosine), most similar first (ties by row).
///
/// All pairs are scored with candle's matrix product in blocks: the loops of [`cosine`] would
/// take about ten times as long over ESCO's 13,900 skills.
pub fn nearest_neighbours(
    vectors: &[f32],
    dims: usize,
    k: usize,
) -> Result<Vec<Vec<(u32, f32)>>, EmbedError> {
    use candle_core::{Device, Tensor};
    if dims == 0 || vectors.is_empty() || k == 0 {
        return Ok(vec![
            Vec::new();
            vectors.len().checked_div(dims).unwrap_or(0)
        ]);
    }
    let n = vectors.len() / dims;
    let fail = |e: candle_core::Error| EmbedError::Inference(format!("similarity matrix: {e}"));
    let all = Tensor::from_slice(&vectors[..n * dims], (n, dims), &Device::Cpu).map_err(fail)?;
    let columns = all.t().and_then(|t| t.contiguous()).map_err(fail)?;
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(NEIGHBOUR_BLOCK) {
        let len = NEIGHBOUR_BLOCK.min(n - start);
        let flat: Vec<f32> = all
            .narrow(0, start, len)
            .and_then(|block| block.matmul(&columns))
            .and_then(|scores| scores.flatten_all())
            .and_then(|scores| scores.to_vec1())
            .map_err(fail)?;
        for (offset, row) in flat.chunks_exact(n).enumerate() {
            out.push(top_k_of_row(row, start + offset, k));
        }
    }
    Ok(out)
}

/// Returns, for each of the `queries.len() / dims` unit vectors, its `k` most similar rows of
/// `rows` that reach `floor`, as (row, cosine), most similar first (ties by row).
///
/// Scored with candle's matrix product in blocks of queries, so a batch of documents' sentences
/// against every skill label never holds more than one block of scores.
pub fn best_matches(
    queries: &[f32],
    rows: &[f32],
    dims: usize,
    k: usize,
    floor: f32,
) -> Result<Vec<Vec<(u32, f32)>>, EmbedError> {
    use candle_core::{Device, Tensor};
    let count = queries.len().checked_div(dims).unwrap_or(0);
    let n = rows.len().checked_div(dims).unwrap_or(0);
    if count == 0 || n == 0 || k == 0 {
        return Ok(vec![Vec::new(); count]);
    }
    let fail = |e: candle_core::Error| EmbedError::Inference(format!("similarity matrix: {e}"));
    let columns = Tensor::from_slice(&rows[..n * dims], (n, dims), &Device::Cpu)
        .and_then(|t| t.t())
        .and_then(|t| t.contiguous())
        .map_err(fail)?;
    let mut out = Vec::with_capacity(count);
    for start in (0..count).step_by(NEIGHBOUR_BLOCK) {
        let len = NEIGHBOUR_BLOCK.min(count - start);
        let block = &queries[start * dims..(start + len) * dims];
        let flat: Vec<f32> = Tensor::from_slice(block, (len, dims), &Device::Cpu)
            .and_then(|block| block.matmul(&columns))
            .and_then(|scores| scores.flatten_all())
            .and_then(|scores| scores.to_vec1())
            .map_err(fail)?;
        for row in flat.chunks_exact(n) {
            let mut best = top_k_of_row(row, usize::MAX, k);
            best.retain(|&(_, score)| score >= floor);
            out.push(best);
        }
    }
    Ok(out)
}

/// The `k` best entries of `row` other than `own`, best first.
fn top_k_of_row(row: &[f32], own: usize, k: usize) -> Vec<(u32, f32)> {
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
    // The weakest kept score: most entries fail this one comparison.
    let mut bar = f32::NEG_INFINITY;
    for (j, &score) in row.iter().enumerate() {
        if j == own || score.is_nan() || (best.len() == k && score <= bar) {
            continue;
        }
        let at = best.partition_point(|&(i, s)| s > score || (s == score && (i as usize) < j));
        best.insert(at, (j as u32, score));
        best.truncate(k);
        if best.len() == k {
            bar = best[k - 1].1;
        }
    }
    best
}

#[cfg(test)]
mod neighbour_tests {
    use super::*;

    #[test]
    fn neighbours_match_the_cosine_loop() {
        // 40 pseudo-random unit vectors in 8 dimensions, spanning more than one block when the
        // block is small enough — the result must equal the brute-force ranking.
        let dims = 8;
        let mut state = 7u64;
        let mut vectors = Vec::new();
        for _ in 0..40 {
            let mut v: Vec<f32> = (0..dims)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
                })
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            vectors.extend(v);
        }
        let got = nearest_neighbours(&vectors, dims, 5).unwrap();
        assert_eq!(got.len(), 40);
        for (i, row) in got.iter().enumerate() {
            let mut want: Vec<(u32, f32)> = (0..40)
                .filter(|&j| j != i)
                .map(|j| {
                    let a = &vectors[i * dims..(i + 1) * dims];
                    let b = &vectors[j * dims..(j + 1) * dims];
                    (j as u32, cosine(a, b))
                })
                .collect();
            want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let ids: Vec<u32> = row.iter().map(|p| p.0).collect();
            let want_ids: Vec<u32> = want[..5].iter().map(|p| p.0).collect();
            assert_eq!(ids, want_ids, "row {i}");
            for (g, w) in row.iter().zip(&want) {
                assert!((g.1 - w.1).abs() < 1e-5);
            }
        }
        assert!(nearest_neighbours(&[], dims, 5).unwrap().is_empty());
    }

    #[test]
    fn best_matches_keep_the_k_best_rows_above_the_floor() {
        let rows = [1.0, 0.0, 0.0, 1.0, 0.6, 0.8];
        let queries = [1.0, 0.0, 0.0, 1.0];
        let got = best_matches(&queries, &rows, 2, 2, 0.5).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 2]);
        assert!((got[0][1].1 - 0.6).abs() < 1e-6);
        // Row 0 scores 0 against the second query: under the floor, so left out.
        assert_eq!(got[1].iter().map(|p| p.0).collect::<Vec<_>>(), vec![1, 2]);
        assert!(best_matches(&queries, &rows, 2, 2, 0.9).unwrap()[0].len() == 1);
        assert!(best_matches(&[], &rows, 2, 2, 0.0).unwrap().is_empty());
    }
}
