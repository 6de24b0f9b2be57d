//! The proven rate: the highest admission rate the stack was seen to
//! sustain, admitted for `PROVING_PERIODS` periods in a row while every
//! signal held its target (with enough answers to judge). A miss while
//! the rate binds lowers it to what the cut asks of the rate admitted
//! meanwhile, so a stack that got slower (a longer log, a busier machine)
//! does not keep a figure it no longer earns. Pure, like the controller that owns it.

use std::collections::VecDeque;

/// Periods in a row that prove a rate: the signal window plus the seconds
/// between an admission and that fan's first booking command, so the
/// answers judged are those of the fans admitted at that rate.
pub const PROVING_PERIODS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct ProvenRate {
    /// Admissions per second of the last periods, the newest last.
    recent: VecDeque<f64>,
    /// How many of the newest `recent` periods held the target in a row.
    held_in_a_row: usize,
    proven: Option<f64>,
}

impl ProvenRate {
    /// Starts from a rate filed by an earlier admitter.
    pub fn resumed(proven: Option<f64>) -> Self {
        Self {
            proven,
            ..Self::default()
        }
    }

    pub fn rate(&self) -> Option<f64> {
        self.proven
    }

    /// One period: `admitted` per second, the cut the signals asked for if
    /// one missed its target, whether there were enough answers to tell, and
    /// whether the rate bound the admissions (a line used it).
    pub fn observe(&mut self, admitted: f64, missed: Option<f64>, evidenced: bool, binding: bool) {
        if self.recent.len() == PROVING_PERIODS {
            self.recent.pop_front();
        }
        self.recent.push_back(admitted.max(0.0));
        match missed {
            Some(cut) => {
                self.held_in_a_row = 0;
                // Only a miss while the rate bound disproves: at the tail of
                // a line, admitting what is left, the signal still shows the
                // fans admitted before (two overload runs' tails ratcheted
                // the proof down to 10 and to 0).
                if binding {
                    let mean = self.recent.iter().sum::<f64>() / self.recent.len() as f64;
                    self.proven = self.proven.map(|proven| proven.min(mean * cut));
                }
            }
            None if evidenced => {
                self.held_in_a_row = (self.held_in_a_row + 1).min(PROVING_PERIODS);
                if self.held_in_a_row == PROVING_PERIODS {
                    let sustained = self.recent.iter().copied().fold(f64::INFINITY, f64::min);
                    if sustained > 0.0 {
                        self.proven = Some(self.proven.map_or(sustained, |p| p.max(sustained)));
                    }
                }
            }
            None => self.held_in_a_row = 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(proven: &mut ProvenRate, admitted: f64, periods: usize) {
        for _ in 0..periods {
            proven.observe(admitted, None, true, true);
        }
    }

    #[test]
    fn a_rate_held_for_the_proving_periods_is_proven() {
        let mut proven = ProvenRate::default();
        held(&mut proven, 80.0, PROVING_PERIODS - 1);
        assert_eq!(proven.rate(), None, "not long enough");
        held(&mut proven, 80.0, 1);
        assert_eq!(proven.rate(), Some(80.0));
    }

    #[test]
    fn a_rising_rate_proves_the_lowest_of_its_periods() {
        let mut proven = ProvenRate::default();
        for admitted in [50.0, 60.0, 70.0, 80.0, 90.0] {
            proven.observe(admitted, None, true, true);
        }
        assert_eq!(proven.rate(), Some(50.0));
        proven.observe(100.0, None, true, true);
        assert_eq!(proven.rate(), Some(60.0));
    }

    #[test]
    fn periods_without_evidence_prove_nothing() {
        let mut proven = ProvenRate::default();
        for period in 0..20 {
            proven.observe(100.0, None, period % 4 != 0, true);
        }
        assert_eq!(proven.rate(), None, "never five judged periods in a row");
    }

    #[test]
    fn a_lower_rate_held_later_keeps_the_higher_proof() {
        let mut proven = ProvenRate::default();
        held(&mut proven, 120.0, PROVING_PERIODS);
        held(&mut proven, 40.0, PROVING_PERIODS);
        assert_eq!(proven.rate(), Some(120.0));
    }

    #[test]
    fn a_miss_lowers_the_proof_to_the_cut_of_what_was_admitted() {
        let mut proven = ProvenRate::resumed(Some(120.0));
        held(&mut proven, 100.0, PROVING_PERIODS - 1);
        proven.observe(100.0, Some(0.5), true, true);
        assert_eq!(proven.rate(), Some(50.0), "mean 100, cut to half");
        let mut proven = ProvenRate::resumed(Some(40.0));
        proven.observe(100.0, Some(0.5), true, true);
        assert_eq!(proven.rate(), Some(40.0), "never raised by a miss");
        let mut tail = ProvenRate::resumed(Some(100.0));
        for admitted in [90.0, 60.0, 30.0, 10.0, 0.0] {
            tail.observe(admitted, Some(0.5), true, false);
        }
        assert_eq!(
            tail.rate(),
            Some(100.0),
            "misses at a line's tail, the rate not binding, say nothing of it"
        );
        let mut unknown = ProvenRate::default();
        unknown.observe(100.0, Some(0.5), true, true);
        assert_eq!(unknown.rate(), None);
    }

    #[test]
    fn a_miss_restarts_the_proof() {
        let mut proven = ProvenRate::default();
        held(&mut proven, 100.0, PROVING_PERIODS - 1);
        proven.observe(100.0, Some(0.9), true, true);
        held(&mut proven, 100.0, PROVING_PERIODS - 1);
        assert_eq!(proven.rate(), None);
        held(&mut proven, 100.0, 1);
        assert_eq!(proven.rate(), Some(100.0));
    }

    #[test]
    fn an_idle_line_proves_nothing() {
        let mut proven = ProvenRate::default();
        held(&mut proven, 0.0, 3 * PROVING_PERIODS);
        assert_eq!(proven.rate(), None);
    }
}
