//! Bad lunch pairs, kept privately (server only). When a member reports a bad experience
//! with someone, the pair is stored only as a keyed hash of the unordered pair
//! ([`pair_digest`], HMAC-SHA256 under a key from configuration, never in the database),
//! and that hash only as bits in a Bloom filter. A database dump therefore says neither
//! who dislikes whom nor how to test a guess without the key. A false positive only
//! skips a pairing that would have been fine.
//!
//! # Sizing
//!
//! A Bloom filter for `n` items with false-positive rate `p` needs
//!
//! - `m = ceil(-n · ln p / (ln 2)²)` bits, and
//! - `k = round(m / n · ln 2)` hash functions,
//!
//! and then answers wrongly "yes" with probability about `(1 - e^(-k·n/m))^k ≈ p` once
//! `n` items are in. That is about 1.44 · log2(1/p) bits per item.
//!
//! Nobody knows ahead how many bad pairs there will be, so [`BadPairs`] is a scalable
//! Bloom filter (Almeida, Baquero, Preguiça, Hutchison, 2007): a series of filters, each
//! with twice the capacity of the previous one and half its false-positive rate, the
//! first at half the target. When the last one is full a new one is added. A probe is
//! wrong if any filter is, so the whole stays under `target · (1/2 + 1/4 + 1/8 + …) <
//! target`, however many pairs are added.
//!
//! Worked example, the default (first capacity 1,000 pairs, target 1 %, so the first
//! filter at 0.5 %): `m = ceil(1000 · 5.2983 / 0.48045) = 11,028` bits (1,379 bytes;
//! 1,384 stored as 173 words of 64 bits), `k = round(11.028 · 0.6931) = 8`. The second
//! filter (2,000 pairs at 0.25 %) has 24,941 bits and 9 hashes; the third (4,000 at
//! 0.125 %) 55,653 bits and 10 hashes. 7,000 pairs then take about 11.5 KB, with at
//! most 0.875 % false positives.
//!
//! The `k` bit positions come from one digest by Kirsch–Mitzenmacher double hashing:
//! `h1`, `h2` are its first two 64-bit big-endian words and position `i` is
//! `(h1 + i · h2) mod m`. The digest is already a keyed pseudo-random function, so no
//! further hashing is needed.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The keyed hash of an unordered pair of member ids: HMAC-SHA256(key, min(a, b) ‖ max(a, b)),
/// each id as 8 big-endian bytes. The same for (a, b) and (b, a).
pub fn pair_digest(key: &[u8], a: i64, b: i64) -> [u8; 32] {
    // HMAC's key block (RFC 2104): a key longer than SHA-256's 64-byte block is hashed
    // first, then the key is padded with zeros to the block. Building the block here
    // makes the HMAC constructor infallible (same output as `new_from_slice`).
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as Mac>::new(&block.into());
    mac.update(&a.min(b).to_be_bytes());
    mac.update(&a.max(b).to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// Most bits one filter may have (2^32 bits, 512 MiB): a bound on memory whatever the
/// configuration or stored bytes say.
const MAX_BITS: u64 = 1 << 32;
/// Most hash functions (a rate of 10^-12 needs 40).
const MAX_HASHES: u32 = 64;

/// One Bloom filter: `m` bits, `k` hash positions per item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BloomFilter {
    words: Vec<u64>,
    bits: u64,
    hashes: u32,
    items: u64,
    capacity: u64,
}

/// A rate usable in the sizing formula: within 10^-12 ..= 0.5 (1 % if not a number).
fn sane_rate(p: f64) -> f64 {
    if p.is_nan() {
        0.01
    } else {
        p.clamp(1e-12, 0.5)
    }
}

fn words_for(bits: u64) -> u64 {
    bits.div_ceil(64)
}

impl BloomFilter {
    /// A filter sized for `capacity` items at `false_positive_rate` (see the module
    /// documentation): `m = ceil(-n ln p / (ln 2)²)`, `k = round(m / n · ln 2)`. A capacity
    /// of 0 counts as 1; the rate is kept within 10^-12 ..= 0.5; at most 2^32 bits.
    pub fn for_load(capacity: u64, false_positive_rate: f64) -> Self {
        let n = capacity.max(1);
        let p = sane_rate(false_positive_rate);
        let ln2 = std::f64::consts::LN_2;
        let wanted = (-(n as f64) * p.ln() / (ln2 * ln2)).ceil();
        let bits = if wanted >= MAX_BITS as f64 { MAX_BITS } else { (wanted as u64).max(1) };
        let hashes = ((bits as f64 / n as f64) * ln2).round().clamp(1.0, f64::from(MAX_HASHES)) as u32;
        let words = vec![0; usize::try_from(words_for(bits)).unwrap_or(usize::MAX)];
        Self { words, bits, hashes, items: 0, capacity: n }
    }

    /// The `k` bit positions of a digest (Kirsch–Mitzenmacher double hashing).
    fn positions(&self, d: &[u8; 32]) -> impl Iterator<Item = u64> {
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&d[i * 8..i * 8 + 8]);
            u128::from(u64::from_be_bytes(bytes))
        };
        let (h1, h2, m) = (word(0), word(1), u128::from(self.bits.max(1)));
        (0..u128::from(self.hashes)).map(move |i| ((h1 + i * h2) % m) as u64)
    }

    fn bit(&self, position: u64) -> bool {
        let word = usize::try_from(position / 64).ok().and_then(|w| self.words.get(w));
        word.is_some_and(|w| w & (1 << (position % 64)) != 0)
    }

    /// Adds a digest. Returns false, and counts nothing toward the capacity, when the
    /// filter already says it contains it.
    pub fn insert(&mut self, d: &[u8; 32]) -> bool {
        if self.contains(d) {
            return false;
        }
        let positions: Vec<u64> = self.positions(d).collect();
        for position in positions {
            if let Some(word) = usize::try_from(position / 64).ok().and_then(|w| self.words.get_mut(w)) {
                *word |= 1 << (position % 64);
            }
        }
        self.items += 1;
        true
    }

    /// Whether the digest may have been added: never false for one that was; true for
    /// one that was not with about the designed rate once the filter is full.
    pub fn contains(&self, d: &[u8; 32]) -> bool {
        self.positions(d).all(|p| self.bit(p))
    }

    /// `m`, its number of bits.
    pub fn bits(&self) -> u64 {
        self.bits
    }

    /// `k`, the number of bit positions per item.
    pub fn hashes(&self) -> u32 {
        self.hashes
    }

    /// How many items were added (not counting repeats).
    pub fn items(&self) -> u64 {
        self.items
    }

    /// How many items it was sized for.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    fn is_full(&self) -> bool {
        self.items >= self.capacity
    }
}

/// What is wrong with stored filter bytes (for the logs; members never see this).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BloomError {
    #[error("The bad-pairs filter is empty (no bytes).")]
    Empty,
    #[error("The bad-pairs filter has format version {0}; this build reads version {FORMAT_VERSION}.")]
    Version(u8),
    #[error("The bad-pairs filter is cut short.")]
    Truncated,
    #[error("The bad-pairs filter has {0} bytes too many at its end.")]
    TrailingBytes(usize),
    #[error("The bad-pairs filter is damaged: {0}.")]
    Inconsistent(&'static str),
}

/// The first byte of [`BadPairs::to_bytes`].
pub const FORMAT_VERSION: u8 = 1;
/// Most filters in a series: capacity doubles each time, so 40 filters hold 2^40 times
/// the first capacity.
const MAX_FILTERS: u32 = 40;
/// Bytes before the filters: version, target rate, first capacity, number of filters.
const HEADER_BYTES: usize = 1 + 8 + 8 + 4;
/// Bytes before each filter's words: capacity, items, bits, hashes.
const FILTER_HEADER_BYTES: usize = 8 + 8 + 8 + 4;

/// The bad pairs: a scalable Bloom filter of [`pair_digest`]s (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct BadPairs {
    target: f64,
    first_capacity: u64,
    filters: Vec<BloomFilter>,
}

impl BadPairs {
    /// An empty series whose first filter holds `first_capacity` pairs (at least 1) and
    /// whose false positives stay under `target_fp` (kept within 10^-12 ..= 0.5).
    pub fn new(first_capacity: u64, target_fp: f64) -> Self {
        let target = sane_rate(target_fp);
        let first_capacity = first_capacity.max(1);
        Self { target, first_capacity, filters: vec![BloomFilter::for_load(first_capacity, target / 2.0)] }
    }

    /// Capacity and rate of the filter at `index`: `first · 2^index` at `target / 2^(index+1)`.
    fn filter_plan(first_capacity: u64, target: f64, index: u32) -> Option<(u64, f64)> {
        let capacity = first_capacity.checked_mul(1u64.checked_shl(index)?)?;
        Some((capacity, target / f64::from(index + 1).exp2()))
    }

    /// Adds a pair's digest (nothing happens, nothing is counted, if it seems to be in
    /// already). When the newest filter is full, a larger one is started.
    pub fn insert(&mut self, d: &[u8; 32]) {
        if self.contains(d) {
            return;
        }
        if self.filters.last().is_none_or(BloomFilter::is_full) {
            let index = u32::try_from(self.filters.len()).unwrap_or(MAX_FILTERS);
            // Past the last planned filter (2^40 times the first capacity), the newest
            // one keeps filling up.
            if let Some((capacity, rate)) =
                Self::filter_plan(self.first_capacity, self.target, index).filter(|_| index < MAX_FILTERS)
            {
                self.filters.push(BloomFilter::for_load(capacity, rate));
            }
        }
        if let Some(last) = self.filters.last_mut() {
            last.insert(d);
        }
    }

    /// Whether the pair may be a bad one: always true for one added; for another,
    /// true with probability under the target.
    pub fn contains(&self, d: &[u8; 32]) -> bool {
        self.filters.iter().any(|f| f.contains(d))
    }

    /// How many pairs were added (a pair that looked present already is not counted).
    pub fn len(&self) -> u64 {
        self.filters.iter().map(BloomFilter::items).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The filters in the series, oldest first.
    pub fn filters(&self) -> &[BloomFilter] {
        &self.filters
    }

    /// The stored form (all integers big-endian):
    /// version `u8` = 1, target rate `f64`, first capacity `u64`, number of filters `u32`,
    /// then per filter: capacity `u64`, items `u64`, bits `u64`, hashes `u32`, and
    /// `ceil(bits / 64)` words `u64`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_bytes());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.target.to_be_bytes());
        out.extend_from_slice(&self.first_capacity.to_be_bytes());
        out.extend_from_slice(&u32::try_from(self.filters.len()).unwrap_or(u32::MAX).to_be_bytes());
        for f in &self.filters {
            out.extend_from_slice(&f.capacity.to_be_bytes());
            out.extend_from_slice(&f.items.to_be_bytes());
            out.extend_from_slice(&f.bits.to_be_bytes());
            out.extend_from_slice(&f.hashes.to_be_bytes());
            for w in &f.words {
                out.extend_from_slice(&w.to_be_bytes());
            }
        }
        out
    }

    /// Reads [`BadPairs::to_bytes`] back. Never panics: garbage, a cut-short or padded
    /// buffer, or numbers that do not fit together are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<BadPairs, BloomError> {
        let mut r = Reader(bytes);
        let version = r.take::<1>().map_err(|_| BloomError::Empty)?[0];
        if version != FORMAT_VERSION {
            return Err(BloomError::Version(version));
        }
        let target = f64::from_be_bytes(r.take()?);
        if !(target > 0.0 && target <= 0.5) {
            return Err(BloomError::Inconsistent("the target rate is not between 0 and 0.5"));
        }
        let first_capacity = u64::from_be_bytes(r.take()?);
        if first_capacity == 0 {
            return Err(BloomError::Inconsistent("the first capacity is 0"));
        }
        let count = u32::from_be_bytes(r.take()?);
        if count == 0 || count > MAX_FILTERS {
            return Err(BloomError::Inconsistent("the number of filters is out of range"));
        }
        let mut filters = Vec::new();
        for index in 0..count {
            let capacity = u64::from_be_bytes(r.take()?);
            let items = u64::from_be_bytes(r.take()?);
            let bits = u64::from_be_bytes(r.take()?);
            let hashes = u32::from_be_bytes(r.take()?);
            let planned = Self::filter_plan(first_capacity, target, index).map(|(c, _)| c);
            if planned != Some(capacity) {
                return Err(BloomError::Inconsistent("a filter's capacity does not follow the series"));
            }
            // Older filters are full; the newest is not over-full (except the very last
            // one a series may have, which keeps filling up).
            let newest = index + 1 == count;
            if (!newest && items != capacity) || (newest && items > capacity && count < MAX_FILTERS) {
                return Err(BloomError::Inconsistent("a filter's item count does not fit its capacity"));
            }
            if bits == 0 || bits > MAX_BITS || hashes == 0 || hashes > MAX_HASHES {
                return Err(BloomError::Inconsistent("a filter's size is out of range"));
            }
            // Checked before allocating, so a forged size cannot claim memory.
            let word_count = usize::try_from(words_for(bits)).map_err(|_| BloomError::Truncated)?;
            if r.0.len() / 8 < word_count {
                return Err(BloomError::Truncated);
            }
            let mut words = Vec::with_capacity(word_count);
            for _ in 0..word_count {
                words.push(u64::from_be_bytes(r.take()?));
            }
            let spare = bits % 64;
            if spare != 0 && words.last().is_some_and(|w| w >> spare != 0) {
                return Err(BloomError::Inconsistent("bits are set past a filter's end"));
            }
            filters.push(BloomFilter { words, bits, hashes, items, capacity });
        }
        if !r.0.is_empty() {
            return Err(BloomError::TrailingBytes(r.0.len()));
        }
        Ok(BadPairs { target, first_capacity, filters })
    }

    /// The length of [`BadPairs::to_bytes`], in bytes.
    pub fn size_bytes(&self) -> usize {
        HEADER_BYTES + self.filters.iter().map(|f| FILTER_HEADER_BYTES + 8 * f.words.len()).sum::<usize>()
    }
}

/// Reads fixed-size fields off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], BloomError> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(BloomError::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &[u8] = b"a key from configuration, not the database";

    /// Digests of distinct pairs: members `base + i` with `base + i + 1_000_000`.
    fn digests(base: i64, count: i64) -> Vec<[u8; 32]> {
        (0..count).map(|i| pair_digest(KEY, base + i, base + i + 1_000_000)).collect()
    }

    fn false_positive_rate(contains: impl Fn(&[u8; 32]) -> bool, probes: &[[u8; 32]]) -> f64 {
        probes.iter().filter(|d| contains(d)).count() as f64 / probes.len() as f64
    }

    #[test]
    fn the_digest_is_symmetric_and_keyed() {
        assert_eq!(pair_digest(KEY, 3, 7), pair_digest(KEY, 7, 3));
        assert_ne!(pair_digest(KEY, 3, 7), pair_digest(b"another key", 3, 7));
        assert_ne!(pair_digest(KEY, 3, 7), pair_digest(KEY, 3, 8));
        assert_ne!(pair_digest(KEY, -1, 2), pair_digest(KEY, 1, 2));
    }

    #[test]
    fn the_digest_is_standard_hmac_for_any_key_length() {
        for len in [0usize, 1, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
            mac.update(&(-5i64).to_be_bytes());
            mac.update(&9i64.to_be_bytes());
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(pair_digest(&key, 9, -5), expected, "key of {len} bytes");
        }
    }

    #[test]
    fn the_worked_example_in_the_documentation_holds() {
        let first = BloomFilter::for_load(1_000, 0.005);
        assert_eq!((first.bits(), first.hashes(), first.bits().div_ceil(8)), (11_028, 8, 1_379));
        let second = BloomFilter::for_load(2_000, 0.0025);
        assert_eq!((second.bits(), second.hashes()), (24_941, 9));
        let third = BloomFilter::for_load(4_000, 0.00125);
        assert_eq!((third.bits(), third.hashes()), (55_653, 10));
        let mut pairs = BadPairs::new(1_000, 0.01);
        assert_eq!(pairs.size_bytes(), HEADER_BYTES + FILTER_HEADER_BYTES + 1_384);
        for d in digests(0, 7_000) {
            pairs.insert(&d);
        }
        assert_eq!(pairs.filters().len(), 3);
        assert!(pairs.size_bytes() < 11_600, "{}", pairs.size_bytes());
    }

    #[test]
    fn odd_sizing_inputs_still_give_a_working_filter() {
        for (n, p) in [(0, 0.01), (1, 0.9), (10, 0.0), (10, f64::NAN), (10, -1.0), (u64::MAX, 0.01)] {
            let f = BloomFilter::for_load(n, p);
            assert!(f.bits() >= 1 && f.bits() <= MAX_BITS && (1..=MAX_HASHES).contains(&f.hashes()), "{n} {p}");
        }
    }

    #[test]
    fn a_filter_at_its_designed_load_has_about_the_designed_rate() {
        let mut f = BloomFilter::for_load(1_000, 0.01);
        // A new pair that is a false positive already is not counted (rarely, near the end).
        let added = digests(0, 1_000).iter().filter(|d| f.insert(d)).count() as u64;
        assert_eq!(f.items(), added);
        assert!(added >= 995, "{added}");
        let rate = false_positive_rate(|d| f.contains(d), &digests(10_000_000, 100_000));
        assert!((0.005..=0.015).contains(&rate), "measured {rate}");
    }

    #[test]
    fn the_scalable_filter_stays_under_its_target() {
        let mut pairs = BadPairs::new(1_000, 0.01);
        for d in digests(0, 5_000) {
            pairs.insert(&d);
        }
        assert_eq!(pairs.len(), pairs.filters().iter().map(BloomFilter::items).sum::<u64>());
        assert!(pairs.len() > 4_950, "{}", pairs.len());
        assert_eq!(pairs.filters().len(), 3);
        let rate = false_positive_rate(|d| pairs.contains(d), &digests(10_000_000, 100_000));
        assert!(rate < 0.01, "measured {rate}");
    }

    #[test]
    fn a_pair_added_twice_counts_once() {
        let mut pairs = BadPairs::new(2, 0.01);
        let d = pair_digest(KEY, 1, 2);
        pairs.insert(&d);
        pairs.insert(&pair_digest(KEY, 2, 1));
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs.filters().len(), 1);
        let mut f = BloomFilter::for_load(10, 0.01);
        assert!(f.insert(&d));
        assert!(!f.insert(&d));
        assert_eq!(f.items(), 1);
    }

    #[test]
    fn stored_bytes_round_trip_and_bad_ones_are_refused() {
        let mut pairs = BadPairs::new(10, 0.01);
        assert!(pairs.is_empty());
        for d in digests(0, 35) {
            pairs.insert(&d);
        }
        let bytes = pairs.to_bytes();
        assert_eq!(bytes.len(), pairs.size_bytes());
        assert_eq!(BadPairs::from_bytes(&bytes), Ok(pairs.clone()));
        assert_eq!(BadPairs::from_bytes(&[]), Err(BloomError::Empty));
        assert_eq!(BadPairs::from_bytes(&[2]), Err(BloomError::Version(2)));
        assert_eq!(BadPairs::from_bytes(&bytes[..bytes.len() - 1]), Err(BloomError::Truncated));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(BadPairs::from_bytes(&longer), Err(BloomError::TrailingBytes(1)));
        // A forged size in the first filter (its bits field, at byte 21 + 16).
        let mut forged = bytes.clone();
        forged[HEADER_BYTES + 16..HEADER_BYTES + 24].copy_from_slice(&(1u64 << 40).to_be_bytes());
        assert!(matches!(BadPairs::from_bytes(&forged), Err(BloomError::Inconsistent(_))));
        // A bit set past the end of the first filter.
        let first = &pairs.filters()[0];
        let last_word = HEADER_BYTES + FILTER_HEADER_BYTES + 8 * (first.words.len() - 1);
        let mut stray = bytes.clone();
        stray[last_word] |= 0x80;
        assert_eq!(!first.bits().is_multiple_of(64), BadPairs::from_bytes(&stray).is_err());
        // A capacity that does not follow the doubling.
        let mut capacity = bytes;
        capacity[HEADER_BYTES + 7] ^= 1;
        assert!(matches!(BadPairs::from_bytes(&capacity), Err(BloomError::Inconsistent(_))));
    }

    proptest! {
        #[test]
        fn nothing_added_is_ever_missed(
            added in prop::collection::vec(prop::array::uniform32(any::<u8>()), 0..300),
            first in 1u64..50,
        ) {
            let mut pairs = BadPairs::new(first, 0.01);
            let mut single = BloomFilter::for_load(first, 0.01);
            for d in &added {
                pairs.insert(d);
                single.insert(d);
            }
            for d in &added {
                prop_assert!(pairs.contains(d));
                prop_assert!(single.contains(d));
            }
            prop_assert_eq!(BadPairs::from_bytes(&pairs.to_bytes()), Ok(pairs));
        }

        #[test]
        fn garbage_is_refused_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = BadPairs::from_bytes(&bytes);
            let mut versioned = bytes.clone();
            versioned.insert(0, FORMAT_VERSION);
            let _ = BadPairs::from_bytes(&versioned);
        }

        #[test]
        fn damaged_bytes_are_refused_or_read_without_panicking(
            added in 0i64..40, at in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<prop::sample::Index>(),
        ) {
            let mut pairs = BadPairs::new(8, 0.01);
            for d in digests(0, added) {
                pairs.insert(&d);
            }
            let mut bytes = pairs.to_bytes();
            let i = at.index(bytes.len());
            bytes[i] = value;
            let _ = BadPairs::from_bytes(&bytes);
            let cut = cut.index(bytes.len());
            prop_assert!(BadPairs::from_bytes(&bytes[..cut]).is_err());
        }
    }
}
