/// An aggregate as a pair of pure functions.
///
/// The state type is the decider itself, so `SeatInventory::decide(cmd,
/// &inventory)` and `inventory.evolve(&event)` read like the business.
pub trait Decider: Default + Sized {
    type Command;
    type Event;

    /// What the command makes true, or why it is refused. Never mutates.
    fn decide(command: Self::Command, state: &Self)
        -> Result<Vec<Self::Event>, crate::DomainError>;

    /// Folds one event in. Total: events are facts, so evolve never refuses.
    fn evolve(self, event: &Self::Event) -> Self;

    /// The state after all `events`, starting from nothing.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        events.into_iter().fold(Self::default(), Self::evolve)
    }
}
