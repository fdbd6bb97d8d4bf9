//! The calendar feed as an iCalendar file (RFC 5545), for a phone calendar
//! to import or subscribe to: one all-day event per trip, one yearly event
//! per birthday. UIDs are derived from the customer id and the trip (its
//! place in the itinerary and its dates) or "birthday", so importing a new
//! feed updates the events instead of adding copies; `DTSTAMP` is the
//! feed's day, so the same knowledge base and day give the same bytes.

use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

use super::{Feed, FeedBirthday, FeedTrip};
use crate::fold::stable_hash;

/// The domain part of every UID (RFC 5545 recommends one, so UIDs of
/// different programs never meet).
const UID_DOMAIN: &str = "dossier";

/// A UID of one customer's event: the id is hashed so that any character
/// of an id (a path, spaces, Chinese) gives a plain ASCII UID.
fn uid(customer_id: &str, what: &str) -> String {
    format!(
        "{:016x}-{what}@{UID_DOMAIN}",
        stable_hash(customer_id.as_bytes())
    )
}

fn who(name: &str, owner: Option<&str>) -> String {
    match owner {
        Some(owner) => format!("{name} (owner {owner})"),
        None => name.to_string(),
    }
}

fn trip_event(trip: &FeedTrip, stamp: chrono::DateTime<Utc>) -> Event {
    let t = &trip.trip;
    let mut summary = format!("{} · {}", trip.name, t.city);
    if let Some(purpose) = &t.purpose {
        summary.push_str(&format!(" · {purpose}"));
    }
    let description = format!(
        "{}\n{}\n[{}]",
        who(&trip.name, trip.owner.as_deref()),
        t.describe(),
        trip.id
    );
    Event::new()
        .uid(&uid(
            &trip.id,
            &format!(
                "trip{}-{}-{}",
                t.index,
                t.from.format("%Y%m%d"),
                t.to.format("%Y%m%d")
            ),
        ))
        .timestamp(stamp)
        .summary(&summary)
        .description(&description)
        .location(&t.city)
        .starts(t.from)
        // All-day events end the day after their last day (RFC 5545 3.6.1:
        // DTEND is exclusive).
        .ends(t.to + Days::new(1))
        .done()
}

fn birthday_event(birthday: &FeedBirthday, stamp: chrono::DateTime<Utc>) -> Event {
    let b = birthday.birthday;
    // A yearly event starts on a real birthday: the year of birth when
    // known, else 2000 (a leap year, so 29 February exists).
    let first = NaiveDate::from_ymd_opt(b.year.unwrap_or(2000), b.month, b.day)
        .or_else(|| NaiveDate::from_ymd_opt(2000, b.month, b.day))
        .expect("a birthday's month and day exist in 2000");
    let mut summary = format!("{} 生日 birthday", birthday.name);
    if let Some(city) = &birthday.city {
        summary.push_str(&format!(" · {city}"));
    }
    let mut description = format!(
        "{}\n{}",
        who(&birthday.name, birthday.owner.as_deref()),
        birthday.written
    );
    if let Some(year) = b.year {
        description.push_str(&format!(" (born {year})"));
    }
    description.push_str(&format!("\n[{}]", birthday.id));
    Event::new()
        .uid(&uid(&birthday.id, "birthday"))
        .timestamp(stamp)
        .summary(&summary)
        .description(&description)
        .starts(first)
        .ends(first + Days::new(1))
        .add_property("RRULE", rrule(b))
        .add_property("TRANSP", "TRANSPARENT")
        .done()
}

/// Every year on the birthday; a 29 February birthday on the last day of
/// February (28 February in other years, as the agenda lists it: a plain
/// yearly rule would skip three years in four, RFC 5545 3.3.10).
fn rrule(birthday: crate::dates::Birthday) -> &'static str {
    if (birthday.month, birthday.day) == (2, 29) {
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"
    } else {
        "FREQ=YEARLY"
    }
}

/// The feed as iCalendar text (CRLF lines, folded at 75 octets).
pub fn to_ics(feed: &Feed) -> String {
    let stamp = Utc
        .with_ymd_and_hms(
            feed.today.year(),
            feed.today.month(),
            feed.today.day(),
            0,
            0,
            0,
        )
        .single()
        .expect("midnight UTC exists on every day");
    let mut calendar = Calendar::new();
    calendar.name("dossier agenda");
    for trip in &feed.trips {
        calendar.push(trip_event(trip, stamp));
    }
    for birthday in &feed.birthdays {
        calendar.push(birthday_event(birthday, stamp));
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agenda::UpcomingTrip;
    use crate::dates::parse_birthday;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text)
    }

    #[test]
    fn events_have_stable_uids_exclusive_ends_and_a_fixed_stamp() {
        let feed = Feed {
            today: d("2026-12-04"),
            trips: vec![FeedTrip {
                id: "a001".into(),
                name: "王建国".into(),
                owner: Some("刘芳".into()),
                trip: UpcomingTrip {
                    city: "北京".into(),
                    from: d("2026-12-08"),
                    to: d("2026-12-10"),
                    purpose: Some("部里开会".into()),
                    index: 0,
                },
            }],
            birthdays: vec![FeedBirthday {
                id: "a002".into(),
                name: "李红梅".into(),
                owner: None,
                city: None,
                birthday: parse_birthday("12-15").expect("a birthday"),
                written: "12-15".into(),
            }],
            unknown_owner: false,
        };
        let text = to_ics(&feed);
        assert_eq!(text, to_ics(&feed), "the same feed gives the same bytes");
        let lines: Vec<&str> = text.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "DTSTAMP:20261204T000000Z",
            "DTSTART;VALUE=DATE:20261208",
            "DTEND;VALUE=DATE:20261211",
            "DTSTART;VALUE=DATE:20001215",
            "DTEND;VALUE=DATE:20001216",
            "RRULE:FREQ=YEARLY",
            "END:VCALENDAR",
        ] {
            assert!(lines.contains(&expected), "{expected} missing:\n{text}");
        }
        let uids: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("UID:"))
            .copied()
            .collect();
        assert_eq!(
            uids,
            [
                format!("UID:{}", uid("a001", "trip0-20261208-20261210")),
                format!("UID:{}", uid("a002", "birthday"))
            ]
        );
    }
}
