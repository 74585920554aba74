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

diesel::table! {
    epcis_captures (id) {
        id -> Text,
        captured_by -> Text,
        event_count -> Integer,
        duplicate_count -> Integer,
        created_at -> Timestamp,
        finished_at -> Timestamp,
    }
}

diesel::table! {
    epcis_events (id) {
        id -> Text,
        capture_id -> Nullable<Text>,
        captured_by -> Text,
        event_id -> Nullable<Text>,
        event_type -> Text,
        event_time -> Timestamp,
        record_time -> Timestamp,
        action -> Nullable<Text>,
        biz_step -> Nullable<Text>,
        disposition -> Nullable<Text>,
        read_point -> Nullable<Text>,
        biz_location -> Nullable<Text>,
        body -> Text,
        contexts -> Text,
    }
}

diesel::table! {
    epcis_event_epcs (event_row_id, role, epc) {
        event_row_id -> Text,
        role -> Text,
        epc -> Text,
        code -> Nullable<Text>,
        producer_id -> Nullable<Text>,
    }
}

diesel::joinable!(api_keys -> organizations (organization_id));

diesel::table! {
    products (id) {
        id -> Text,
        producer_id -> Text,
        name_vi -> Text,
        name_en -> Nullable<Text>,
        name_search -> Text,
        ocop_group -> Text,
        gtin -> Nullable<Text>,
        description_vi -> Nullable<Text>,
        description_en -> Nullable<Text>,
        image_url -> Nullable<Text>,
        unit -> Nullable<Text>,
        current_rating_id -> Nullable<Text>,
        ocop_stars -> Nullable<Integer>,
        ocop_expires_on -> Nullable<Date>,
        archived_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    product_pictures (product_id) {
        product_id -> Text,
        jpeg -> Binary,
        sha256 -> Text,
        width -> Integer,
        height -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ocop_ratings (id) {
        id -> Text,
        product_id -> Text,
        stars -> Integer,
        certificate_number -> Text,
        level -> Text,
        issued_on -> Date,
        expires_on -> Date,
        awarded_by -> Text,
        created_at -> Timestamp,
        expiry_notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sites (id) {
        id -> Text,
        kind -> Text,
        code -> Text,
        name -> Text,
        province -> Text,
        district -> Nullable<Text>,
        commune -> Nullable<Text>,
        crop -> Nullable<Text>,
        area_ha -> Nullable<Double>,
        target_market -> Text,
        status -> Text,
        valid_until -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        gln -> Nullable<Text>,
        farming -> Nullable<Text>,
    }
}

diesel::table! {
    site_producers (site_id, producer_id) {
        site_id -> Text,
        producer_id -> Text,
        linked_at -> Timestamp,
    }
}

diesel::table! {
    site_status_history (id) {
        id -> Text,
        site_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    certifications (id) {
        id -> Text,
        producer_id -> Text,
        product_id -> Nullable<Text>,
        scheme -> Text,
        scheme_name -> Nullable<Text>,
        number -> Text,
        issuer -> Text,
        valid_from -> Date,
        valid_until -> Date,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    batches (id) {
        id -> Text,
        product_id -> Text,
        producer_id -> Text,
        lot -> Text,
        packing_facility_id -> Nullable<Text>,
        harvest_date -> Nullable<Date>,
        production_date -> Nullable<Date>,
        best_before -> Nullable<Date>,
        quantity -> Double,
        unit -> Text,
        status -> Text,
        recall_reason -> Nullable<Text>,
        recalled_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expiry_notified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    batch_farming_areas (batch_id, site_id) {
        batch_id -> Text,
        site_id -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_org_id -> Text,
        actor_role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    code_runs (id) {
        id -> Text,
        batch_id -> Text,
        producer_id -> Text,
        farming_area_id -> Text,
        count -> Integer,
        payload_format -> Text,
        payload_prefix -> Text,
        idempotency_key -> Nullable<Text>,
        request_fingerprint -> Nullable<Text>,
        created_at -> Timestamp,
        pending_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    codes (code) {
        code -> Text,
        run_id -> Text,
        serial -> Integer,
    }
}

diesel::table! {
    scan_events (id) {
        id -> BigInt,
        code -> Text,
        kind -> Text,
        scanned_at -> Timestamp,
        lang -> Text,
        ua_family -> Text,
        client_hash -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
    }
}

diesel::table! {
    code_scan_counts (code) {
        code -> Text,
        views -> BigInt,
        first_viewed_at -> Timestamp,
    }
}

diesel::table! {
    code_viewers (code, client) {
        code -> Text,
        client -> Text,
    }
}

diesel::table! {
    supply_events (id) {
        id -> Text,
        org_id -> Text,
        biz_step -> Text,
        disposition -> Text,
        scope -> Text,
        batch_id -> Nullable<Text>,
        run_id -> Nullable<Text>,
        code_count -> Integer,
        event_time -> Timestamp,
        recorded_at -> Timestamp,
        location_name -> Nullable<Text>,
        province -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        destination_org_id -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    supply_event_codes (event_id, code) {
        event_id -> Text,
        code -> Text,
        batch_id -> Text,
        producer_id -> Text,
    }
}

diesel::table! {
    event_requests (org_id, idempotency_key) {
        org_id -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        event_ids -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    clone_alerts (id) {
        id -> Text,
        code -> Text,
        rule -> Text,
        producer_id -> Text,
        batch_id -> Text,
        detail -> Text,
        created_at -> Timestamp,
        status -> Text,
        clients -> Integer,
        decided_by -> Nullable<Text>,
        status_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    counterfeit_reports (id) {
        id -> Text,
        alert_id -> Text,
        code -> Text,
        where_bought -> Nullable<Text>,
        note -> Nullable<Text>,
        phone -> Nullable<Text>,
        photo_jpeg -> Nullable<Binary>,
        client_hash -> Nullable<Text>,
        lang -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (delivery_id, attempt) {
        delivery_id -> Text,
        attempt -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
    }
}

diesel::joinable!(codes -> code_runs (run_id));
diesel::joinable!(code_runs -> batches (batch_id));
diesel::joinable!(products -> organizations (producer_id));
diesel::joinable!(ocop_ratings -> products (product_id));
diesel::joinable!(site_producers -> sites (site_id));
diesel::joinable!(site_status_history -> sites (site_id));
diesel::joinable!(batches -> products (product_id));
diesel::joinable!(batch_farming_areas -> batches (batch_id));
diesel::joinable!(batch_farming_areas -> sites (site_id));
diesel::joinable!(supply_event_codes -> supply_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(epcis_event_epcs -> epcis_events (event_row_id));
diesel::joinable!(counterfeit_reports -> clone_alerts (alert_id));

diesel::table! {
    console_sessions (id) {
        id -> Text,
        api_key_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(console_sessions -> api_keys (api_key_id));

diesel::allow_tables_to_appear_in_same_query!(
    console_sessions,
    organizations,
    counterfeit_reports,
    product_pictures,
    api_keys,
    products,
    ocop_ratings,
    sites,
    site_producers,
    site_status_history,
    certifications,
    batches,
    batch_farming_areas,
    audit_log,
    code_runs,
    codes,
    scan_events,
    code_scan_counts,
    code_viewers,
    supply_events,
    supply_event_codes,
    event_requests,
    clone_alerts,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    epcis_captures,
    epcis_events,
    epcis_event_epcs,
);
