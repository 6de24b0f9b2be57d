//! The adaptive admission rate: additive-increase/multiplicative-decrease
//! on the booking signal, one step per control period. Pure: the admitter
//! feeds it readings and uses the rate it answers.
//!
//! Why AIMD and not a fixed guess: the rate the stack sustains depends on
//! the machine, the mix of reads and writes and the log's length; the
//! controller finds it by raising the rate while the booking commands' p95
//! stays under the target and cutting it the moment it does not, which is
//! how TCP and Netflix's concurrency limits settle on a capacity nobody
//! configured. The cut follows the miss, as in Netflix's gradient limiter:
//! the rate is scaled by target/observed (at most to half, at least by
//! 10 %), so a p95 just past the target trims the rate instead of throwing
//! away a third of a capacity the stack nearly holds (a fixed 30 % cut made
//! the rate swing between the floor and twice its mean). The signal lags
//! admission (an admitted fan books a few seconds later and the signal is
//! read over a window), so after every cut the controller holds for as many
//! periods as the window is long, letting the cut show before judging
//! again.
//!
//! A line that forms after the room stood idle starts at the proven rate
//! (`proven`): the highest rate the stack was seen to sustain, rather than
//! the floor. Ramping from the floor cost a third of an overload run's
//! admissions; the proven rate is a measurement, and a miss lowers it.

use super::proven::ProvenRate;
use super::reading::{Demand, SignalReading};
use crate::pacing::ControlTargets;

/// Fewer booking answers than this in the window say nothing about latency.
pub const MIN_SAMPLES: u64 = 30;
/// The deepest cut, however far the target is missed.
const DEEPEST_CUT: f64 = 0.5;
/// The shallowest cut: a miss always costs at least this much.
const SHALLOWEST_CUT: f64 = 0.9;
/// Growth per period with the p95 unknown or near zero; it shrinks in
/// proportion to the headroom left (at half the target, half of this).
/// Admitted fans reach the booking commands seconds later (when they next
/// poll, then their first steps), so a faster growth runs far past the
/// capacity before the signal shows it: 25 % a second took the rate from
/// 116 to 500 in four seconds of an overload run.
const FAST_GROWTH: f64 = 0.25;
/// Growth per period however close to the target: the rate keeps probing.
const SLOW_GROWTH: f64 = 0.01;
/// The share of the rate that must have been used in the last period for a
/// raise: below it something else binds (the active cap, a short line) and
/// a higher rate would only let a burst through once that frees up.
const USED_SHARE: f64 = 0.8;
/// Periods without anyone waiting after which the room counts as idle and
/// the next line is a new one: long enough that a line emptying for a few
/// seconds mid-window keeps its rate.
pub const IDLE_PERIODS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Verdict {
    /// The target holds and fans wait: the rate rose.
    Raise,
    /// Nobody waits, or a cut is still settling: the rate stayed.
    Hold,
    /// The target was missed: the rate was cut.
    BackOff,
    /// A line formed after the room stood idle: the rate started at the
    /// proven rate.
    WarmStart,
}

#[derive(Debug, Clone)]
pub struct RateController {
    targets: ControlTargets,
    ceiling: f64,
    rate: f64,
    settling: u32,
    settle_periods: u32,
    proven: ProvenRate,
    /// Consecutive periods nobody waited.
    idle_periods: u32,
}

impl RateController {
    /// Starts at `start`, kept within the floor and `ceiling`.
    pub fn new(targets: ControlTargets, ceiling: u32, start: f64, settle_periods: u32) -> Self {
        let mut controller = Self {
            targets,
            ceiling: f64::from(ceiling.max(1)),
            rate: start,
            settling: 0,
            settle_periods,
            proven: ProvenRate::default(),
            idle_periods: 0,
        };
        controller.rate = controller.bounded(start);
        controller
    }

    /// Admissions per second to use now (at least 1).
    pub fn rate(&self) -> u32 {
        self.rate.floor().max(1.0) as u32
    }

    /// The highest rate the stack was seen to sustain, if any.
    pub fn proven(&self) -> Option<f64> {
        self.proven.rate()
    }

    /// Takes over where another admitter left off (a lease hand-over or a
    /// restart keeps what the stack was found to sustain): its rate, its
    /// proven rate, and whether its line was still there (if not, the next
    /// line is a new one).
    pub fn resume(&mut self, rate: f64, proven: Option<f64>, waiting: u64) {
        self.rate = self.bounded(rate);
        self.proven = ProvenRate::resumed(proven.filter(|rate| rate.is_finite() && *rate > 0.0));
        self.idle_periods = if waiting > 0 { 0 } else { IDLE_PERIODS };
    }

    /// One control period: `reading` is the booking signal over the window,
    /// `demand` the line and what was admitted from it.
    pub fn step(&mut self, reading: &SignalReading, demand: Demand) -> Verdict {
        let cut = self
            .asked(reading)
            .map(|share| share.clamp(DEEPEST_CUT, SHALLOWEST_CUT));
        let binding =
            demand.waiting > 0 && demand.admitted_per_second >= USED_SHARE * self.rate.floor();
        self.proven.observe(
            demand.admitted_per_second,
            cut,
            reading.samples >= MIN_SAMPLES,
            binding,
        );
        if demand.waiting == 0 {
            self.idle_periods = self.idle_periods.saturating_add(1);
        } else if std::mem::take(&mut self.idle_periods) >= IDLE_PERIODS {
            // A new line: whatever rate the last one left (raised on no
            // evidence once it thinned out, or cut by its tail) says
            // nothing about this one.
            self.settling = 0;
            match self.proven.rate() {
                Some(proven) => {
                    self.rate = self.bounded(proven);
                    return Verdict::WarmStart;
                }
                None => self.rate = self.bounded(0.0),
            }
        }
        if self.settling > 0 {
            self.settling -= 1;
            return Verdict::Hold;
        }
        if let Some(cut) = cut {
            self.rate = self.bounded(self.rate * cut);
            self.settling = self.settle_periods;
            return Verdict::BackOff;
        }
        let target = self.targets.p95_ms as f64;
        let p95 = reading
            .p95_ms
            .filter(|_| reading.samples >= MIN_SAMPLES)
            .map(|p95| p95 as f64);
        let unused = demand.admitted_per_second < USED_SHARE * self.rate.floor();
        if demand.waiting == 0 || unused || self.rate >= self.ceiling {
            // Raising a rate nobody uses would claim a capacity never seen.
            return Verdict::Hold;
        }
        if p95.is_none() {
            // Too few answers to judge. Commands under way but unanswered
            // mean a stalling stack, not an idle one (an overload run raised
            // 49 to 251 in such seconds); a handful of slow answers is no
            // evidence for more either (another raised 30 to 251 on answers
            // taking 4.9 s).
            let stalling = reading.in_flight >= MIN_SAMPLES as f64;
            let slow = reading.p95_ms.is_some_and(|thin| thin as f64 > target);
            if stalling || slow {
                return Verdict::Hold;
            }
        }
        let headroom = p95.map_or(1.0, |p95| 1.0 - p95 / target);
        let growth = (FAST_GROWTH * headroom).max(SLOW_GROWTH);
        let mut raised = self.rate * (1.0 + growth) + 1.0;
        if let (None, Some(proven)) = (p95, self.proven.rate()) {
            // Without answers to judge, no further than the stack has
            // proven: a warm start raised from 91 to 181 in the seconds
            // before its first answers, and the p95 reached 3.5 s.
            if self.rate >= proven {
                return Verdict::Hold;
            }
            raised = raised.min(proven);
        }
        self.rate = self.bounded(raised);
        Verdict::Raise
    }

    /// The share of the rate the signals ask for when one is over its
    /// target (target/observed, the worst one), `None` when all hold.
    fn asked(&self, reading: &SignalReading) -> Option<f64> {
        let target = self.targets.p95_ms as f64;
        let p95 = reading
            .p95_ms
            .filter(|_| reading.samples >= MIN_SAMPLES)
            .map(|p95| p95 as f64);
        [
            p95.map(|p95| (target, p95)),
            Some((f64::from(self.targets.in_flight), reading.in_flight)),
            reading
                .lag_records
                .map(|lag| (self.targets.lag_records as f64, lag)),
        ]
        .into_iter()
        .flatten()
        .filter(|&(target, observed)| observed > target)
        .map(|(target, observed)| target / observed)
        .reduce(f64::min)
    }

    fn bounded(&self, rate: f64) -> f64 {
        let floor = f64::from(self.targets.floor_per_second.max(1)).min(self.ceiling);
        if rate.is_finite() {
            rate.clamp(floor, self.ceiling)
        } else {
            floor
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::PROVING_PERIODS;

    fn targets() -> ControlTargets {
        ControlTargets {
            p95_ms: 250,
            in_flight: 400,
            lag_records: 5000,
            floor_per_second: 5,
        }
    }

    fn reading(p95_ms: u64) -> SignalReading {
        SignalReading {
            samples: 100,
            p95_ms: Some(p95_ms),
            in_flight: 10.0,
            lag_records: Some(20.0),
        }
    }

    /// A line of `waiting` fans that took every admission offered.
    fn used(controller: &RateController, waiting: u64) -> Demand {
        Demand {
            waiting,
            admitted_per_second: f64::from(controller.rate()),
        }
    }

    fn quiet() -> SignalReading {
        SignalReading {
            samples: 0,
            p95_ms: None,
            in_flight: 0.0,
            lag_records: None,
        }
    }

    #[test]
    fn given_fans_waiting_and_a_fast_stack_the_rate_rises_fast() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        assert_eq!(
            controller.step(&reading(20), used(&controller, 1000)),
            Verdict::Raise
        );
        assert_eq!(controller.rate(), 7, "5 * (1 + 0.25 * 0.92) + 1");
        assert_eq!(
            controller.step(&quiet(), used(&controller, 1000)),
            Verdict::Raise,
            "no samples yet"
        );
    }

    #[test]
    fn the_nearer_the_target_the_slower_it_rises() {
        let mut controller = RateController::new(targets(), 500, 100.0, 3);
        assert_eq!(
            controller.step(&reading(125), used(&controller, 1000)),
            Verdict::Raise
        );
        assert_eq!(controller.rate(), 113, "100 * (1 + 0.25 * 0.5) + 1");
        let mut controller = RateController::new(targets(), 500, 100.0, 3);
        controller.step(&reading(245), used(&controller, 1000));
        assert_eq!(controller.rate(), 102, "at least 1 %: 100 * 1.01 + 1");
    }

    #[test]
    fn over_the_target_it_backs_off_and_lets_the_cut_settle() {
        let mut controller = RateController::new(targets(), 500, 100.0, 3);
        assert_eq!(
            controller.step(&reading(750), used(&controller, 1000)),
            Verdict::BackOff
        );
        assert_eq!(
            controller.rate(),
            50,
            "three times the target: the deepest cut, half"
        );
        for _ in 0..3 {
            assert_eq!(
                controller.step(&reading(750), used(&controller, 1000)),
                Verdict::Hold
            );
        }
        assert_eq!(
            controller.step(&reading(750), used(&controller, 1000)),
            Verdict::BackOff
        );
        assert_eq!(controller.rate(), 25);
    }

    #[test]
    fn the_cut_follows_how_far_the_target_was_missed() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        assert_eq!(
            controller.step(&reading(300), used(&controller, 1000)),
            Verdict::BackOff
        );
        assert_eq!(controller.rate(), 83, "250/300 of 100");
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        assert_eq!(
            controller.step(&reading(251), used(&controller, 1000)),
            Verdict::BackOff
        );
        assert_eq!(controller.rate(), 90, "a miss costs at least 10 %");
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        assert_eq!(
            controller.step(&reading(250), used(&controller, 1000)),
            Verdict::Raise,
            "at the target holds"
        );
    }

    #[test]
    fn the_worst_signal_decides_the_cut() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let both = SignalReading {
            in_flight: 800.0,
            ..reading(300)
        };
        assert_eq!(
            controller.step(&both, used(&controller, 1000)),
            Verdict::BackOff
        );
        assert_eq!(
            controller.rate(),
            50,
            "in flight at twice its target asks for half"
        );
    }

    #[test]
    fn too_many_commands_in_flight_backs_off_whatever_the_latency() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let crowded = SignalReading {
            in_flight: 401.0,
            ..reading(10)
        };
        assert_eq!(
            controller.step(&crowded, used(&controller, 1000)),
            Verdict::BackOff
        );
    }

    #[test]
    fn a_projector_falling_behind_backs_off_whatever_the_latency() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let behind = SignalReading {
            lag_records: Some(5001.0),
            ..reading(10)
        };
        assert_eq!(
            controller.step(&behind, used(&controller, 1000)),
            Verdict::BackOff
        );
    }

    #[test]
    fn a_handful_of_answers_holds_when_slow_and_raises_when_fast() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let slow = SignalReading {
            samples: MIN_SAMPLES - 1,
            ..reading(5000)
        };
        assert_eq!(
            controller.step(&slow, used(&controller, 1000)),
            Verdict::Hold,
            "not a cut, not a raise"
        );
        let fast = SignalReading {
            samples: MIN_SAMPLES - 1,
            ..reading(20)
        };
        assert_eq!(
            controller.step(&fast, used(&controller, 1000)),
            Verdict::Raise
        );
    }

    #[test]
    fn commands_in_flight_but_not_answered_hold_the_rate() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let stalled = SignalReading {
            in_flight: MIN_SAMPLES as f64,
            ..quiet()
        };
        assert_eq!(
            controller.step(&stalled, used(&controller, 1000)),
            Verdict::Hold
        );
        assert_eq!(controller.rate(), 100);
    }

    #[test]
    fn a_rate_the_line_does_not_use_is_not_raised() {
        let mut controller = RateController::new(targets(), 500, 100.0, 0);
        let capped = Demand {
            waiting: 1000,
            admitted_per_second: 60.0,
        };
        assert_eq!(controller.step(&reading(10), capped), Verdict::Hold);
        assert_eq!(controller.rate(), 100);
        let taken = Demand {
            waiting: 1000,
            admitted_per_second: 80.0,
        };
        assert_eq!(controller.step(&reading(10), taken), Verdict::Raise);
    }

    #[test]
    fn without_fans_waiting_the_rate_stays() {
        let mut controller = RateController::new(targets(), 500, 40.0, 0);
        assert_eq!(
            controller.step(&reading(10), used(&controller, 0)),
            Verdict::Hold
        );
        assert_eq!(controller.rate(), 40);
    }

    #[test]
    fn the_rate_stays_between_the_floor_and_the_ceiling() {
        let mut controller = RateController::new(targets(), 60, 5.0, 0);
        for _ in 0..50 {
            controller.step(&reading(10), used(&controller, 1000));
        }
        assert_eq!(controller.rate(), 60);
        for _ in 0..50 {
            controller.step(&reading(5000), used(&controller, 1000));
        }
        assert_eq!(controller.rate(), 5);
        controller.resume(f64::NAN, None, 0);
        assert_eq!(controller.rate(), 5);
        controller.resume(1e9, None, 0);
        assert_eq!(controller.rate(), 60);
    }

    #[test]
    fn it_settles_near_the_capacity_of_a_simulated_stack() {
        // A stack whose p95 passes the target past 120 admissions a second.
        let capacity = 120.0;
        let mut controller = RateController::new(targets(), 500, 5.0, 0);
        let mut rates = Vec::new();
        for _ in 0..200 {
            let rate = f64::from(controller.rate());
            let p95 = if rate > capacity { 900 } else { 40 };
            controller.step(&reading(p95), used(&controller, 10_000));
            rates.push(f64::from(controller.rate()));
        }
        let late = &rates[100..];
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        assert!(
            (0.6 * capacity..=capacity * 1.1).contains(&mean),
            "mean rate {mean}"
        );
        assert!(late.iter().all(|&rate| rate <= capacity * 1.3), "{late:?}");
    }

    #[test]
    fn on_a_smooth_latency_curve_it_holds_most_of_what_the_target_allows() {
        // A stack whose p95 climbs as it nears saturation (40 ms idle,
        // 40 / (1 - rate/150)), read three periods late as the real signal
        // is. The target (250 ms) allows 126 admissions a second.
        let allowed = 150.0 * (1.0 - 40.0 / 250.0);
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        let mut past = std::collections::VecDeque::from([5.0; 3]);
        let mut rates = Vec::new();
        for _ in 0..300 {
            let seen = past.pop_front().unwrap();
            let load: f64 = seen / 150.0;
            let p95 = if load < 0.99 {
                40.0 / (1.0 - load)
            } else {
                4000.0
            };
            controller.step(&reading(p95.round() as u64), used(&controller, 10_000));
            let rate = f64::from(controller.rate());
            past.push_back(rate);
            rates.push(rate);
        }
        let late = &rates[100..];
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        assert!(
            mean >= 0.8 * allowed,
            "mean rate {mean} of {allowed} allowed"
        );
        assert!(
            mean <= 1.1 * allowed,
            "mean rate {mean} of {allowed} allowed"
        );
    }

    fn idle(controller: &mut RateController, periods: u32) {
        for _ in 0..periods {
            controller.step(&quiet(), used(controller, 0));
        }
    }

    /// Runs `periods` periods of a line taking `admitted` a second at a
    /// p95 of `p95_ms`.
    fn busy(controller: &mut RateController, admitted: f64, p95_ms: u64, periods: usize) {
        for _ in 0..periods {
            let demand = Demand {
                waiting: 1000,
                admitted_per_second: admitted,
            };
            controller.step(&reading(p95_ms), demand);
        }
    }

    #[test]
    fn a_line_after_an_idle_spell_starts_at_the_proven_rate() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        busy(&mut controller, 90.0, 100, PROVING_PERIODS);
        assert_eq!(controller.proven(), Some(90.0));
        idle(&mut controller, IDLE_PERIODS);
        controller.resume(5.0, controller.proven(), 0);
        assert_eq!(
            controller.step(&quiet(), used(&controller, 1000)),
            Verdict::WarmStart
        );
        assert_eq!(controller.rate(), 90);
    }

    #[test]
    fn a_line_that_empties_briefly_keeps_its_rate() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        busy(&mut controller, 90.0, 100, PROVING_PERIODS);
        controller.resume(40.0, controller.proven(), 1000);
        idle(&mut controller, IDLE_PERIODS - 1);
        assert_ne!(
            controller.step(&reading(100), used(&controller, 1000)),
            Verdict::WarmStart
        );
        assert!(controller.rate() < 90, "{}", controller.rate());
    }

    #[test]
    fn without_a_proven_rate_a_new_line_starts_at_the_floor() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        controller.resume(140.0, None, 0);
        assert_eq!(
            controller.step(&reading(20), used(&controller, 1000)),
            Verdict::Raise,
            "a cold start ramps from the floor"
        );
        assert_eq!(controller.rate(), 7, "5 * (1 + 0.25 * 0.92) + 1");
    }

    #[test]
    fn without_answers_to_judge_it_rises_no_further_than_proven() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        controller.resume(5.0, Some(90.0), 0);
        assert_eq!(
            controller.step(&quiet(), used(&controller, 1000)),
            Verdict::WarmStart
        );
        for _ in 0..5 {
            assert_eq!(
                controller.step(&quiet(), used(&controller, 1000)),
                Verdict::Hold
            );
        }
        assert_eq!(controller.rate(), 90);
        assert_eq!(
            controller.step(&reading(20), used(&controller, 1000)),
            Verdict::Raise,
            "answers that hold the target lift it past"
        );
        assert!(controller.rate() > 90);
        let mut below = RateController::new(targets(), 500, 5.0, 3);
        below.resume(80.0, Some(90.0), 1000);
        below.step(&quiet(), used(&below, 1000));
        assert_eq!(below.rate(), 90, "capped at the proven rate");
    }

    #[test]
    fn a_new_leader_mid_line_keeps_the_rate_it_takes_over() {
        let mut controller = RateController::new(targets(), 500, 5.0, 3);
        controller.resume(70.0, Some(120.0), 800);
        assert_eq!(
            controller.step(&reading(100), used(&controller, 800)),
            Verdict::Raise
        );
        assert!(controller.rate() < 120, "{}", controller.rate());
    }
}
