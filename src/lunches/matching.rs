//! Lunches: the matching. A pure function, run nightly by a background task, that proposes
//! lunches of a few people (2 or 3 by default) at one location on one day.
//!
//! # What a valid lunch is
//!
//! A group is valid when
//! - its size is in `rules.min_size..=rules.max_size`;
//! - all its members work at the same location and are free on the same [`Day`];
//! - the intersection of their free time that day (each person's windows unioned first: they
//!   may overlap, touch, come in any order) has a piece at least `rules.min_overlap_secs`
//!   long. The lunch's slot is the *earliest* such piece, whole: from the latest start to the
//!   earliest end of the windows that make it;
//! - some food in `foods` is excluded by none of them. The lunch's food is the first such in
//!   `foods` order (the caller lists them in the order it prefers);
//! - no two of them are [`PairHistory::blocked`] (a bad lunch reported, lunch together in the
//!   past 30 days, a pending proposal together) and no two of them were grouped on another
//!   day of this same run (that counts as lunch together in the past 30 days).
//!
//! A person is in at most one proposal per day, so never in two overlapping proposals (the
//! caller places each window inside its own day; windows of one day are never compared with
//! another day's).
//!
//! # How groups are formed
//!
//! Per location, then per day in ascending order, greedily but with guarantees:
//! 1. **Pairs.** People are taken in a seeded order; each still unmatched person takes the
//!    unmatched partner they have met least ([`PairHistory::times_met`]), stopping at the
//!    first one never met. Candidates are swept by the start of their free windows, nearest
//!    start first, then in the seeded order (which is how ties in `times_met` are broken);
//!    at most [`SCAN_LIMIT`] acceptable candidates are compared once one is found. The result
//!    is a maximal matching: at the end no two unmatched people of that location and day
//!    form a valid pair.
//! 2. **Nobody left alone.** Each unmatched person (in the same order) joins a group of size
//!    below `max_size` that stays valid with them: a group still below `min_size` first, then
//!    the group whose members they have met least in total. Groups only ever grow, so one
//!    pass is enough: at the end no unmatched person can validly join a group below
//!    `max_size`. With the default rules (2 to 3) nobody compatible is left alone when adding
//!    them to a pair makes a valid trio (Donut-style: the odd person makes a trio).
//! 3. **Too small.** When `min_size > 2`, each group that is still too small (in the order the
//!    groups were made) is dissolved and its members try to join other groups as in step 2;
//!    those who cannot are left out. No new groups are formed from the people left out.
//!
//! Cheap checks come first: free time (the sweep), food (bitsets over the positions of
//! `foods`), pairs grouped earlier in this run (a set); only then `times_met`, and `blocked`
//! only for a candidate that would be the best so far. Both may cost a microsecond in
//! production (an HMAC each).
//!
//! # Determinism
//!
//! The order people are taken in is a hash of the seed, the location, the day and the
//! member id, so the same people, foods, rules, history and seed give the same proposals,
//! whatever order `people`, `cannot_eat` and `free` come in; different seeds generally give
//! different groups. Member ids are unique; a repeated id is ignored after its first occurrence. The
//! proposals are sorted by (location, day, slot start, members).
//!
//! # Cost
//!
//! About O(w log w) for w windows plus a short sweep per person: 10,000 people with 5
//! windows each take a few milliseconds (`benches/matching.rs`). Invalid [`Rules`] built
//! field by field are clamped into the ranges [`Rules::new`] accepts.
use std::collections::{HashMap, HashSet};
use std::ops::Range;

pub type MemberId = i64;
pub type LocationId = i64;
pub type FoodId = i64;
/// A day at a location, as days since 1970-01-01 in the location's own time zone (the caller
/// computes it).
pub type Day = i32;

/// Smallest lunch [`Rules::new`] accepts.
pub const SMALLEST_LUNCH: usize = 2;
/// Largest lunch [`Rules::new`] accepts.
pub const LARGEST_LUNCH: usize = 6;
/// Shortest common free time [`Rules::new`] accepts, in seconds.
pub const SHORTEST_OVERLAP_SECS: i64 = 60;
/// How many acceptable candidates (free together, a common food) a person compares by
/// `times_met` once one of them is possible; bounds the history look-ups on a crowded day.
pub const SCAN_LIMIT: usize = 64;

/// UTC unix seconds, half-open: the same interval the availability module produces.
pub use super::availability::Interval;

/// A free window on a day.
#[derive(Clone, Debug)]
pub struct FreeTime {
    pub day: Day,
    pub interval: Interval,
}

/// Someone who wants lunch proposals.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: MemberId,
    pub location: LocationId,
    /// Any order, may have duplicates; ids not on offer are ignored.
    pub cannot_eat: Vec<FoodId>,
    /// Any order, may overlap (they are unioned), several per day possible.
    pub free: Vec<FreeTime>,
}

/// Group sizes and the common free time a lunch needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    pub min_size: usize,
    pub max_size: usize,
    pub min_overlap_secs: i64,
}

impl Default for Rules {
    /// 2 to 3 people, free together for 45 minutes.
    fn default() -> Self {
        Rules { min_size: 2, max_size: 3, min_overlap_secs: 45 * 60 }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("A lunch needs at least {SMALLEST_LUNCH} people, not {0}.")]
    MinTooSmall(usize),
    #[error("A lunch can have at most {LARGEST_LUNCH} people, not {0}.")]
    MaxTooLarge(usize),
    #[error("The largest lunch ({max} people) cannot be smaller than the smallest ({min}).")]
    MaxBelowMin { min: usize, max: usize },
    #[error("People must be free together for at least a minute, not {0} seconds.")]
    OverlapTooShort(i64),
}

impl Rules {
    /// `2 <= min_size <= max_size <= 6`, `min_overlap_secs >= 60`.
    pub fn new(min_size: usize, max_size: usize, min_overlap_secs: i64) -> Result<Rules, RulesError> {
        if min_size < SMALLEST_LUNCH {
            return Err(RulesError::MinTooSmall(min_size));
        }
        if max_size > LARGEST_LUNCH {
            return Err(RulesError::MaxTooLarge(max_size));
        }
        if max_size < min_size {
            return Err(RulesError::MaxBelowMin { min: min_size, max: max_size });
        }
        if min_overlap_secs < SHORTEST_OVERLAP_SECS {
            return Err(RulesError::OverlapTooShort(min_overlap_secs));
        }
        Ok(Rules { min_size, max_size, min_overlap_secs })
    }

    /// The rules [`propose`] applies: each field moved into the range `new` accepts.
    pub fn clamped(self) -> Rules {
        let min_size = self.min_size.clamp(SMALLEST_LUNCH, LARGEST_LUNCH);
        Rules {
            min_size,
            max_size: self.max_size.clamp(min_size, LARGEST_LUNCH),
            min_overlap_secs: self.min_overlap_secs.max(SHORTEST_OVERLAP_SECS),
        }
    }
}

/// What the caller knows about past pairs (it hashes bad pairs through a keyed Bloom filter;
/// the matching only sees answers).
pub trait PairHistory {
    /// True when the two must not lunch together: a bad lunch reported, or lunch together in
    /// the past 30 days, or a pending proposal together.
    fn blocked(&self, a: MemberId, b: MemberId) -> bool;
    /// How many times the two have had lunch together (ever); lower is preferred.
    fn times_met(&self, a: MemberId, b: MemberId) -> u32;
}

/// One proposed lunch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub location: LocationId,
    pub day: Day,
    /// Sorted ascending.
    pub members: Vec<MemberId>,
    pub slot: Interval,
    pub food: FoodId,
}

/// Proposes lunches (see the module documentation for the rules and guarantees).
/// `foods`: the food types on offer (not retired), in the order to prefer when several are
/// possible.
pub fn propose(
    people: &[Person],
    foods: &[FoodId],
    rules: Rules,
    history: &impl PairHistory,
    seed: u64,
) -> Vec<Proposal> {
    let rules = rules.clamped();
    let menu = Menu::new(foods);
    if menu.ids.is_empty() {
        return Vec::new();
    }
    let diners = diners(people, &menu);
    let mut together: HashSet<(MemberId, MemberId)> = HashSet::new();
    let mut out = Vec::new();
    for table in tables(people, &diners, rules.min_overlap_secs, seed) {
        let cx = Cx { table: &table, diners: &diners, rules, history, together: &together };
        let groups = cx.groups();
        let mut made = Vec::with_capacity(groups.len());
        for g in groups {
            let mut members: Vec<MemberId> = g.members.iter().map(|&s| table.seats[s as usize].id).collect();
            members.sort_unstable();
            if let (Some(&slot), Some(food)) = (g.pieces.first(), menu.first(&g.edible)) {
                made.push(Proposal { location: table.location, day: table.day, members, slot, food });
            }
        }
        for p in &made {
            for (i, &a) in p.members.iter().enumerate() {
                for &b in &p.members[i + 1..] {
                    together.insert((a, b));
                }
            }
        }
        out.extend(made);
    }
    out.sort_by(|a, b| {
        (a.location, a.day, a.slot.start, &a.members).cmp(&(b.location, b.day, b.slot.start, &b.members))
    });
    out
}

/// The foods on offer as bit positions (`ids[bit]`, first occurrence wins); a set of foods is
/// `words` u64s.
struct Menu {
    ids: Vec<FoodId>,
    bit_of: HashMap<FoodId, usize>,
    words: usize,
}

impl Menu {
    fn new(foods: &[FoodId]) -> Menu {
        let mut ids = Vec::new();
        let mut bit_of = HashMap::new();
        for &f in foods {
            bit_of.entry(f).or_insert_with(|| {
                ids.push(f);
                ids.len() - 1
            });
        }
        let words = ids.len().div_ceil(64);
        Menu { ids, bit_of, words }
    }

    /// Appends to `out` the foods on offer that `cannot_eat` leaves; false (and nothing
    /// appended) when it leaves none.
    fn push_edible(&self, cannot_eat: &[FoodId], out: &mut Vec<u64>) -> bool {
        let at = out.len();
        for w in 0..self.words {
            let bits = (self.ids.len() - w * 64).min(64);
            out.push(if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 });
        }
        for f in cannot_eat {
            if let Some(&bit) = self.bit_of.get(f) {
                out[at + bit / 64] &= !(1u64 << (bit % 64));
            }
        }
        let any = out[at..].iter().any(|&w| w != 0);
        if !any {
            out.truncate(at);
        }
        any
    }

    /// The first food of the set, in the caller's order.
    fn first(&self, set: &[u64]) -> Option<FoodId> {
        let (w, bits) = set.iter().enumerate().find(|&(_, &bits)| bits != 0)?;
        self.ids.get(w * 64 + bits.trailing_zeros() as usize).copied()
    }
}

fn share_food(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

/// The people who can be matched at all (unique id, something to eat), sorted by id so that
/// nothing depends on the input order; `edible` holds their food sets, `menu.words` each.
struct Diners {
    source: Vec<usize>,
    edible: Vec<u64>,
    words: usize,
}

impl Diners {
    fn edible(&self, diner: usize) -> &[u64] {
        &self.edible[diner * self.words..(diner + 1) * self.words]
    }
}

fn diners(people: &[Person], menu: &Menu) -> Diners {
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by_key(|&i| (people[i].id, i));
    order.dedup_by_key(|i| people[*i].id);
    let mut source = Vec::with_capacity(order.len());
    let mut edible = Vec::with_capacity(order.len() * menu.words);
    for i in order {
        if menu.push_edible(&people[i].cannot_eat, &mut edible) {
            source.push(i);
        }
    }
    Diners { source, edible, words: menu.words }
}

/// One person free at a table: their unioned windows long enough for a lunch are
/// `pieces[range]` of the table.
struct Seat {
    id: MemberId,
    diner: usize,
    key: u64,
    pieces: Range<usize>,
}

/// Everyone free on one day at one location.
struct Table {
    location: LocationId,
    day: Day,
    seats: Vec<Seat>,
    pieces: Vec<Interval>,
}

impl Table {
    fn pieces(&self, seat: u32) -> &[Interval] {
        &self.pieces[self.seats[seat as usize].pieces.clone()]
    }
}

/// The tables in (location, day) order.
fn tables(people: &[Person], diners: &Diners, min_len: i64, seed: u64) -> Vec<Table> {
    let mut windows: Vec<(LocationId, Day, usize, Interval)> = Vec::new();
    for (d, &i) in diners.source.iter().enumerate() {
        let p = &people[i];
        windows.extend(
            p.free.iter().filter(|f| f.interval.start < f.interval.end).map(|f| (p.location, f.day, d, f.interval)),
        );
    }
    windows.sort_unstable();
    let mut out = Vec::new();
    for day in windows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (location, day_no) = (day[0].0, day[0].1);
        let mut table = Table { location, day: day_no, seats: Vec::new(), pieces: Vec::new() };
        for own in day.chunk_by(|a, b| a.2 == b.2) {
            let from = table.pieces.len();
            union_into(own.iter().map(|w| w.3), min_len, &mut table.pieces);
            if table.pieces.len() > from {
                let diner = own[0].2;
                let id = people[diners.source[diner]].id;
                let key = mix(seed ^ mix((location as u64) ^ mix(day_no as u64 ^ mix(id as u64))));
                table.seats.push(Seat { id, diner, key, pieces: from..table.pieces.len() });
            }
        }
        if table.seats.len() >= 2 {
            out.push(table);
        }
    }
    out
}

/// SplitMix64's finaliser: a well-spread 64-bit hash.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Unions intervals sorted by start (touching ones too) and appends the pieces at least
/// `min_len` long.
fn union_into(sorted: impl Iterator<Item = Interval>, min_len: i64, out: &mut Vec<Interval>) {
    let mut current: Option<Interval> = None;
    for w in sorted {
        current = match current {
            Some(c) if w.start <= c.end => Some(Interval { start: c.start, end: c.end.max(w.end) }),
            Some(c) => {
                if c.secs() >= min_len {
                    out.push(c);
                }
                Some(w)
            }
            None => Some(w),
        };
    }
    if let Some(c) = current {
        if c.secs() >= min_len {
            out.push(c);
        }
    }
}

/// The pieces at least `min_len` long of the intersection of two sorted, disjoint lists.
fn intersect(a: &[Interval], b: &[Interval], min_len: i64) -> Vec<Interval> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let piece = Interval { start: a[i].start.max(b[j].start), end: a[i].end.min(b[j].end) };
        if piece.secs() >= min_len {
            out.push(piece);
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Whether two sorted, disjoint lists share a piece at least `min_len` long.
fn meet(a: &[Interval], b: &[Interval], min_len: i64) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].end.min(b[j].end).saturating_sub(a[i].start.max(b[j].start)) >= min_len {
            return true;
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// A set of positions `0..n` from which positions are removed, with "nearest present one
/// at or after / at or before" in near-constant time (union-find with path halving).
struct Present {
    next: Vec<u32>,
    prev: Vec<u32>,
}

impl Present {
    fn new(n: usize) -> Present {
        Present { next: (0..=n as u32).collect(), prev: (0..=n as u32).collect() }
    }

    fn remove(&mut self, i: usize) {
        self.next[i] = i as u32 + 1;
        self.prev[i + 1] = i as u32;
    }

    /// The first present position `>= i`, or `n`.
    fn at_or_after(&mut self, i: usize) -> usize {
        root(&mut self.next, i)
    }

    /// The last present position `<= i`.
    fn at_or_before(&mut self, i: usize) -> Option<usize> {
        root(&mut self.prev, i + 1).checked_sub(1)
    }
}

fn root(up: &mut [u32], mut i: usize) -> usize {
    while up[i] as usize != i {
        let grand = up[up[i] as usize];
        up[i] = grand;
        i = grand as usize;
    }
    i
}

/// Free windows of owners (seats, or groups) sorted by start, to find those that meet a
/// window, nearest start first. An owner's windows can be withdrawn.
struct Sweep {
    starts: Vec<i64>,
    ends: Vec<i64>,
    owners: Vec<u32>,
    /// `by_owner[first[o]..first[o + 1]]`: the positions of owner `o`'s windows.
    by_owner: Vec<u32>,
    first: Vec<u32>,
    longest: i64,
    present: Present,
}

impl Sweep {
    /// `windows`: (window, owner, tie-break key); owners are `0..owners`.
    fn new(mut windows: Vec<(Interval, u32, u64)>, owners: usize) -> Sweep {
        windows.sort_unstable_by_key(|&(w, o, key)| (w.start, key, o, w.end));
        let n = windows.len();
        let mut first = vec![0u32; owners + 1];
        for &(_, o, _) in &windows {
            first[o as usize + 1] += 1;
        }
        for o in 0..owners {
            first[o + 1] += first[o];
        }
        let mut fill = first.clone();
        let mut by_owner = vec![0u32; n];
        for (at, &(_, o, _)) in windows.iter().enumerate() {
            by_owner[fill[o as usize] as usize] = at as u32;
            fill[o as usize] += 1;
        }
        Sweep {
            starts: windows.iter().map(|w| w.0.start).collect(),
            ends: windows.iter().map(|w| w.0.end).collect(),
            owners: windows.iter().map(|w| w.1).collect(),
            by_owner,
            first,
            longest: windows.iter().map(|w| w.0.secs()).max().unwrap_or(0),
            present: Present::new(n),
        }
    }

    fn withdraw(&mut self, owner: u32) {
        let o = owner as usize;
        for k in self.first[o]..self.first[o + 1] {
            let at = self.by_owner[k as usize] as usize;
            self.present.remove(at);
        }
    }

    /// Calls `visit(owner)` for each present window that shares at least `min_len` with
    /// `w`, nearest start first, until `visit` returns false (then returns false).
    fn scan(&mut self, w: Interval, min_len: i64, mut visit: impl FnMut(u32) -> bool) -> bool {
        let n = self.starts.len();
        let latest = w.end.saturating_sub(min_len);
        let earliest = w.start.saturating_add(min_len).saturating_sub(self.longest);
        let from = self.starts.partition_point(|&s| s < w.start);
        let mut after = self.present.at_or_after(from);
        let mut before = from.checked_sub(1).and_then(|i| self.present.at_or_before(i));
        loop {
            let ahead = (after < n && self.starts[after] <= latest).then_some(after);
            let behind = before.filter(|&i| self.starts[i] >= earliest);
            let take_ahead = match (ahead, behind) {
                (None, None) => return true,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => self.starts[a].saturating_sub(w.start) <= w.start.saturating_sub(self.starts[b]),
            };
            let at = if take_ahead {
                let at = after;
                after = self.present.at_or_after(at + 1);
                at
            } else {
                let at = before.unwrap_or(0);
                before = at.checked_sub(1).and_then(|i| self.present.at_or_before(i));
                at
            };
            let shared = self.ends[at].min(w.end).saturating_sub(self.starts[at].max(w.start));
            if shared >= min_len && !visit(self.owners[at]) {
                return false;
            }
        }
    }
}

/// A lunch in the making: members (seats), the pieces of their common free time long enough
/// for a lunch (earliest first), the foods they can all eat.
struct Group {
    members: Vec<u32>,
    pieces: Vec<Interval>,
    edible: Vec<u64>,
    /// Still taking members (below `max_size` and not dissolved).
    open: bool,
    dissolved: bool,
}

/// One table's matching: everything it reads.
struct Cx<'a, H: PairHistory> {
    table: &'a Table,
    diners: &'a Diners,
    rules: Rules,
    history: &'a H,
    together: &'a HashSet<(MemberId, MemberId)>,
}

impl<H: PairHistory> Cx<'_, H> {
    fn id(&self, seat: u32) -> MemberId {
        self.table.seats[seat as usize].id
    }

    fn edible(&self, seat: u32) -> &[u64] {
        self.diners.edible(self.table.seats[seat as usize].diner)
    }

    /// Grouped on another day of this run.
    fn grouped_before(&self, a: u32, b: u32) -> bool {
        let (a, b) = (self.id(a), self.id(b));
        self.together.contains(&(a.min(b), a.max(b)))
    }

    /// The table's groups of a valid size.
    fn groups(&self) -> Vec<Group> {
        let seats = self.table.seats.len();
        let mut order: Vec<u32> = (0..seats as u32).collect();
        order.sort_unstable_by_key(|&s| (self.table.seats[s as usize].key, self.id(s)));
        let (mut groups, left) = self.pairs(&order);
        let mut sweep = self.group_sweep(&groups);
        let mut stamps = vec![u32::MAX; groups.len()];
        let mut stamp = 0u32;
        for &p in &left {
            stamp += 1;
            self.join(p, &mut groups, &mut sweep, &mut stamps, stamp);
        }
        if self.rules.min_size > 2 {
            for g in 0..groups.len() {
                if groups[g].dissolved || groups[g].members.len() >= self.rules.min_size {
                    continue;
                }
                groups[g].dissolved = true;
                groups[g].open = false;
                sweep.withdraw(g as u32);
                for p in std::mem::take(&mut groups[g].members) {
                    stamp += 1;
                    self.join(p, &mut groups, &mut sweep, &mut stamps, stamp);
                }
            }
        }
        groups.retain(|g| !g.dissolved && g.members.len() >= self.rules.min_size);
        groups
    }

    /// Step 1: a maximal matching, taking people in `order`; returns the pairs and the people
    /// left unmatched (in `order`).
    fn pairs(&self, order: &[u32]) -> (Vec<Group>, Vec<u32>) {
        let seats = self.table.seats.len();
        let mut windows = Vec::with_capacity(self.table.pieces.len());
        for (s, seat) in self.table.seats.iter().enumerate() {
            windows.extend(self.table.pieces[seat.pieces.clone()].iter().map(|&w| (w, s as u32, seat.key)));
        }
        let mut sweep = Sweep::new(windows, seats);
        let mut done = vec![false; seats];
        let mut seen = vec![u32::MAX; seats];
        let mut groups = Vec::new();
        let mut left = Vec::new();
        for &p in order {
            if done[p as usize] {
                continue;
            }
            done[p as usize] = true;
            sweep.withdraw(p);
            match self.partner(p, &mut sweep, &mut seen) {
                Some(q) => {
                    done[q as usize] = true;
                    sweep.withdraw(q);
                    let pieces = intersect(self.table.pieces(p), self.table.pieces(q), self.rules.min_overlap_secs);
                    let edible = self.edible(p).iter().zip(self.edible(q)).map(|(a, b)| a & b).collect();
                    groups.push(Group {
                        members: vec![p, q],
                        pieces,
                        edible,
                        open: self.rules.max_size > 2,
                        dissolved: false,
                    });
                }
                None => left.push(p),
            }
        }
        (groups, left)
    }

    /// The best partner for `p` among the seats still in `sweep`.
    fn partner(&self, p: u32, sweep: &mut Sweep, seen: &mut [u32]) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        let mut compared = 0usize;
        for &w in self.table.pieces(p) {
            let go_on = sweep.scan(w, self.rules.min_overlap_secs, |q| {
                if seen[q as usize] == p {
                    return true;
                }
                seen[q as usize] = p;
                if !share_food(self.edible(p), self.edible(q)) || self.grouped_before(p, q) {
                    return true;
                }
                compared += 1;
                let met = self.history.times_met(self.id(p), self.id(q));
                if best.is_none_or(|(b, _)| met < b) && !self.history.blocked(self.id(p), self.id(q)) {
                    best = Some((met, q));
                }
                match best {
                    Some((0, _)) => false,
                    Some(_) => compared < SCAN_LIMIT,
                    None => true,
                }
            });
            if !go_on {
                break;
            }
        }
        best.map(|(_, q)| q)
    }

    fn group_sweep(&self, groups: &[Group]) -> Sweep {
        let mut windows = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            if group.open {
                windows.extend(group.pieces.iter().map(|&w| (w, g as u32, g as u64)));
            }
        }
        Sweep::new(windows, groups.len())
    }

    /// Steps 2 and 3: `p` joins the best open group that stays valid with them, if any. The
    /// sweep holds each open group's pieces as they were when it was built: a group's pieces
    /// only shrink, so those still cover the current ones (and are checked again here).
    fn join(&self, p: u32, groups: &mut [Group], sweep: &mut Sweep, stamps: &mut [u32], stamp: u32) -> bool {
        let min = self.rules.min_size;
        let any_small = min > 2 && groups.iter().any(|g| g.open && g.members.len() < min);
        let mut best: Option<((bool, u32), u32)> = None;
        let mut compared = 0usize;
        for &w in self.table.pieces(p) {
            let go_on = sweep.scan(w, self.rules.min_overlap_secs, |g| {
                let group = &groups[g as usize];
                if stamps[g as usize] == stamp || !group.open {
                    return true;
                }
                stamps[g as usize] = stamp;
                if !meet(&group.pieces, self.table.pieces(p), self.rules.min_overlap_secs)
                    || !share_food(&group.edible, self.edible(p))
                    || group.members.iter().any(|&m| self.grouped_before(p, m))
                {
                    return true;
                }
                compared += 1;
                let met: u32 = group.members.iter().map(|&m| self.history.times_met(self.id(p), self.id(m))).sum();
                let key = (group.members.len() >= min, met);
                if best.is_none_or(|(b, _)| key < b)
                    && !group.members.iter().any(|&m| self.history.blocked(self.id(p), self.id(m)))
                {
                    best = Some((key, g));
                }
                match best {
                    Some(((full, 0), _)) if !full || !any_small => false,
                    Some(_) => compared < SCAN_LIMIT,
                    None => true,
                }
            });
            if !go_on {
                break;
            }
        }
        let Some((_, g)) = best else { return false };
        let group = &mut groups[g as usize];
        group.members.push(p);
        group.pieces = intersect(&group.pieces, self.table.pieces(p), self.rules.min_overlap_secs);
        for (a, b) in group.edible.iter_mut().zip(self.edible(p)) {
            *a &= b;
        }
        if group.members.len() >= self.rules.max_size {
            group.open = false;
            sweep.withdraw(g);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::{propose, Day, FoodId, FreeTime, Interval, MemberId, PairHistory, Person, Proposal, Rules, RulesError};
    use proptest::collection::vec;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest, ProptestConfig, Strategy};
    use proptest::sample::select;
    use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

    const DAY: Day = 20_000;
    /// Food ids in the order they are preferred (deliberately not sorted).
    const FOODS: [FoodId; 4] = [30, 10, 40, 20];
    const MINUTE: i64 = 60;

    fn at(day: Day, hour: i64, minute: i64) -> i64 {
        i64::from(day) * 86_400 + hour * 3_600 + minute * MINUTE
    }

    fn window(day: Day, from: (i64, i64), to: (i64, i64)) -> FreeTime {
        FreeTime { day, interval: Interval { start: at(day, from.0, from.1), end: at(day, to.0, to.1) } }
    }

    fn person(id: MemberId, free: Vec<FreeTime>) -> Person {
        Person { id, location: 1, cannot_eat: Vec::new(), free }
    }

    /// Free 12:00 to 13:00 on `DAY`.
    fn noon(id: MemberId) -> Person {
        person(id, vec![window(DAY, (12, 0), (13, 0))])
    }

    fn pair(a: MemberId, b: MemberId) -> (MemberId, MemberId) {
        (a.min(b), a.max(b))
    }

    #[derive(Clone, Debug, Default)]
    struct History {
        blocked: HashSet<(MemberId, MemberId)>,
        met: HashMap<(MemberId, MemberId), u32>,
    }

    impl History {
        fn block(mut self, a: MemberId, b: MemberId) -> Self {
            self.blocked.insert(pair(a, b));
            self
        }

        fn met(mut self, a: MemberId, b: MemberId, times: u32) -> Self {
            self.met.insert(pair(a, b), times);
            self
        }
    }

    impl PairHistory for History {
        fn blocked(&self, a: MemberId, b: MemberId) -> bool {
            self.blocked.contains(&pair(a, b))
        }

        fn times_met(&self, a: MemberId, b: MemberId) -> u32 {
            self.met.get(&pair(a, b)).copied().unwrap_or(0)
        }
    }

    /// Runs the matching and the independent checker below; panics on any broken rule.
    fn run(people: &[Person], rules: Rules, history: &History, seed: u64) -> Vec<Proposal> {
        let out = propose(people, &FOODS, rules, history, seed);
        if let Err(e) = check(people, rules, history, &out) {
            panic!("{e}\n{out:#?}");
        }
        out
    }

    fn groups(out: &[Proposal]) -> Vec<Vec<MemberId>> {
        out.iter().map(|p| p.members.clone()).collect()
    }

    // ---- The independent checker: minute by minute, with no interval algebra. ----

    /// The minutes (since the epoch) someone is free on `day`.
    fn free_minutes(p: &Person, day: Day) -> BTreeSet<i64> {
        p.free
            .iter()
            .filter(|f| f.day == day)
            .flat_map(|f| f.interval.start.div_euclid(MINUTE)..f.interval.end.div_euclid(MINUTE))
            .collect()
    }

    /// What a lunch of `members` on `day` would be (slot, food), or why there is none.
    fn lunch(
        members: &[&Person],
        day: Day,
        rules: Rules,
        history: &History,
        grouped_elsewhere: &dyn Fn(MemberId, MemberId) -> bool,
    ) -> Result<(Interval, FoodId), String> {
        if members.len() < rules.min_size || members.len() > rules.max_size {
            return Err(format!("size {}", members.len()));
        }
        if members.iter().any(|m| m.location != members[0].location) {
            return Err("two locations".into());
        }
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                if a.id == b.id {
                    return Err(format!("{} twice", a.id));
                }
                if history.blocked(a.id, b.id) {
                    return Err(format!("{} and {} are blocked", a.id, b.id));
                }
                if grouped_elsewhere(a.id, b.id) {
                    return Err(format!("{} and {} are grouped on another day", a.id, b.id));
                }
            }
        }
        let food = FOODS
            .iter()
            .copied()
            .find(|f| members.iter().all(|m| !m.cannot_eat.contains(f)))
            .ok_or("no common food")?;
        let mut common = free_minutes(members[0], day);
        for m in &members[1..] {
            let theirs = free_minutes(m, day);
            common.retain(|t| theirs.contains(t));
        }
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for t in common {
            match runs.last_mut() {
                Some(run) if run.1 == t => run.1 = t + 1,
                _ => runs.push((t, t + 1)),
            }
        }
        runs.iter()
            .find(|(a, b)| (b - a) * MINUTE >= rules.min_overlap_secs)
            .map(|&(a, b)| (Interval { start: a * MINUTE, end: b * MINUTE }, food))
            .ok_or_else(|| "not free together long enough".into())
    }

    /// Every proposal obeys every rule; nobody twice a day; no pair twice in a run; sorted;
    /// and maximal: no two people left out on a day form a valid pair (when pairs are
    /// allowed), no one left out can validly join a proposal below the maximum size.
    fn check(people: &[Person], rules: Rules, history: &History, out: &[Proposal]) -> Result<(), String> {
        let by_id: HashMap<MemberId, &Person> = people.iter().map(|p| (p.id, p)).collect();
        let mut pairs: HashMap<(MemberId, MemberId), Day> = HashMap::new();
        let mut busy: HashSet<(Day, MemberId)> = HashSet::new();
        for (k, p) in out.iter().enumerate() {
            if k > 0 {
                let q = &out[k - 1];
                if (q.location, q.day, q.slot.start, &q.members) >= (p.location, p.day, p.slot.start, &p.members) {
                    return Err(format!("not sorted at {k}"));
                }
            }
            if p.members.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("members not sorted: {:?}", p.members));
            }
            let members: Vec<&Person> = p
                .members
                .iter()
                .map(|id| by_id.get(id).copied().ok_or(format!("unknown {id}")))
                .collect::<Result<_, _>>()?;
            if members[0].location != p.location {
                return Err(format!("{:?} is not at location {}", p.members, p.location));
            }
            for (i, &a) in p.members.iter().enumerate() {
                if !busy.insert((p.day, a)) {
                    return Err(format!("{a} twice on day {}", p.day));
                }
                for &b in &p.members[i + 1..] {
                    if pairs.insert(pair(a, b), p.day).is_some() {
                        return Err(format!("{a} and {b} grouped twice"));
                    }
                }
            }
            let expected = lunch(&members, p.day, rules, history, &|_, _| false)
                .map_err(|e| format!("{:?} on {}: {e}", p.members, p.day))?;
            if expected != (p.slot, p.food) {
                return Err(format!("{:?}: slot and food {:?}, expected {expected:?}", p.members, (p.slot, p.food)));
            }
        }
        let elsewhere = |a: MemberId, b: MemberId| pairs.contains_key(&pair(a, b));
        let mut tables: BTreeMap<(i64, Day), Vec<&Person>> = BTreeMap::new();
        for p in people {
            let days: BTreeSet<Day> = p.free.iter().map(|f| f.day).collect();
            for day in days {
                if !busy.contains(&(day, p.id)) {
                    tables.entry((p.location, day)).or_default().push(p);
                }
            }
        }
        for (&(location, day), left) in &tables {
            if rules.min_size <= 2 {
                for (i, a) in left.iter().enumerate() {
                    for b in &left[i + 1..] {
                        if let Ok(l) = lunch(&[a, b], day, rules, history, &elsewhere) {
                            return Err(format!("{} and {} left out on {day} but could lunch {l:?}", a.id, b.id));
                        }
                    }
                }
            }
            for p in out.iter().filter(|p| (p.location, p.day) == (location, day) && p.members.len() < rules.max_size) {
                for a in left {
                    let mut members: Vec<&Person> = p.members.iter().filter_map(|id| by_id.get(id).copied()).collect();
                    members.push(a);
                    if let Ok(l) = lunch(&members, day, rules, history, &elsewhere) {
                        return Err(format!("{} left out on {day} but could join {:?}: {l:?}", a.id, p.members));
                    }
                }
            }
        }
        Ok(())
    }

    // ---- Unit tests ----

    #[test]
    fn three_compatible_people_make_one_trio() {
        for seed in 0..20 {
            let out = run(&[noon(1), noon(2), noon(3)], Rules::default(), &History::default(), seed);
            assert_eq!(groups(&out), vec![vec![1, 2, 3]], "seed {seed}");
        }
    }

    #[test]
    fn four_compatible_people_make_two_pairs_and_five_a_pair_and_a_trio() {
        for seed in 0..20 {
            let out = run(&[noon(1), noon(2), noon(3), noon(4)], Rules::default(), &History::default(), seed);
            assert_eq!(out.iter().map(|p| p.members.len()).collect::<Vec<_>>(), vec![2, 2], "seed {seed}");
            let out = run(&[noon(1), noon(2), noon(3), noon(4), noon(5)], Rules::default(), &History::default(), seed);
            let mut sizes: Vec<usize> = out.iter().map(|p| p.members.len()).collect();
            sizes.sort_unstable();
            assert_eq!(sizes, vec![2, 3], "seed {seed}");
        }
    }

    #[test]
    fn the_partner_never_met_is_chosen_over_one_met_twice() {
        let history = History::default().met(1, 2, 2).met(3, 4, 2);
        for seed in 0..50 {
            let out = run(&[noon(1), noon(2), noon(3), noon(4)], Rules::default(), &history, seed);
            assert_eq!(out.len(), 2);
            for g in groups(&out) {
                assert!(g != vec![1, 2] && g != vec![3, 4], "seed {seed}: {g:?}");
            }
        }
    }

    #[test]
    fn a_blocked_pair_is_never_grouped() {
        let history = History::default().block(1, 2);
        assert!(run(&[noon(1), noon(2)], Rules::default(), &history, 0).is_empty());
        for seed in 0..20 {
            let out = run(&[noon(1), noon(2), noon(3)], Rules::default(), &history, seed);
            // 3 lunches with one of them; the other cannot join.
            assert_eq!(out.len(), 1);
            assert!(out[0].members == vec![1, 3] || out[0].members == vec![2, 3], "seed {seed}: {out:?}");
        }
    }

    #[test]
    fn without_a_common_food_there_is_no_lunch() {
        let mut a = noon(1);
        let mut b = noon(2);
        a.cannot_eat = vec![30, 10];
        b.cannot_eat = vec![40, 20, 40];
        assert!(run(&[a.clone(), b.clone()], Rules::default(), &History::default(), 0).is_empty());
        // Foods not on offer are ignored; the lunch names the first food both can eat.
        b.cannot_eat = vec![40, 99];
        let out = run(&[a, b], Rules::default(), &History::default(), 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].food, 20);
        let out = run(&[noon(1), noon(2)], Rules::default(), &History::default(), 0);
        assert_eq!(out[0].food, 30);
    }

    #[test]
    fn no_foods_on_offer_means_no_lunches() {
        assert!(propose(&[noon(1), noon(2)], &[], Rules::default(), &History::default(), 0).is_empty());
    }

    #[test]
    fn an_overlap_of_44_minutes_is_not_enough_and_45_is() {
        let short = person(2, vec![window(DAY, (12, 16), (14, 0))]);
        assert!(run(&[noon(1), short], Rules::default(), &History::default(), 0).is_empty());
        let enough = person(2, vec![window(DAY, (12, 15), (14, 0))]);
        let out = run(&[noon(1), enough], Rules::default(), &History::default(), 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].slot, Interval { start: at(DAY, 12, 15), end: at(DAY, 13, 0) });
    }

    #[test]
    fn the_slot_is_the_earliest_long_enough_piece_of_the_overlap() {
        // Together 11:30-12:00 (too short), then 12:30-14:00 and 15:00-16:00.
        let a = person(
            1,
            vec![window(DAY, (15, 0), (16, 0)), window(DAY, (11, 0), (12, 0)), window(DAY, (12, 30), (14, 0))],
        );
        let b = person(2, vec![window(DAY, (11, 30), (17, 0))]);
        let out = run(&[a, b], Rules::default(), &History::default(), 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].slot, Interval { start: at(DAY, 12, 30), end: at(DAY, 14, 0) });
        // A trio's slot is the overlap of all three.
        let c = person(3, vec![window(DAY, (13, 0), (18, 0))]);
        let out = run(
            &[c, noon(1), person(2, vec![window(DAY, (11, 0), (14, 0))])],
            Rules::default(),
            &History::default(),
            0,
        );
        assert_eq!(groups(&out), vec![vec![1, 2]], "3 is never free with 1");
        let c = person(3, vec![window(DAY, (12, 10), (18, 0))]);
        let out = run(
            &[c, noon(1), person(2, vec![window(DAY, (11, 0), (14, 0))])],
            Rules::default(),
            &History::default(),
            0,
        );
        assert_eq!(groups(&out), vec![vec![1, 2, 3]]);
        assert_eq!(out[0].slot, Interval { start: at(DAY, 12, 10), end: at(DAY, 13, 0) });
    }

    #[test]
    fn touching_and_overlapping_windows_are_unioned() {
        let a = person(
            1,
            vec![window(DAY, (12, 30), (13, 0)), window(DAY, (12, 0), (12, 30)), window(DAY, (12, 10), (12, 20))],
        );
        let out = run(&[a, noon(2)], Rules::default(), &History::default(), 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].slot, Interval { start: at(DAY, 12, 0), end: at(DAY, 13, 0) });
    }

    #[test]
    fn a_minimum_of_three_dissolves_pairs() {
        let rules = Rules::new(3, 3, 45 * MINUTE).unwrap();
        assert!(run(&[noon(1), noon(2)], rules, &History::default(), 0).is_empty());
        let far = person(3, vec![window(DAY, (9, 0), (10, 0))]);
        assert!(run(&[noon(1), noon(2), far], rules, &History::default(), 0).is_empty());
        for seed in 0..20 {
            assert_eq!(
                groups(&run(&[noon(1), noon(2), noon(3)], rules, &History::default(), seed)),
                vec![vec![1, 2, 3]]
            );
            // Four make two pairs first; one is dissolved and a member joins the other.
            let out = run(&[noon(1), noon(2), noon(3), noon(4)], rules, &History::default(), seed);
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].members.len(), 3);
            let rules = Rules::new(3, 4, 45 * MINUTE).unwrap();
            let out = run(&[noon(1), noon(2), noon(3), noon(4)], rules, &History::default(), seed);
            assert_eq!(groups(&out), vec![vec![1, 2, 3, 4]]);
        }
    }

    #[test]
    fn one_proposal_per_person_per_day_but_two_on_two_days_with_different_people() {
        let next = DAY + 1;
        // 1 is free twice on DAY, once with 2 and once with 3 (who never meet): one lunch.
        let one = person(1, vec![window(DAY, (11, 0), (12, 0)), window(DAY, (13, 0), (14, 0))]);
        let two = person(2, vec![window(DAY, (11, 0), (12, 0))]);
        let three = person(3, vec![window(DAY, (13, 0), (14, 0))]);
        for seed in 0..10 {
            let out = run(&[one.clone(), two.clone(), three.clone()], Rules::default(), &History::default(), seed);
            assert_eq!(out.len(), 1, "seed {seed}");
        }
        // On two days: a lunch each day, with different people.
        let one = person(1, vec![window(DAY, (12, 0), (13, 0)), window(next, (12, 0), (13, 0))]);
        let three = person(3, vec![window(next, (12, 0), (13, 0))]);
        let out = run(&[one.clone(), noon(2), three], Rules::default(), &History::default(), 0);
        assert_eq!(
            out.iter().map(|p| (p.day, p.members.clone())).collect::<Vec<_>>(),
            vec![(DAY, vec![1, 2]), (next, vec![1, 3])]
        );
        // The same two free on both days lunch once in a run.
        let two = person(2, vec![window(DAY, (12, 0), (13, 0)), window(next, (12, 0), (13, 0))]);
        let out = run(&[one, two], Rules::default(), &History::default(), 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].day, DAY);
    }

    #[test]
    fn people_at_different_locations_never_lunch_together() {
        let mut b = noon(2);
        b.location = 2;
        assert!(run(&[noon(1), b], Rules::default(), &History::default(), 0).is_empty());
    }

    #[test]
    fn the_same_seed_gives_the_same_groups_and_other_seeds_other_groups() {
        let people: Vec<Person> = (1..=8).map(noon).collect();
        let rules = Rules::new(2, 2, 45 * MINUTE).unwrap();
        let seen: HashSet<Vec<Vec<MemberId>>> =
            (0..20).map(|seed| groups(&run(&people, rules, &History::default(), seed))).collect();
        assert!(seen.len() > 1);
        let mut reversed = people.clone();
        reversed.reverse();
        for seed in 0..20 {
            assert_eq!(
                run(&people, rules, &History::default(), seed),
                run(&reversed, rules, &History::default(), seed)
            );
        }
    }

    #[test]
    fn a_repeated_id_is_ignored_after_its_first_occurrence() {
        let late = person(1, vec![window(DAY, (15, 0), (16, 0))]);
        let out = propose(&[noon(1), late, noon(2)], &FOODS, Rules::default(), &History::default(), 0);
        assert_eq!(groups(&out), vec![vec![1, 2]]);
    }

    #[test]
    fn rules_are_validated_with_readable_messages() {
        assert_eq!(Rules::new(2, 3, 45 * MINUTE), Ok(Rules::default()));
        assert_eq!(Rules::new(1, 3, 2_700), Err(RulesError::MinTooSmall(1)));
        assert_eq!(Rules::new(2, 7, 2_700), Err(RulesError::MaxTooLarge(7)));
        assert_eq!(Rules::new(4, 3, 2_700), Err(RulesError::MaxBelowMin { min: 4, max: 3 }));
        assert_eq!(Rules::new(2, 3, 59), Err(RulesError::OverlapTooShort(59)));
        assert_eq!(
            RulesError::MaxBelowMin { min: 4, max: 3 }.to_string(),
            "The largest lunch (3 people) cannot be smaller than the smallest (4)."
        );
        assert_eq!(RulesError::MinTooSmall(1).to_string(), "A lunch needs at least 2 people, not 1.");
        // Rules built field by field are clamped.
        let odd = Rules { min_size: 0, max_size: 9, min_overlap_secs: 0 };
        assert_eq!(odd.clamped(), Rules { min_size: 2, max_size: 6, min_overlap_secs: 60 });
    }

    // ---- Properties ----

    /// A generated instance: people (ids 100, 107, ...), their history, the rules, a seed.
    #[derive(Clone, Debug)]
    struct Case {
        people: Vec<Person>,
        history: History,
        rules: Rules,
        seed: u64,
    }

    /// (location, windows as (day, minutes after 10:00, length in minutes), excluded foods)
    type RawPerson = (i64, Vec<(Day, i64, i64)>, Vec<usize>);

    fn raw_person(locations: i64, days: Day) -> impl Strategy<Value = RawPerson> {
        (1..=locations, vec((0..days, 0i64..=285, 15i64..=180), 0..=4), vec(0usize..4, 0..=3))
    }

    fn build(raw: Vec<RawPerson>, blocked: Vec<(usize, usize)>, met: Vec<u32>, rules: Rules, seed: u64) -> Case {
        let id = |i: usize| 100 + 7 * i as MemberId;
        let people: Vec<Person> = raw
            .into_iter()
            .enumerate()
            .map(|(i, (location, windows, excluded))| Person {
                id: id(i),
                location,
                cannot_eat: excluded.into_iter().map(|f| FOODS[f]).collect(),
                free: windows
                    .into_iter()
                    .map(|(d, from, len)| {
                        let day = DAY + d;
                        let start = at(day, 10, from);
                        FreeTime { day, interval: Interval { start, end: (start + len * MINUTE).min(at(day, 15, 0)) } }
                    })
                    .collect(),
            })
            .collect();
        let n = people.len();
        let mut history = History::default();
        for (a, b) in blocked {
            if a < n && b < n && a != b {
                history = history.block(id(a), id(b));
            }
        }
        let mut k = 0;
        for a in 0..n {
            for b in a + 1..n {
                if let Some(&times) = met.get(k) {
                    history = history.met(id(a), id(b), times);
                }
                k += 1;
            }
        }
        Case { people, history, rules, seed }
    }

    fn rules() -> impl Strategy<Value = Rules> {
        (2usize..=3, 0usize..=1, select(vec![30i64, 45, 60])).prop_map(|(min, extra, minutes)| Rules {
            min_size: min,
            max_size: min + extra,
            min_overlap_secs: minutes * MINUTE,
        })
    }

    fn small_case() -> impl Strategy<Value = Case> {
        (
            vec(raw_person(2, 3), 0..=12),
            vec((0usize..12, 0usize..12), 0..=12),
            vec(select(vec![0u32, 0, 0, 1, 2, 3]), 66),
            rules(),
            any::<u64>(),
        )
            .prop_map(|(raw, blocked, met, rules, seed)| build(raw, blocked, met, rules, seed))
    }

    /// One location and day, crowded: exercises the sweep and the scan limit.
    fn crowded_case() -> impl Strategy<Value = Case> {
        (
            vec(raw_person(1, 1), 20..=80),
            vec((0usize..80, 0usize..80), 0..=200),
            vec(select(vec![0u32, 1, 1, 2, 3]), 3_160),
            rules(),
            any::<u64>(),
        )
            .prop_map(|(raw, blocked, met, rules, seed)| build(raw, blocked, met, rules, seed))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn proposals_obey_every_rule_and_leave_nobody_out_who_fits(case in small_case()) {
            let out = propose(&case.people, &FOODS, case.rules, &case.history, case.seed);
            let checked = check(&case.people, case.rules, &case.history, &out);
            prop_assert!(checked.is_ok(), "{:?}\n{:#?}", checked, out);
        }

        #[test]
        fn crowded_days_obey_every_rule_too(case in crowded_case()) {
            let out = propose(&case.people, &FOODS, case.rules, &case.history, case.seed);
            let checked = check(&case.people, case.rules, &case.history, &out);
            prop_assert!(checked.is_ok(), "{:?}", checked);
            // Nearly everyone is free at once: most people get a lunch.
            prop_assert!(!out.is_empty());
        }

        #[test]
        fn the_same_seed_gives_the_same_proposals_whatever_the_input_order(case in small_case()) {
            let out = propose(&case.people, &FOODS, case.rules, &case.history, case.seed);
            prop_assert_eq!(&out, &propose(&case.people, &FOODS, case.rules, &case.history, case.seed));
            let mut shuffled = case.people.clone();
            shuffled.reverse();
            for p in &mut shuffled {
                p.free.reverse();
                p.cannot_eat.reverse();
            }
            prop_assert_eq!(&out, &propose(&shuffled, &FOODS, case.rules, &case.history, case.seed));
        }
    }
}
