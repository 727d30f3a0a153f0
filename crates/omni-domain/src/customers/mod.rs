//! Customers: one customer in every channel. Identifiers of many kinds (phone, email, loyalty
//! card, app account, device, messenger handles, the till QR token) are normalised before they
//! are matched; they form an identity graph whose verified matches merge profiles into one
//! golden record (reversibly) and whose weak matches are proposed for review. Consents decide
//! whether anyone may message or personalise; segments are rules evaluated per customer and
//! over the whole base. Events and audit entries carry ids and identifier digests, never PII.

mod birthday;
mod consent;
mod identifier;
mod index;
mod merge;
mod profile;
mod qr;
mod segment;
mod timeline;
mod wishlist;

pub use birthday::{
    CandidateDay, MIN_BIRTH_YEAR, birthday_year, candidate_days, celebrated_on, check_birth_date,
    local_date, month_day,
};
pub use consent::{
    ConsentChange, ConsentRecord, ConsentState, ContactChannel, ContactDecision, Purpose,
    QuietHours, consent_bits, may_contact,
};
pub use identifier::{Identifier, IdentifierError, IdentifierInput, IdentifierKind, mask};
pub use index::{Digest, IdentityIndex, parse_digest};
pub use merge::{
    MatchDecision, Merge, MergeStatus, Provenance, TransitionError, decide_match, merge_profiles,
};
pub use profile::{
    Customer, CustomerDraft, CustomerPatch, CustomerStatus, CustomerSummary, Tier, View,
};
pub use qr::{QrError, sign_qr_token, verify_qr_token};
pub use segment::{Facts, Rule, Segment, SegmentBase, SegmentDraft, compile_rule};
pub use timeline::{InteractionKind, TimelineDraft, TimelineEntry};
pub use wishlist::{MAX_WISHLIST_ITEMS, WishlistDraft, unknown_skus};

omni_kernel::define_id!(
    /// One entry of a customer's (or an anonymous device's) timeline.
    TimelineEntryId, "tle"
);
omni_kernel::define_id!(
    /// A merge of two profiles, proposed or done; kept so it can be reversed.
    MergeId, "mrg"
);
omni_kernel::define_id!(
    /// A rule-based customer segment.
    SegmentId, "seg"
);
omni_kernel::define_id!(
    /// One audit entry of a staff read of personal data.
    AccessLogId, "aud"
);
