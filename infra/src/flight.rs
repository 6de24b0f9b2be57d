//! Single flight: concurrent loads of one key inside this process share one
//! run. Callers that arrive while a load is running wait for its result;
//! one that arrives after it finished starts a new one (a finished flight
//! may predate a change the caller must see).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

pub struct SingleFlight<T> {
    flights: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

/// What a caller got: the result, and whether it waited on someone else's run.
pub struct Landed<T> {
    pub value: T,
    pub joined: bool,
}

impl<T: Clone> SingleFlight<T> {
    /// Runs `load` unless a run for `key` is in flight, then shares its
    /// result. If the running caller is cancelled, a waiter runs its own
    /// `load` in its place.
    pub async fn run<F, Fut>(&self, key: &str, load: F) -> Landed<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let (cell, joined) = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            match flights.get(key) {
                Some(cell) if !cell.initialized() => (cell.clone(), true),
                _ => {
                    let cell = Arc::new(OnceCell::new());
                    flights.insert(key.to_owned(), cell.clone());
                    (cell, false)
                }
            }
        };
        let value = cell.get_or_init(load).await.clone();
        let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            flights.remove(key);
        }
        Landed { value, joined }
    }

    /// Whether a run for `key` is in flight.
    pub fn in_flight(&self, key: &str) -> bool {
        let flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        flights.get(key).is_some_and(|cell| !cell.initialized())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_run_and_later_ones_start_another() {
        let flight = Arc::new(SingleFlight::<usize>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let calls = (0..50).map(|_| {
            let (flight, runs) = (flight.clone(), runs.clone());
            tokio::spawn(async move {
                flight
                    .run("k", || async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        runs.fetch_add(1, Ordering::SeqCst) + 1
                    })
                    .await
            })
        });
        let landed = futures::future::join_all(calls).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(
            landed.iter().filter(|l| l.as_ref().unwrap().joined).count(),
            49
        );
        assert!(landed.iter().all(|l| l.as_ref().unwrap().value == 1));
        assert!(!flight.in_flight("k"));

        let again = flight.run("k", || async { 2 }).await;
        assert_eq!((again.value, again.joined), (2, false));
    }
}
