// One schema for both backends; the migrations in migrations/sqlite and
// migrations/postgres must keep to it (the test suite runs on both).

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        name_search -> Text,
        kind -> Text,
        producer_type -> Nullable<Text>,
        tax_code -> Nullable<Text>,
        province -> Text,
        district -> Nullable<Text>,
        commune -> Nullable<Text>,
        street -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        organization_id -> Text,
        label -> Text,
        key_prefix -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(api_keys -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, api_keys);
