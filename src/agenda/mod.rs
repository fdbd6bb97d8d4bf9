//! The agenda: what is coming up from `--today` (birthdays, trips that
//! start or are under way) and the dossiers that need attention (no note
//! and no `updated` within 60 days), soonest first. Selection reads only
//! the index's fast fields (`scan`); what is listed of a customer or a trip
//! is read from a fast field too (`head`), and a stored record only where
//! that has none. The calendar rules here (next birthday,
//! last contact, needs attention, a trip's dates) are the ones `show`'s
//! brief uses too, so the two never disagree. `ics` writes the same
//! events as an iCalendar file.

pub mod head;
mod ics;
mod scan;
pub mod wire;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Map, Value};
use tantivy::DocAddress;
use tantivy::query::Query as TantivyQuery;

use crate::dates::{Birthday, parse_birthday};
use crate::document::trip_city;
use crate::error::{Error, Result};
use crate::index::{Location, ReadIndex};
use crate::search::{Trip, describe_trip, grams_query};

pub use ics::to_ics;

/// Days an agenda covers when none are asked for.
pub const DEFAULT_DAYS: u32 = 14;
/// Most days an agenda covers: a year (a leap one), so every birthday
/// falls in it once at most.
pub const MAX_DAYS: u32 = 366;
/// A customer nobody has written a note about, nor updated, for more than
/// this many days needs attention (the handbooks review dossiers every two
/// months).
pub const ATTENTION_DAYS: i64 = 60;

/// Whom an agenda is for. `visible` and `may_see_birthday` are how a
/// reader's view (a team file) narrows it: customers the reader may not see
/// never appear, and a birthday they may not see is no item.
pub struct AgendaOptions {
    /// Days covered, from today: 1 to `MAX_DAYS`.
    pub days: u32,
    /// Only the customers of this owner (folded, as `owner:` matches).
    pub owner: Option<String>,
    /// Only the customers whose profile document matches this query.
    pub visible: Option<Box<dyn TantivyQuery>>,
    /// Whether the reader may see a customer's birthday; all when `None`.
    pub may_see_birthday: Option<MaySee>,
}

/// A predicate on a customer (whether a reader may see one of its private
/// fields, by its owner).
pub type MaySee = Box<dyn Fn(&CustomerHead) -> bool + Send + Sync>;

impl AgendaOptions {
    /// The same options, as `reader` sees the knowledge base: only the
    /// customers they may see (the search engine's visibility clause, as a
    /// query on profiles), and a birthday only where it is not a private
    /// field hidden from them.
    pub fn for_reader(mut self, read: &ReadIndex, reader: &crate::team::Reader) -> Self {
        self.visible = crate::search::visible_profiles(read, reader);
        if !reader.sees_all() {
            let reader = reader.clone();
            self.may_see_birthday = Some(Box::new(move |head: &CustomerHead| {
                !reader.is_private_field("birthday")
                    || reader.may_see_private(head.owner.as_deref())
            }));
        }
        self
    }
}

impl Default for AgendaOptions {
    fn default() -> Self {
        AgendaOptions {
            days: DEFAULT_DAYS,
            owner: None,
            visible: None,
            may_see_birthday: None,
        }
    }
}

/// What is coming up, and who needs attention. Plain data: a watcher's
/// socket carries it as it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Agenda {
    /// First day covered: today.
    #[serde(with = "day")]
    pub from: NaiveDate,
    /// Last day covered.
    #[serde(with = "day")]
    pub to: NaiveDate,
    /// Birthdays and trips, by date, then kind, then customer id.
    pub items: Vec<Item>,
    /// Customers not heard of for more than `ATTENTION_DAYS`: never heard
    /// of first, then the longest silence, then by id.
    pub attention: Vec<Attention>,
    /// An `owner` was given and no customer has it.
    pub unknown_owner: bool,
}

/// One birthday or trip in the agenda.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// The day it is listed on (a trip under way: today).
    #[serde(with = "day")]
    pub date: NaiveDate,
    /// Customer id.
    pub id: String,
    /// Customer name.
    pub name: String,
    /// The customer's owner, if any.
    pub owner: Option<String>,
    /// The birthday or trip.
    pub event: Event,
}

/// What an item is about.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// A birthday on `Item::date`.
    Birthday {
        /// As written in the dossier (`1975-12-15`, `12-15`).
        written: String,
        /// The age turned, when the year is known.
        turns: Option<i32>,
    },
    /// A trip starting on `Item::date`, or under way then.
    Trip(UpcomingTrip),
}

/// A trip that has not ended before today.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UpcomingTrip {
    /// Where to, as written.
    pub city: String,
    /// First day.
    #[serde(with = "day")]
    pub from: NaiveDate,
    /// Last day (the first for a one-day trip).
    #[serde(with = "day")]
    pub to: NaiveDate,
    /// Why, as written.
    pub purpose: Option<String>,
    /// Its place in the customer's `itinerary` (0 for the first).
    pub index: usize,
}

impl UpcomingTrip {
    /// Started before or on today and not over: under way.
    pub fn under_way(&self, today: NaiveDate) -> bool {
        self.from <= today && today <= self.to
    }

    /// `北京 2026-12-08..2026-12-10 部里开会`, as search describes a trip.
    pub fn describe(&self) -> String {
        describe_trip(&Trip {
            city: self.city.clone(),
            from: Some(self.from.to_string()),
            to: Some(self.to.to_string()),
            purpose: self.purpose.clone(),
        })
    }
}

impl Event {
    /// `birthday` or `trip`: the JSON `kind`, and the order of two items
    /// on one day.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Birthday { .. } => "birthday",
            Event::Trip(_) => "trip",
        }
    }

    /// The JSON `detail`: the birthday as written, or the trip as one line.
    pub fn detail(&self) -> String {
        match self {
            Event::Birthday { written, .. } => written.clone(),
            Event::Trip(trip) => trip.describe(),
        }
    }
}

/// A customer that needs attention.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attention {
    /// Customer id.
    pub id: String,
    /// Customer name.
    pub name: String,
    /// The customer's owner, if any.
    pub owner: Option<String>,
    /// The latest of their notes' dates and `updated`; `None` when neither.
    #[serde(with = "maybe_day")]
    pub last_contact: Option<NaiveDate>,
    /// Days since `last_contact`.
    pub days: Option<i64>,
}

impl Agenda {
    /// True when the names listed are mostly Chinese, so labels (今天,
    /// 明天, 周一) are best in Chinese too.
    pub fn is_mostly_chinese(&self) -> bool {
        let names = self
            .items
            .iter()
            .map(|item| item.name.as_str())
            .chain(self.attention.iter().map(|a| a.name.as_str()));
        let (mut chinese, mut total) = (0, 0);
        for name in names {
            total += 1;
            if name.chars().any(crate::fold::is_cjk) {
                chinese += 1;
            }
        }
        total > 0 && chinese * 2 > total
    }
}

/// A date as `YYYY-MM-DD` (serde), for the agenda as the watcher's socket
/// carries it.
mod day {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &NaiveDate, to: S) -> Result<S::Ok, S::Error> {
        // `NaiveDate` displays as YYYY-MM-DD (strftime is much slower).
        to.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(from)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(serde::de::Error::custom)
    }
}

/// `day` for an optional date (`null` when none).
mod maybe_day {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, to: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => super::day::serialize(date, to),
            None => to.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(from)?
            .map(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d"))
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------
// The calendar rules, shared with `show`'s brief.

/// When a birthday next falls, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextBirthday {
    /// The day (29 February falls on 28 February in other years).
    pub date: NaiveDate,
    /// Days from today (0: today).
    pub days: i64,
    /// The age turned, when the year of birth is known.
    pub turns: Option<i32>,
}

/// The next birthday on or after today.
pub fn next_birthday(birthday: Birthday, today: NaiveDate) -> NextBirthday {
    let date = birthday.next_on_or_after(today);
    NextBirthday {
        date,
        days: (date - today).num_days(),
        turns: birthday
            .year
            .map(|year| date.year() - year)
            .filter(|age| *age >= 0),
    }
}

/// The last contact with a customer: the latest of their newest note's
/// date and their `updated`.
pub fn last_contact(
    latest_note: Option<NaiveDate>,
    updated: Option<NaiveDate>,
) -> Option<NaiveDate> {
    latest_note.max(updated)
}

/// Days since the last contact (none: never).
pub fn days_since(last_contact: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    last_contact.map(|day| (today - day).num_days())
}

/// A customer needs attention when nobody has written about them nor
/// updated them for more than `ATTENTION_DAYS`, or ever.
pub fn needs_attention(last_contact: Option<NaiveDate>, today: NaiveDate) -> bool {
    days_since(last_contact, today).is_none_or(|days| days > ATTENTION_DAYS)
}

/// A trip's first and last day, when both can be trusted: every date
/// written is a date, and it does not end before it starts. A trip with
/// one date (`from`, or `date`) lasts that day. `None` otherwise: such a
/// trip is never an item (reading it is reported by `index`).
pub fn trip_days(trip: &Map<String, Value>) -> Option<(NaiveDate, NaiveDate)> {
    // The rule `when:` indexes trips by, so the agenda and a search agree.
    crate::record::trip_days(trip)
}

/// A trip of an itinerary that has not ended before today; `None` for one
/// that has, or whose dates cannot be trusted (`trip_days`), or that names
/// no city.
pub fn upcoming_trip(trip: &Value, index: usize, today: NaiveDate) -> Option<UpcomingTrip> {
    let map = trip.as_object()?;
    let (from, to) = trip_days(map)?;
    if to < today {
        return None;
    }
    Some(UpcomingTrip {
        city: trip_city(map)?.to_string(),
        from,
        to,
        purpose: map
            .get("purpose")
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .map(str::to_string),
        index,
    })
}

/// The trips of a profile's `itinerary` that have not ended before today,
/// soonest first (one under way first of all).
pub fn upcoming_trips(profile: &Map<String, Value>, today: NaiveDate) -> Vec<UpcomingTrip> {
    let mut trips: Vec<UpcomingTrip> = match profile.get("itinerary") {
        Some(Value::Array(trips)) => trips
            .iter()
            .enumerate()
            .filter_map(|(index, trip)| upcoming_trip(trip, index, today))
            .collect(),
        _ => Vec::new(),
    };
    trips.sort_by_key(|trip| (trip.from.max(today), trip.from, trip.index));
    trips
}

// ---------------------------------------------------------------------
// The agenda.

/// Checks `--days` as given: 1 to `MAX_DAYS`.
///
/// Fails with a query error that says the bounds.
pub fn check_days(days: i64) -> Result<u32> {
    match u32::try_from(days) {
        Ok(days) if (1..=MAX_DAYS).contains(&days) => Ok(days),
        _ => Err(Error::query(
            format!("--days {days}"),
            format!("an agenda covers 1 to {MAX_DAYS} days (a year) — pass a number in that range"),
        )),
    }
}

/// The agenda from `today` over `options.days` days.
///
/// Fails with a query error when `days` is out of bounds (`check_days`),
/// and with an index error when the index cannot be read.
pub fn agenda(
    read: &ReadIndex,
    location: &Location,
    today: NaiveDate,
    options: &AgendaOptions,
) -> Result<Agenda> {
    check_days(options.days.into())?;
    let end = today + Days::new(u64::from(options.days) - 1);
    let filters = filters(read, options);
    let scanned = scan::scan(read, location, &filters, today, Some(end))?;
    let unknown_owner = options.owner.is_some() && scanned.customers.is_empty();

    // Birthdays: the day of each month and day in the window, found in a
    // table of at most 366 entries instead of a date computed per customer.
    let mut on_day: BTreeMap<u64, NaiveDate> = BTreeMap::new();
    let mut day = today;
    while day <= end {
        let month_day = u64::from(day.month()) * 100 + u64::from(day.day());
        on_day.entry(month_day).or_insert(day);
        // A 29 February birthday falls on 28 February in other years.
        if month_day == 228 && NaiveDate::from_ymd_opt(day.year(), 2, 29).is_none() {
            on_day.entry(229).or_insert(day);
        }
        day = day + Days::new(1);
    }

    let mut records = Records::new(read, location);
    let mut items = Vec::new();
    let mut listed: Vec<(&scan::Customer, bool, bool)> = Vec::new();
    for customer in scanned.customers.values() {
        let birthday = customer
            .birthday_md
            .is_some_and(|month_day| on_day.contains_key(&month_day));
        let contact = last_contact(customer.latest_note, customer.updated);
        let neglected = needs_attention(contact, today);
        if birthday || neglected {
            listed.push((customer, birthday, neglected));
        }
    }
    // Read in index order: neighbours share the store's compressed blocks.
    listed.sort_by_key(|(customer, _, _)| customer.address);
    let mut wanted: Vec<DocAddress> = listed.iter().map(|(c, _, _)| c.address).collect();
    for trip in &scanned.trips {
        wanted.push(trip.address);
        if let Some(customer) = scanned.customers.get(&trip.customer) {
            wanted.push(customer.address);
        }
    }
    records.preload(&wanted)?;
    let mut attention = Vec::with_capacity(listed.iter().filter(|(_, _, n)| *n).count());
    for (customer, birthday, neglected) in listed {
        let head = records.customer(customer.address)?;
        if birthday
            && options
                .may_see_birthday
                .as_ref()
                .is_none_or(|may| may(&head))
            && let Some(written) = &head.birthday
            && let Some(parsed) = parse_birthday(written)
        {
            let next = next_birthday(parsed, today);
            if next.date <= end {
                items.push(Item {
                    date: next.date,
                    id: head.id.clone(),
                    name: head.name.clone(),
                    owner: head.owner.clone(),
                    event: Event::Birthday {
                        written: written.clone(),
                        turns: next.turns,
                    },
                });
            }
        }
        if neglected {
            let contact = last_contact(customer.latest_note, customer.updated);
            attention.push(Attention {
                id: head.id,
                name: head.name,
                owner: head.owner,
                last_contact: contact,
                days: days_since(contact, today),
            });
        }
    }

    for (customer, upcoming) in records.upcoming_trips(scanned.trips, &scanned.customers, today)? {
        if upcoming.from > end {
            continue;
        }
        let head = records.customer(customer)?;
        items.push(Item {
            date: upcoming.from.max(today),
            id: head.id,
            name: head.name,
            owner: head.owner,
            event: Event::Trip(upcoming),
        });
    }

    // No two items or customers compare equal (an id is one customer's),
    // so an unstable sort gives the one order.
    items.sort_unstable_by(|a, b| {
        (a.date, a.event.kind(), &a.id, trip_index(a)).cmp(&(
            b.date,
            b.event.kind(),
            &b.id,
            trip_index(b),
        ))
    });
    attention.sort_unstable_by(|a, b| {
        // Never heard of first (None < Some), then the oldest contact.
        (a.last_contact, &a.id).cmp(&(b.last_contact, &b.id))
    });
    Ok(Agenda {
        from: today,
        to: end,
        items,
        attention,
        unknown_owner,
    })
}

fn trip_index(item: &Item) -> usize {
    match &item.event {
        Event::Trip(trip) => trip.index,
        Event::Birthday { .. } => 0,
    }
}

/// The queries a customer's profile must match: the owner's, the reader's.
fn filters<'a>(read: &ReadIndex, options: &'a AgendaOptions) -> Vec<scan::Filter<'a>> {
    let mut filters = Vec::new();
    if let Some(owner) = &options.owner {
        filters.push(match grams_query(read.fields.owner_grams, owner) {
            Some(query) => scan::Filter::Owned(query),
            None => scan::Filter::Nothing,
        });
    }
    if let Some(visible) = &options.visible {
        filters.push(scan::Filter::Borrowed(visible.as_ref()));
    }
    filters
}

/// What the agenda shows of a customer: a few fields of its stored record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomerHead {
    /// Customer id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its owner, if any.
    pub owner: Option<String>,
    /// Its birthday as written, if any.
    pub birthday: Option<String>,
    /// Its home city as written, if any.
    pub city: Option<String>,
}

/// What the agenda lists of customers and trips: from the `head` fast
/// field when `preload` found it there, else from the stored record.
struct Records<'a> {
    read: &'a ReadIndex,
    location: &'a Location,
    heads: head::Heads,
}

impl<'a> Records<'a> {
    fn new(read: &'a ReadIndex, location: &'a Location) -> Self {
        Records {
            read,
            location,
            heads: head::Heads::default(),
        }
    }

    /// Reads the heads of these documents in one pass (`head::read`).
    fn preload(&mut self, addresses: &[DocAddress]) -> Result<()> {
        self.heads = head::read(self.read, self.location, addresses)?;
        Ok(())
    }

    /// Decoded each time it is asked for: a customer is asked for once, or
    /// once more per trip, and decoding costs less than keeping copies.
    fn customer(&self, address: DocAddress) -> Result<CustomerHead> {
        match self.heads.get(&address).and_then(head::decode_customer) {
            Some(head) => Ok(head),
            None => self.stored_customer(address),
        }
    }

    /// A customer's head from its stored record, as `head::encode_customer`
    /// makes it at index time.
    fn stored_customer(&self, address: DocAddress) -> Result<CustomerHead> {
        let stored = self.read.record(self.location, address)?;
        let fields = &stored.fields;
        Ok(CustomerHead {
            name: head::plain_text(fields.get("name")).unwrap_or_default(),
            owner: head::plain_text(fields.get("owner")),
            birthday: head::plain_text(fields.get("birthday")),
            city: head::plain_text(fields.get("city")),
            id: stored.id,
        })
    }

    /// The scan's trips of these customers that are not over before
    /// `today`, in document order, each with its customer's profile. The
    /// stored trip is read again with the same rules as `show`: a reversed
    /// or unreadable date makes it no trip, whatever the index holds for it.
    fn upcoming_trips(
        &self,
        mut found: Vec<scan::TripDoc>,
        customers: &rustc_hash::FxHashMap<u64, scan::Customer>,
        today: NaiveDate,
    ) -> Result<Vec<(DocAddress, UpcomingTrip)>> {
        found.sort_by_key(|trip| trip.address);
        let mut upcoming = Vec::new();
        for trip in found {
            let Some(customer) = customers.get(&trip.customer) else {
                continue;
            };
            let stored = self.trip(trip.address)?;
            let index = stored.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
            if let Some(found) = upcoming_trip(&Value::Object(stored), index, today) {
                upcoming.push((customer.address, found));
            }
        }
        Ok(upcoming)
    }

    /// A trip as stored (the trip and its `index`).
    fn trip(&self, address: DocAddress) -> Result<Map<String, Value>> {
        if let Some(trip) = self
            .heads
            .get(&address)
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
        {
            return Ok(trip);
        }
        Ok(self.read.record(self.location, address)?.fields)
    }
}

// ---------------------------------------------------------------------
// The calendar feed.

/// Every event a calendar feed holds: each trip that has not ended before
/// today and each birthday (a yearly event), whatever the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The day the feed was made for (its `DTSTAMP`).
    pub today: NaiveDate,
    /// Trips, by customer id then their place in the itinerary.
    pub trips: Vec<FeedTrip>,
    /// Birthdays, by customer id.
    pub birthdays: Vec<FeedBirthday>,
    /// An `owner` was given and no customer has it.
    pub unknown_owner: bool,
}

/// One trip of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedTrip {
    /// Customer id.
    pub id: String,
    /// Customer name.
    pub name: String,
    /// The customer's owner, if any.
    pub owner: Option<String>,
    /// The trip.
    pub trip: UpcomingTrip,
}

/// One birthday of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedBirthday {
    /// Customer id.
    pub id: String,
    /// Customer name.
    pub name: String,
    /// The customer's owner, if any.
    pub owner: Option<String>,
    /// The customer's home city, if written.
    pub city: Option<String>,
    /// The birthday.
    pub birthday: Birthday,
    /// As written.
    pub written: String,
}

/// The calendar feed of `options` (its `days` is not used: a calendar
/// holds every trip to come and every birthday).
///
/// Fails with an index error when the index cannot be read.
pub fn feed(
    read: &ReadIndex,
    location: &Location,
    today: NaiveDate,
    options: &AgendaOptions,
) -> Result<Feed> {
    let filters = filters(read, options);
    let scanned = scan::scan(read, location, &filters, today, None)?;
    let mut records = Records::new(read, location);
    let mut with_birthday: Vec<&scan::Customer> = scanned
        .customers
        .values()
        .filter(|customer| customer.birthday_md.is_some())
        .collect();
    with_birthday.sort_by_key(|customer| customer.address);
    let mut wanted: Vec<DocAddress> = with_birthday.iter().map(|c| c.address).collect();
    for trip in &scanned.trips {
        wanted.push(trip.address);
        if let Some(customer) = scanned.customers.get(&trip.customer) {
            wanted.push(customer.address);
        }
    }
    records.preload(&wanted)?;
    let mut birthdays = Vec::new();
    for customer in with_birthday {
        let head = records.customer(customer.address)?;
        if !options
            .may_see_birthday
            .as_ref()
            .is_none_or(|may| may(&head))
        {
            continue;
        }
        let Some(birthday) = head.birthday.as_deref().and_then(parse_birthday) else {
            continue;
        };
        birthdays.push(FeedBirthday {
            written: head.birthday.clone().unwrap_or_default(),
            id: head.id,
            name: head.name,
            owner: head.owner,
            city: head.city,
            birthday,
        });
    }
    let mut trips = Vec::new();
    for (customer, upcoming) in records.upcoming_trips(scanned.trips, &scanned.customers, today)? {
        let head = records.customer(customer)?;
        trips.push(FeedTrip {
            id: head.id,
            name: head.name,
            owner: head.owner,
            trip: upcoming,
        });
    }
    birthdays.sort_by(|a, b| a.id.cmp(&b.id));
    trips.sort_by(|a, b| (&a.id, a.trip.index).cmp(&(&b.id, b.trip.index)));
    Ok(Feed {
        today,
        trips,
        birthdays,
        unknown_owner: options.owner.is_some() && scanned.customers.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text)
    }

    #[test]
    fn next_birthdays_wrap_years_and_keep_29_february() {
        // (birthday as written, today, next date, days, age turned)
        let cases = [
            ("1975-12-15", "2026-12-04", "2026-12-15", 11, Some(51)),
            ("12-06", "2026-12-04", "2026-12-06", 2, None),
            ("1990-01-03", "2026-12-20", "2027-01-03", 14, Some(37)),
            ("1980-02-29", "2027-02-20", "2027-02-28", 8, Some(47)),
            ("1980-02-29", "2028-02-20", "2028-02-29", 9, Some(48)),
            ("1966-12-04", "2026-12-04", "2026-12-04", 0, Some(60)),
            ("2月29日", "2026-03-01", "2027-02-28", 364, None),
        ];
        for (written, today, date, days, turns) in cases {
            let next = next_birthday(parse_birthday(written).expect(written), d(today));
            assert_eq!(
                next,
                NextBirthday {
                    date: d(date),
                    days,
                    turns
                },
                "{written} from {today}"
            );
        }
    }

    #[test]
    fn attention_is_more_than_60_days_or_never() {
        let today = d("2026-12-04");
        let cases = [
            (None, None, true, None),
            (Some("2026-10-05"), None, false, Some(60)),
            (Some("2026-10-04"), None, true, Some(61)),
            (None, Some("2026-10-04"), true, Some(61)),
            (Some("2026-08-30"), Some("2026-11-30"), false, Some(4)),
            (Some("2026-12-10"), None, false, Some(-6)),
        ];
        for (note, updated, expected, days) in cases {
            let contact = last_contact(note.map(d), updated.map(d));
            assert_eq!(
                needs_attention(contact, today),
                expected,
                "{note:?} {updated:?}"
            );
            assert_eq!(days_since(contact, today), days, "{note:?} {updated:?}");
        }
    }

    #[test]
    fn a_trip_is_upcoming_only_with_trusted_dates() {
        let today = d("2026-12-04");
        // (trip, expected (from, to, under way))
        type Case = (&'static str, Option<(&'static str, &'static str, bool)>);
        let cases: [Case; 9] = [
            (
                r#"{"city":"北京","from":"2026-12-08","to":"2026-12-10"}"#,
                Some(("2026-12-08", "2026-12-10", false)),
            ),
            (
                r#"{"city":"上海","from":"2026-12-01","to":"2026-12-05"}"#,
                Some(("2026-12-01", "2026-12-05", true)),
            ),
            (
                r#"{"city":"上海","from":"2026-12-01","to":"2026-12-04"}"#,
                Some(("2026-12-01", "2026-12-04", true)),
            ),
            (
                r#"{"city":"广州","from":"2026-11-20","to":"2026-12-03"}"#,
                None,
            ),
            (
                r#"{"city":"成都","from":"2026-12-10","to":"2026-12-08"}"#,
                None,
            ),
            (
                r#"{"city":"武汉","from":"12/08/2026","to":"2026-12-09"}"#,
                None,
            ),
            (
                r#"{"city":"武汉","from":"2026-12-08","to":"2026-02-30"}"#,
                None,
            ),
            (
                r#"{"city":"杭州","date":"2026年12月17日"}"#,
                Some(("2026-12-17", "2026-12-17", false)),
            ),
            (r#"{"from":"2026-12-08","to":"2026-12-10"}"#, None),
        ];
        for (json, expected) in cases {
            let trip: Value = serde_json::from_str(json).expect(json);
            let got = upcoming_trip(&trip, 0, today).map(|t| {
                let under_way = t.under_way(today);
                (t.from, t.to, under_way)
            });
            assert_eq!(
                got,
                expected.map(|(from, to, under_way)| (d(from), d(to), under_way)),
                "{json}"
            );
        }
    }

    /// What the agenda reads of every customer and trip from the `head`
    /// fast field is what the stored records say.
    #[test]
    fn heads_read_as_the_stored_records() -> Result<()> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let kb = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/agenda");
        let location = Location::new(&kb, Some(&scratch.path().join("index")))?;
        crate::testing::index_folder(&location)?;
        let read = crate::index::open_for_search(&location)?;
        // Every customer, and every trip that has not ended by 2000.
        let scanned = scan::scan(&read, &location, &[], d("2000-01-01"), None)?;
        let mut addresses: Vec<DocAddress> =
            scanned.customers.values().map(|c| c.address).collect();
        addresses.extend(scanned.trips.iter().map(|t| t.address));
        assert!(scanned.customers.len() >= 10 && scanned.trips.len() >= 5);
        let mut records = Records::new(&read, &location);
        records.preload(&addresses)?;
        for customer in scanned.customers.values() {
            assert!(records.heads.get(&customer.address).is_some());
            assert_eq!(
                records.customer(customer.address)?,
                records.stored_customer(customer.address)?
            );
        }
        for trip in &scanned.trips {
            assert!(records.heads.get(&trip.address).is_some());
            assert_eq!(
                records.trip(trip.address)?,
                read.record(&location, trip.address)?.fields
            );
        }
        Ok(())
    }

    #[test]
    fn days_are_bounded() {
        for (days, ok) in [
            (-3, false),
            (0, false),
            (1, true),
            (14, true),
            (366, true),
            (367, false),
            (i64::MAX, false),
        ] {
            assert_eq!(check_days(days).is_ok(), ok, "{days}");
        }
        let message = check_days(0).expect_err("0 days").to_string();
        assert!(message.starts_with("--days 0: "), "{message}");
    }
}
