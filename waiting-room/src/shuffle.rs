//! The fair start: the order in which a room's pre-queued fans are placed at
//! its opening. Joining early does not buy a better place; every order is
//! equally likely. The order is a pure function of the fans (sorted, so the
//! order Redis lists them in does not matter) and a seed the admitter logs
//! and files with the room (`meta.seed`), so anyone with the list of
//! pre-queued fans can reproduce and audit it.

use uuid::Uuid;

/// Fisher-Yates over the sorted fans, driven by SplitMix64 from `seed`.
pub fn fair_order(mut fans: Vec<Uuid>, seed: u64) -> Vec<Uuid> {
    fans.sort_unstable();
    let mut random = SplitMix64(seed);
    for last in (1..fans.len()).rev() {
        let pick = random.below(last as u64 + 1) as usize;
        fans.swap(last, pick);
    }
    fans
}

/// A small, well-studied generator (Steele, Lea, Flood 2014): enough for an
/// unbiased shuffle whose only secret is a seed nobody knows in advance.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound`: draws past the largest multiple of `bound`
    /// are thrown back, so no index is favoured.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let draw = self.next();
            if draw < zone {
                return draw % bound;
            }
        }
    }
}

/// A fresh seed for an opening.
pub fn new_seed() -> u64 {
    let bytes = Uuid::new_v4().into_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn fans(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn the_same_fans_and_seed_give_the_same_order_whatever_the_listing() {
        let mut listed = fans(50);
        let order = fair_order(listed.clone(), 42);
        listed.reverse();
        assert_eq!(fair_order(listed, 42), order);
        assert_ne!(
            fair_order(fans(50), 43),
            order,
            "another seed, another order"
        );
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, fans(50), "everyone placed once");
    }

    #[test]
    fn every_order_of_four_fans_is_equally_likely() {
        // 24 orders, 48,000 seeds: about 2,000 each. A chi-square over 23
        // degrees of freedom past 49.7 would happen by chance once in 1,000.
        let trials = 48_000u64;
        let mut counts: HashMap<Vec<Uuid>, u64> = HashMap::new();
        for seed in 0..trials {
            *counts.entry(fair_order(fans(4), seed)).or_default() += 1;
        }
        assert_eq!(counts.len(), 24);
        let expected = trials as f64 / 24.0;
        let chi_square: f64 = counts
            .values()
            .map(|&seen| (seen as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi_square < 49.7, "chi-square {chi_square}: {counts:?}");
    }

    #[test]
    fn early_joiners_gain_nothing() {
        // The fan with the smallest id (first in the sorted list) lands in
        // each place about equally often.
        let trials = 20_000u64;
        let mut places = [0u64; 10];
        for seed in 0..trials {
            let order = fair_order(fans(10), seed);
            let place = order
                .iter()
                .position(|fan| *fan == Uuid::from_u128(1))
                .unwrap();
            places[place] += 1;
        }
        for (place, &count) in places.iter().enumerate() {
            assert!((1700..2300).contains(&count), "place {place}: {count}");
        }
    }
}
