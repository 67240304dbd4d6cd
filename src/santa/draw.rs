//! Secret Santa: the draw. A pure function of the members, the exclusions and a random
//! source: every member gives exactly once and receives exactly once, never to
//! themselves, never across an exclusion; one single cycle whenever one can be found.
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::HashSet;

/// At least this many members are needed for a draw.
pub const MIN_MEMBERS: usize = 3;

/// Members are numbered `0..n`; an exclusion `(giver, receiver)` forbids that pair.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    forbidden: HashSet<(u32, u32)>,
}

impl Rules {
    pub fn new() -> Self {
        Self::default()
    }

    /// "`giver` must not draw `receiver`".
    pub fn forbid(&mut self, giver: usize, receiver: usize) {
        self.forbidden.insert((giver as u32, receiver as u32));
    }

    /// Both ways (couples).
    pub fn forbid_both(&mut self, a: usize, b: usize) {
        self.forbid(a, b);
        self.forbid(b, a);
    }

    /// Nobody draws inside their own household.
    pub fn household(&mut self, members: &[usize]) {
        for &a in members {
            for &b in members {
                if a != b {
                    self.forbid(a, b);
                }
            }
        }
    }

    pub fn allows(&self, giver: usize, receiver: usize) -> bool {
        giver != receiver && !self.forbidden.contains(&(giver as u32, receiver as u32))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("A draw needs at least {MIN_MEMBERS} members.")]
    TooFewMembers,
    /// The rules leave this member (index) nobody to give to or nobody to receive from,
    /// or no assignment can satisfy everyone around them.
    #[error("The exclusions leave member {0} without a possible match.")]
    OverConstrained(usize),
}

/// The result: `receiver_of[giver]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub receiver_of: Vec<usize>,
}

impl Assignment {
    /// Number of cycles (1 = everyone in one chain).
    pub fn cycles(&self) -> usize {
        let n = self.receiver_of.len();
        let mut seen = vec![false; n];
        let mut cycles = 0;
        for start in 0..n {
            if seen[start] {
                continue;
            }
            cycles += 1;
            let mut i = start;
            while !seen[i] {
                seen[i] = true;
                i = self.receiver_of[i];
            }
        }
        cycles
    }
}

/// Draws for `n` members under `rules`.
pub fn draw(n: usize, rules: &Rules, rng: &mut impl Rng) -> Result<Assignment, DrawError> {
    if n < MIN_MEMBERS {
        return Err(DrawError::TooFewMembers);
    }
    if let Some(m) = member_without_options(n, rules) {
        return Err(DrawError::OverConstrained(m));
    }
    let as_cycle = |order: Vec<usize>| {
        let mut receiver_of = vec![0; n];
        for k in 0..n {
            receiver_of[order[k]] = order[(k + 1) % n];
        }
        Assignment { receiver_of }
    };
    if let Some(order) = quick_cycle(n, rules, rng) {
        return Ok(as_cycle(order));
    }
    // Exhaustive fallbacks cost O(n²) per step: only for groups of a human size.
    if n > EXHAUSTIVE_MAX {
        return Err(DrawError::OverConstrained(most_constrained(n, rules)));
    }
    // A matching first: when none exists no draw is possible, and the search for a single
    // cycle need not run to its step limit to find that out.
    let cover = cycle_cover(n, rules, rng)?;
    Ok(backtrack_cycle(n, rules, rng, search_steps(n)).map(as_cycle).unwrap_or(Assignment { receiver_of: cover }))
}

/// The member with the fewest allowed receivers.
fn most_constrained(n: usize, rules: &Rules) -> usize {
    let mut out = vec![0usize; n];
    for &(g, _) in &rules.forbidden {
        if (g as usize) < n {
            out[g as usize] += 1;
        }
    }
    (0..n).max_by_key(|&i| out[i]).unwrap_or(0)
}

/// A member with no allowed receiver or no allowed giver.
fn member_without_options(n: usize, rules: &Rules) -> Option<usize> {
    let mut out = vec![0usize; n];
    let mut inc = vec![0usize; n];
    for &(g, r) in &rules.forbidden {
        let (g, r) = (g as usize, r as usize);
        if g < n && r < n && g != r {
            out[g] += 1;
            inc[r] += 1;
        }
    }
    (0..n).find(|&i| out[i] >= n - 1 || inc[i] >= n - 1)
}

fn cycle_ok(order: &[usize], rules: &Rules) -> bool {
    let n = order.len();
    (0..n).all(|k| rules.allows(order[k], order[(k + 1) % n]))
}

/// Tries to find one cycle through everyone quickly: rejection sampling for small groups
/// (exactly uniform over valid cycles), random order plus local repair for large ones.
fn quick_cycle(n: usize, rules: &Rules, rng: &mut impl Rng) -> Option<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    let tries = if n <= 12 { 5_000 } else { 3 };
    for _ in 0..tries {
        order.shuffle(rng);
        if cycle_ok(&order, rules) {
            return Some(order);
        }
        if n > 12 && repair(&mut order, rules, rng) {
            return Some(order);
        }
    }
    None
}

/// Largest group for which the exhaustive fallbacks (backtracking, matching) run.
const EXHAUSTIVE_MAX: usize = 3_000;

/// Fixes forbidden consecutive pairs by swapping a bad pair's receiver with a random
/// member, keeping a swap only when it lowers the number of forbidden pairs it touches.
fn repair(order: &mut [usize], rules: &Rules, rng: &mut impl Rng) -> bool {
    let n = order.len();
    let bad_at = |o: &[usize], k: usize| !rules.allows(o[k], o[(k + 1) % n]);
    let mut bad: Vec<usize> = (0..n).filter(|&k| bad_at(order, k)).collect();
    let limit = 50 * n + 10_000;
    let mut steps = 0;
    while let Some(&k) = bad.last() {
        if !bad_at(order, k) {
            bad.pop();
            continue;
        }
        if steps >= limit {
            return false;
        }
        steps += 1;
        let i = (k + 1) % n;
        let j = rng.gen_range(0..n);
        if j == i {
            continue;
        }
        let mut touched = [(i + n - 1) % n, i, (j + n - 1) % n, j];
        touched.sort_unstable();
        let count = |o: &[usize]| {
            touched.iter().enumerate().filter(|&(x, &t)| (x == 0 || touched[x - 1] != t) && bad_at(o, t)).count()
        };
        let before = count(order);
        order.swap(i, j);
        if count(order) < before {
            bad.extend(touched.iter().copied().filter(|&t| bad_at(order, t)));
        } else {
            order.swap(i, j);
        }
    }
    (0..n).all(|k| !bad_at(order, k))
}

/// Depth-first search for a Hamiltonian cycle, restarted a few times (searches like this
/// have heavy tails: a fresh random start often succeeds where a long search is stuck).
/// Each search tries the most constrained receiver first (Warnsdorff's rule, random among
/// ties) and, for groups of a human size, abandons a partial path as soon as some member
/// left can no longer be given to or give to anyone. Gives up after `limit` steps in all.
fn backtrack_cycle(n: usize, rules: &Rules, rng: &mut impl Rng, limit: usize) -> Option<Vec<usize>> {
    const RESTARTS: usize = 8;
    (0..RESTARTS).find_map(|_| backtrack_once(n, rules, rng, limit / RESTARTS))
}

/// Largest group for which a partial path is checked for dead ends at every step (O(n²)).
const PRUNE_MAX: usize = 300;

/// How many search steps a draw may take: a step costs about n² elementary checks with
/// pruning, n without, and a draw does at most about 4·10⁸ of them in all (well under a
/// second), so a hard instance ends in a several-cycle draw instead of holding the
/// database's write lock.
fn search_steps(n: usize) -> usize {
    const WORK: usize = 400_000_000;
    let per_step = if n <= PRUNE_MAX { n * n } else { n };
    (WORK / per_step.max(1)).clamp(1_000, 200_000)
}

fn backtrack_once(n: usize, rules: &Rules, rng: &mut impl Rng, limit: usize) -> Option<Vec<usize>> {
    let start = rng.gen_range(0..n);
    let mut path = vec![start];
    let mut used = vec![false; n];
    used[start] = true;
    let mut candidates: Vec<Vec<usize>> = vec![ordered_options(start, n, rules, &used, rng)];
    let mut steps = 0;
    while let Some(options) = candidates.last_mut() {
        steps += 1;
        if steps > limit {
            return None;
        }
        if path.len() == n {
            if rules.allows(path[n - 1], start) {
                return Some(path);
            }
            let last = path.pop()?;
            used[last] = false;
            candidates.pop();
            continue;
        }
        match options.pop() {
            Some(next) => {
                used[next] = true;
                path.push(next);
                if n <= PRUNE_MAX && dead_end(n, rules, &used, start, next) {
                    path.pop();
                    used[next] = false;
                    continue;
                }
                let opts = ordered_options(next, n, rules, &used, rng);
                candidates.push(opts);
            }
            None => {
                candidates.pop();
                let last = path.pop()?;
                used[last] = false;
            }
        }
    }
    None
}

/// Whether some member not yet on the path has no possible receiver (among the others left,
/// or the start, which closes the cycle) or no possible giver (among the others left, or
/// the path's end).
fn dead_end(n: usize, rules: &Rules, used: &[bool], start: usize, end: usize) -> bool {
    (0..n).filter(|&u| !used[u]).any(|u| {
        let gives = rules.allows(u, start) || (0..n).any(|v| v != u && !used[v] && rules.allows(u, v));
        let gets = rules.allows(end, u) || (0..n).any(|v| v != u && !used[v] && rules.allows(v, u));
        !gives || !gets
    })
}

/// The allowed receivers of `from` not on the path yet, in the order they are tried (the
/// last one first): the one with the fewest onward options last, ties in random order.
fn ordered_options(from: usize, n: usize, rules: &Rules, used: &[bool], rng: &mut impl Rng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).filter(|&r| !used[r] && rules.allows(from, r)).collect();
    v.shuffle(rng);
    if n <= PRUNE_MAX {
        let onward = |r: usize| (0..n).filter(|&x| x != r && !used[x] && rules.allows(r, x)).count();
        v.sort_by_cached_key(|&r| std::cmp::Reverse(onward(r)));
    }
    v
}

/// Any valid assignment (several cycles), by bipartite matching in random order; when
/// none exists, names a member the matching could not place.
fn cycle_cover(n: usize, rules: &Rules, rng: &mut impl Rng) -> Result<Vec<usize>, DrawError> {
    let mut giver_of: Vec<Option<usize>> = vec![None; n];
    let mut givers: Vec<usize> = (0..n).collect();
    givers.shuffle(rng);
    for &g in &givers {
        let mut seen = vec![false; n];
        if !augment(g, n, rules, &mut giver_of, &mut seen, rng) {
            return Err(DrawError::OverConstrained(g));
        }
    }
    let mut receiver_of = vec![0; n];
    for (r, g) in giver_of.iter().enumerate() {
        match g {
            Some(g) => receiver_of[*g] = r,
            None => return Err(DrawError::OverConstrained(r)),
        }
    }
    Ok(receiver_of)
}

fn augment(
    g: usize,
    n: usize,
    rules: &Rules,
    giver_of: &mut [Option<usize>],
    seen: &mut [bool],
    rng: &mut impl Rng,
) -> bool {
    let mut options: Vec<usize> = (0..n).filter(|&r| rules.allows(g, r)).collect();
    options.shuffle(rng);
    for r in options {
        if seen[r] {
            continue;
        }
        seen[r] = true;
        let free = match giver_of[r] {
            None => true,
            Some(other) => augment(other, n, rules, giver_of, seen, rng),
        };
        if free {
            giver_of[r] = Some(g);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{draw, Assignment, DrawError, Rules};
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest, ProptestConfig};
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use std::collections::HashSet;

    fn valid(a: &Assignment, n: usize, rules: &Rules) {
        assert_eq!(a.receiver_of.len(), n);
        let mut received = vec![0; n];
        for (g, &r) in a.receiver_of.iter().enumerate() {
            assert!(rules.allows(g, r), "{g} gives to {r}");
            received[r] += 1;
        }
        assert!(received.iter().all(|&c| c == 1), "not a permutation");
    }

    #[test]
    fn fewer_than_three_members_cannot_draw() {
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(draw(2, &Rules::new(), &mut rng), Err(DrawError::TooFewMembers));
    }

    #[test]
    fn a_member_who_may_give_to_nobody_is_named() {
        let mut rules = Rules::new();
        rules.forbid(2, 0);
        rules.forbid(2, 1);
        rules.forbid(2, 3);
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(draw(4, &rules, &mut rng), Err(DrawError::OverConstrained(2)));
    }

    #[test]
    fn two_members_who_may_only_give_to_the_same_person_are_impossible() {
        // 0 and 1 may only give to 2: no assignment exists (Hall's condition fails).
        let mut rules = Rules::new();
        for g in [0, 1] {
            for r in [0, 1, 3] {
                rules.forbid(g, r);
            }
        }
        let mut rng = StdRng::seed_from_u64(7);
        assert!(matches!(draw(4, &rules, &mut rng), Err(DrawError::OverConstrained(_))));
    }

    #[test]
    fn households_never_draw_inside_themselves() {
        let mut rules = Rules::new();
        rules.household(&[0, 1, 2]);
        rules.household(&[3, 4]);
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..50 {
            let a = draw(6, &rules, &mut rng).unwrap();
            valid(&a, 6, &rules);
            assert_eq!(a.cycles(), 1);
        }
    }

    #[test]
    fn a_large_draw_with_sparse_exclusions_is_one_cycle() {
        let n = 5_000;
        let mut rng = StdRng::seed_from_u64(11);
        let mut rules = Rules::new();
        for g in 0..n {
            for _ in 0..3 {
                rules.forbid(g, rng.gen_range(0..n));
            }
        }
        let a = draw(n, &rules, &mut rng).unwrap();
        valid(&a, n, &rules);
        assert_eq!(a.cycles(), 1);
    }

    #[test]
    fn small_draws_spread_over_every_valid_cycle() {
        // 4 members, no rules: 3! = 6 distinct cycles, each should appear.
        let mut rng = StdRng::seed_from_u64(5);
        let mut seen = HashSet::new();
        for _ in 0..600 {
            seen.insert(draw(4, &Rules::new(), &mut rng).unwrap().receiver_of);
        }
        assert_eq!(seen.len(), 6);
    }

    fn arb_rules(n: usize, density: f64, seed: u64) -> Rules {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut rules = Rules::new();
        for g in 0..n {
            for r in 0..n {
                if g != r && rng.gen_bool(density) {
                    rules.forbid(g, r);
                }
            }
        }
        rules
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn a_draw_is_a_derangement_that_honours_every_exclusion(n in 3usize..40, density in 0.0f64..0.6, seed in any::<u64>()) {
            let rules = arb_rules(n, density, seed);
            let mut rng = StdRng::seed_from_u64(seed ^ 0xabc);
            match draw(n, &rules, &mut rng) {
                Ok(a) => valid(&a, n, &rules),
                Err(DrawError::OverConstrained(m)) => prop_assert!(m < n),
                Err(e) => prop_assert!(false, "unexpected {e:?}"),
            }
        }

        #[test]
        fn without_exclusions_the_draw_is_always_one_cycle(n in 3usize..200, seed in any::<u64>()) {
            let mut rng = StdRng::seed_from_u64(seed);
            let a = draw(n, &Rules::new(), &mut rng).unwrap();
            valid(&a, n, &Rules::new());
            prop_assert_eq!(a.cycles(), 1);
        }

        #[test]
        fn a_planted_cycle_is_always_found(n in 3usize..60, density in 0.0f64..0.95, seed in any::<u64>()) {
            // Plant a valid cycle, then forbid random pairs that are not on it.
            let mut rng = StdRng::seed_from_u64(seed);
            let mut planted: Vec<usize> = (0..n).collect();
            planted.shuffle(&mut rng);
            let on_cycle: HashSet<(usize, usize)> = (0..n).map(|k| (planted[k], planted[(k + 1) % n])).collect();
            let mut rules = Rules::new();
            for g in 0..n {
                for r in 0..n {
                    if g != r && !on_cycle.contains(&(g, r)) && rng.gen_bool(density) {
                        rules.forbid(g, r);
                    }
                }
            }
            // A single cycle exists, so the draw must return one (the promise is "one cycle
            // whenever one can be found"), not merely some valid assignment.
            let a = draw(n, &rules, &mut rng);
            prop_assert!(a.is_ok(), "{a:?}");
            let a = a.unwrap();
            valid(&a, n, &rules);
            prop_assert_eq!(a.cycles(), 1, "a planted single cycle was not found: {:?}", a);
        }

        #[test]
        fn impossible_draws_are_reported_not_looped(n in 3usize..30, seed in any::<u64>()) {
            // Member 0 may give to nobody but member 1, and so may member 2: impossible.
            let mut rules = Rules::new();
            for r in 0..n {
                if r != 1 {
                    rules.forbid(0, r);
                    rules.forbid(2, r);
                }
            }
            let mut rng = StdRng::seed_from_u64(seed);
            prop_assert!(matches!(draw(n, &rules, &mut rng), Err(DrawError::OverConstrained(_))));
        }
    }
}
