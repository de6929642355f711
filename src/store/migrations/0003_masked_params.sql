-- Names of masked fields a form of the session may have put into an address, as a JSON
-- array (src/session/masked.rs): pages mask their values in every address they report,
-- also after a restart of Tandem. Names only; values never reach Tandem.
ALTER TABLE proxy_sessions ADD COLUMN masked_params TEXT;
