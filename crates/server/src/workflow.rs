//! A small state machine for review workflows: the states a record moves through, the events
//! that move it, and which party may fire each event in each state. Filings and risk
//! assessment reports use it (`filing.rs`); rectification orders can reuse it with their own
//! states, events and parties.
//!
//! The machine is data (a table of transitions), so the rules of a workflow read in one place
//! and the page can ask which events a party may fire now.

use std::fmt::Debug;

/// One allowed move: in state `from`, party `by` may fire `event`, which leads to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition<S, E, P> {
    pub from: S,
    pub event: E,
    pub to: S,
    pub by: P,
}

/// A transition, written as a row of a workflow's table: `step(from, event, to, by)`.
pub const fn step<S, E, P>(from: S, event: E, to: S, by: P) -> Transition<S, E, P> {
    Transition {
        from,
        event,
        to,
        by,
    }
}

/// Why an event was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No transition fires this event from the current state, whoever asks.
    NotNow,
    /// The event is allowed now, but only to another party.
    WrongParty,
}

/// A workflow: a fixed table of transitions.
#[derive(Clone, Copy, Debug)]
pub struct StateMachine<S: 'static, E: 'static, P: 'static> {
    pub transitions: &'static [Transition<S, E, P>],
}

impl<S, E, P> StateMachine<S, E, P>
where
    S: Copy + PartialEq + Debug,
    E: Copy + PartialEq + Debug,
    P: Copy + PartialEq + Debug,
{
    /// The state `event` fired by `party` leads to from `from`, or why it may not.
    pub fn fire(&self, from: S, event: E, party: P) -> Result<S, Refusal> {
        let mut candidates = self
            .transitions
            .iter()
            .filter(|t| t.from == from && t.event == event)
            .peekable();
        if candidates.peek().is_none() {
            return Err(Refusal::NotNow);
        }
        candidates
            .find(|t| t.by == party)
            .map(|t| t.to)
            .ok_or(Refusal::WrongParty)
    }

    /// The events `party` may fire in state `from`, in table order.
    pub fn events_for(&self, from: S, party: P) -> Vec<E> {
        self.transitions
            .iter()
            .filter(|t| t.from == from && t.by == party)
            .map(|t| t.event)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Door {
        Closed,
        Open,
        Locked,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Act {
        Open,
        Close,
        Lock,
        Unlock,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Who {
        Anyone,
        Keeper,
    }

    const DOOR: StateMachine<Door, Act, Who> = StateMachine {
        transitions: &[
            Transition {
                from: Door::Closed,
                event: Act::Open,
                to: Door::Open,
                by: Who::Anyone,
            },
            Transition {
                from: Door::Open,
                event: Act::Close,
                to: Door::Closed,
                by: Who::Anyone,
            },
            Transition {
                from: Door::Closed,
                event: Act::Lock,
                to: Door::Locked,
                by: Who::Keeper,
            },
            Transition {
                from: Door::Locked,
                event: Act::Unlock,
                to: Door::Closed,
                by: Who::Keeper,
            },
        ],
    };

    #[test]
    fn allowed_events_lead_to_their_state() {
        assert_eq!(
            DOOR.fire(Door::Closed, Act::Open, Who::Anyone),
            Ok(Door::Open)
        );
        assert_eq!(
            DOOR.fire(Door::Closed, Act::Lock, Who::Keeper),
            Ok(Door::Locked)
        );
        assert_eq!(
            DOOR.fire(Door::Locked, Act::Unlock, Who::Keeper),
            Ok(Door::Closed)
        );
    }

    #[test]
    fn refusals_tell_wrong_state_from_wrong_party() {
        assert_eq!(
            DOOR.fire(Door::Open, Act::Lock, Who::Keeper),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            DOOR.fire(Door::Locked, Act::Open, Who::Anyone),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            DOOR.fire(Door::Closed, Act::Lock, Who::Anyone),
            Err(Refusal::WrongParty)
        );
    }

    #[test]
    fn events_for_lists_only_the_partys_moves() {
        assert_eq!(DOOR.events_for(Door::Closed, Who::Anyone), vec![Act::Open]);
        assert_eq!(DOOR.events_for(Door::Closed, Who::Keeper), vec![Act::Lock]);
        assert!(DOOR.events_for(Door::Locked, Who::Anyone).is_empty());
    }
}
