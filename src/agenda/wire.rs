//! `agenda --json`: the shape the contract fixes, used by the command and
//! by the HTTP API (`/api/agenda`) alike. Serialize-only views of an
//! `Agenda`; nothing here computes.

use serde::Serialize;

use super::{Agenda, Attention, Item};

/// `{"from", "to", "items", "attention"}`.
#[derive(Debug, Serialize)]
pub struct AgendaOutput<'a> {
    /// First day covered, `YYYY-MM-DD`.
    pub from: String,
    /// Last day covered.
    pub to: String,
    /// Birthdays and trips, soonest first.
    pub items: Vec<WireItem<'a>>,
    /// Customers who need attention.
    pub attention: Vec<WireAttention<'a>>,
}

/// One item: `{"date", "kind", "id", "name", "owner", "detail"}`.
#[derive(Debug, Serialize)]
pub struct WireItem<'a> {
    pub date: String,
    pub kind: &'static str,
    pub id: &'a str,
    pub name: &'a str,
    pub owner: Option<&'a str>,
    pub detail: String,
}

/// One customer who needs attention: `{"id", "name", "owner",
/// "last_contact", "days"}` (`last_contact` and `days` null when never).
#[derive(Debug, Serialize)]
pub struct WireAttention<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub owner: Option<&'a str>,
    pub last_contact: Option<String>,
    pub days: Option<i64>,
}

fn item(item: &Item) -> WireItem<'_> {
    WireItem {
        date: item.date.to_string(),
        kind: item.event.kind(),
        id: &item.id,
        name: &item.name,
        owner: item.owner.as_deref(),
        detail: item.event.detail(),
    }
}

fn attention(attention: &Attention) -> WireAttention<'_> {
    WireAttention {
        id: &attention.id,
        name: &attention.name,
        owner: attention.owner.as_deref(),
        last_contact: attention.last_contact.map(|day| day.to_string()),
        days: attention.days,
    }
}

/// The JSON view of an agenda.
pub fn output(agenda: &Agenda) -> AgendaOutput<'_> {
    AgendaOutput {
        from: agenda.from.to_string(),
        to: agenda.to.to_string(),
        items: agenda.items.iter().map(item).collect(),
        attention: agenda.attention.iter().map(attention).collect(),
    }
}
