import { APP_ROLE, OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Schema `agreements` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const agreementsMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS agreements;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS agreements.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('agreements.settings');
    `,
  },
  {
    id: '0002_agreements',
    sql: `
      -- Templates: a proposal or contract outline, sections of text with {{merge.fields}}.
      CREATE TABLE IF NOT EXISTS agreements.templates (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('proposal', 'contract')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        sections jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'array'),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        archived_at timestamptz,
        UNIQUE (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.templates');
      CREATE INDEX IF NOT EXISTS templates_list_idx ON agreements.templates (tenant_id, kind, created_at DESC);

      -- Proposals: the record; its content lives in numbered versions. current_version is the
      -- newest (a draft or sent), sent_version the newest one the client was sent.
      CREATE TABLE IF NOT EXISTS agreements.proposals (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        contact_id uuid,
        engagement_id uuid,
        project_id uuid,
        template_id uuid,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'viewed', 'accepted', 'declined', 'withdrawn', 'expired')),
        current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
        sent_version integer CHECK (sent_version IS NULL OR sent_version <= current_version),
        expires_at timestamptz,
        accepted_version integer,
        accepted_hash char(64),
        accepted_at timestamptz,
        accepted_by text,
        declined_at timestamptz,
        decline_reason text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        CHECK (status <> 'accepted' OR (accepted_hash IS NOT NULL AND accepted_at IS NOT NULL AND accepted_version IS NOT NULL))
      );
      SELECT platform.enable_tenant_rls('agreements.proposals');
      CREATE INDEX IF NOT EXISTS proposals_list_idx ON agreements.proposals (tenant_id, created_at DESC, id);
      CREATE INDEX IF NOT EXISTS proposals_client_idx ON agreements.proposals (tenant_id, client_id, created_at DESC);

      -- Versions: immutable once sent (the trigger below), bound to the SHA-256 of their content.
      CREATE TABLE IF NOT EXISTS agreements.proposal_versions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        proposal_id uuid NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        sections jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'array'),
        merge_values jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(merge_values) = 'object'),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        subtotal_minor bigint NOT NULL DEFAULT 0 CHECK (subtotal_minor >= 0),
        discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
        tax_minor bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
        total_minor bigint NOT NULL DEFAULT 0 CHECK (total_minor = subtotal_minor - discount_minor + tax_minor AND total_minor >= 0),
        payment_schedule jsonb NOT NULL DEFAULT '{"depositPercent":0,"milestones":[],"recurring":null}'::jsonb CHECK (jsonb_typeof(payment_schedule) = 'object'),
        content_hash char(64),
        sent_at timestamptz,
        sent_by uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        UNIQUE (tenant_id, proposal_id, n),
        CHECK (sent_at IS NULL OR content_hash IS NOT NULL),
        FOREIGN KEY (tenant_id, proposal_id) REFERENCES agreements.proposals (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.proposal_versions');

      -- Pricing lines of a version, in integer minor units of the version's currency.
      CREATE TABLE IF NOT EXISTS agreements.proposal_lines (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        version_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
        quantity integer NOT NULL CHECK (quantity >= 1),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
        tax_rate_bp integer NOT NULL DEFAULT 0 CHECK (tax_rate_bp BETWEEN 0 AND 10000),
        optional boolean NOT NULL DEFAULT false,
        selected boolean NOT NULL DEFAULT true,
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        UNIQUE (tenant_id, version_id, position),
        CHECK (discount_minor <= quantity::bigint * unit_price_minor),
        FOREIGN KEY (tenant_id, version_id) REFERENCES agreements.proposal_versions (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.proposal_lines');

      -- A sent version, and its lines, can no longer change: an edit makes the next version.
      CREATE OR REPLACE FUNCTION agreements.refuse_sent_version_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF OLD.sent_at IS NOT NULL THEN
          RAISE EXCEPTION 'proposal version % was sent and is immutable', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END
      $fn$;
      DROP TRIGGER IF EXISTS proposal_versions_immutable ON agreements.proposal_versions;
      CREATE TRIGGER proposal_versions_immutable BEFORE UPDATE OR DELETE ON agreements.proposal_versions
        FOR EACH ROW EXECUTE FUNCTION agreements.refuse_sent_version_change();

      CREATE OR REPLACE FUNCTION agreements.refuse_sent_line_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        v_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.version_id ELSE NEW.version_id END;
      BEGIN
        IF EXISTS (SELECT 1 FROM agreements.proposal_versions v WHERE v.id = v_id AND v.sent_at IS NOT NULL)
           OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM agreements.proposal_versions v WHERE v.id = OLD.version_id AND v.sent_at IS NOT NULL)) THEN
          RAISE EXCEPTION 'the lines of a sent proposal version are immutable' USING ERRCODE = 'check_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END
      $fn$;
      DROP TRIGGER IF EXISTS proposal_lines_immutable ON agreements.proposal_lines;
      CREATE TRIGGER proposal_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON agreements.proposal_lines
        FOR EACH ROW EXECUTE FUNCTION agreements.refuse_sent_line_change();

      -- Contracts: from an accepted proposal (one live contract per proposal) or standalone. The
      -- sections and document hash are frozen once sent. seal_state follows the sealing job.
      CREATE TABLE IF NOT EXISTS agreements.contracts (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        contact_id uuid,
        engagement_id uuid,
        proposal_id uuid,
        template_id uuid,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        sections jsonb NOT NULL CHECK (jsonb_typeof(sections) = 'array'),
        merge_values jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'out_for_signature', 'partially_signed', 'signed', 'declined', 'voided', 'expired')),
        signing_order text NOT NULL DEFAULT 'sequential' CHECK (signing_order IN ('parallel', 'sequential')),
        document_hash char(64),
        sent_at timestamptz,
        signed_at timestamptz,
        declined_at timestamptz,
        voided_at timestamptz,
        void_reason text,
        seal_state text NOT NULL DEFAULT 'none' CHECK (seal_state IN ('none', 'pending', 'sealing', 'sealed')),
        seal_claim uuid,
        seal_claimed_at timestamptz,
        seal_attempts integer NOT NULL DEFAULT 0,
        seal_error text,
        sealed_file_id uuid,
        sealed_sha256 char(64),
        sealed_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        CHECK (sent_at IS NULL OR document_hash IS NOT NULL),
        CHECK (seal_state <> 'sealed' OR (sealed_file_id IS NOT NULL AND sealed_sha256 IS NOT NULL AND sealed_at IS NOT NULL)),
        CHECK (seal_state = 'none' OR status = 'signed')
      );
      SELECT platform.enable_tenant_rls('agreements.contracts');
      CREATE UNIQUE INDEX IF NOT EXISTS contracts_live_proposal_key ON agreements.contracts (tenant_id, proposal_id)
        WHERE proposal_id IS NOT NULL AND status NOT IN ('voided', 'declined', 'expired');
      CREATE INDEX IF NOT EXISTS contracts_list_idx ON agreements.contracts (tenant_id, created_at DESC, id);
      CREATE INDEX IF NOT EXISTS contracts_seal_idx ON agreements.contracts (seal_state, seal_claimed_at) WHERE seal_state IN ('pending', 'sealing');

      CREATE OR REPLACE FUNCTION agreements.refuse_sent_contract_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF OLD.sent_at IS NOT NULL AND (NEW.sections IS DISTINCT FROM OLD.sections OR NEW.title IS DISTINCT FROM OLD.title
            OR NEW.document_hash IS DISTINCT FROM OLD.document_hash OR NEW.merge_values IS DISTINCT FROM OLD.merge_values) THEN
          RAISE EXCEPTION 'contract % was sent: its document is immutable', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END
      $fn$;
      DROP TRIGGER IF EXISTS contracts_document_immutable ON agreements.contracts;
      CREATE TRIGGER contracts_document_immutable BEFORE UPDATE ON agreements.contracts
        FOR EACH ROW EXECUTE FUNCTION agreements.refuse_sent_contract_change();

      -- Signers, in order. token_hash = SHA-256 of the signing link's token (the token is never stored).
      CREATE TABLE IF NOT EXISTS agreements.signers (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        contract_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 1),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        role text,
        contact_id uuid,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'declined')),
        token_hash char(64) UNIQUE,
        token_expires_at timestamptz,
        viewed_at timestamptz,
        consented_at timestamptz,
        signed_at timestamptz,
        declined_at timestamptz,
        decline_reason text,
        signature_kind text CHECK (signature_kind IN ('typed', 'drawn')),
        signature_text text,
        signature_image text,
        ip text,
        user_agent text,
        UNIQUE (tenant_id, id),
        UNIQUE (tenant_id, contract_id, position),
        CHECK (status <> 'signed' OR (signed_at IS NOT NULL AND consented_at IS NOT NULL AND signature_kind IS NOT NULL)),
        FOREIGN KEY (tenant_id, contract_id) REFERENCES agreements.contracts (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.signers');

      -- Signature packets: the envelope of one sending, native or through a provider.
      CREATE TABLE IF NOT EXISTS agreements.packets (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        contract_id uuid NOT NULL,
        provider text NOT NULL DEFAULT 'native' CHECK (provider IN ('native', 'docusign', 'dropbox_sign', 'pandadoc')),
        external_envelope_id text,
        audit_head char(64),
        audit_seq integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id),
        UNIQUE (tenant_id, contract_id),
        UNIQUE (provider, external_envelope_id),
        FOREIGN KEY (tenant_id, contract_id) REFERENCES agreements.contracts (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.packets');

      -- The audit log: append-only and hash-chained. The insert trigger locks the packet, numbers
      -- the entry and sets hash = SHA-256(prev_hash | the entry as a JSON array); the first link
      -- hashes the packet id. The app role may only insert; updates and deletes are refused.
      CREATE TABLE IF NOT EXISTS agreements.audit_log (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        packet_id uuid NOT NULL,
        seq integer NOT NULL,
        type text NOT NULL CHECK (type ~ '^[a-z_]+$'),
        actor_name text,
        actor_email text,
        ip text,
        user_agent text,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL,
        UNIQUE (tenant_id, packet_id, seq),
        FOREIGN KEY (tenant_id, packet_id) REFERENCES agreements.packets (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('agreements.audit_log');
      REVOKE UPDATE, DELETE, TRUNCATE ON agreements.audit_log FROM ${APP_ROLE};

      CREATE OR REPLACE FUNCTION agreements.audit_entry_hash(p_prev text, e agreements.audit_log) RETURNS text
        LANGUAGE sql IMMUTABLE AS $fn$
        SELECT encode(sha256(convert_to(p_prev || '|' || jsonb_build_array(
          e.packet_id, e.seq, e.type, e.actor_name, e.actor_email, e.ip, e.user_agent,
          (extract(epoch FROM e.at) * 1000000)::bigint, e.data)::text, 'UTF8')), 'hex')
      $fn$;

      CREATE OR REPLACE FUNCTION agreements.chain_audit_entry() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        v_head text;
        v_seq integer;
      BEGIN
        SELECT audit_head, audit_seq INTO v_head, v_seq FROM agreements.packets WHERE id = NEW.packet_id FOR UPDATE;
        IF NOT FOUND THEN RAISE EXCEPTION 'no packet %', NEW.packet_id; END IF;
        NEW.seq := v_seq + 1;
        NEW.prev_hash := COALESCE(v_head, encode(sha256(convert_to('agreements.audit:' || NEW.packet_id::text, 'UTF8')), 'hex'));
        NEW.at := date_trunc('milliseconds', NEW.at);
        NEW.hash := agreements.audit_entry_hash(NEW.prev_hash, NEW);
        UPDATE agreements.packets SET audit_head = NEW.hash, audit_seq = NEW.seq WHERE id = NEW.packet_id;
        RETURN NEW;
      END
      $fn$;
      DROP TRIGGER IF EXISTS audit_log_chain ON agreements.audit_log;
      CREATE TRIGGER audit_log_chain BEFORE INSERT ON agreements.audit_log FOR EACH ROW EXECUTE FUNCTION agreements.chain_audit_entry();

      CREATE OR REPLACE FUNCTION agreements.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the agreements audit log is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      DROP TRIGGER IF EXISTS audit_log_append_only ON agreements.audit_log;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON agreements.audit_log
        FOR EACH ROW EXECUTE FUNCTION agreements.refuse_audit_change();

      -- Walks a packet's chain in order; the first entry whose link or hash does not hold, or
      -- a head that no longer matches the last entry (an entry removed at the end), is named.
      CREATE OR REPLACE FUNCTION agreements.verify_audit_chain(p_packet uuid)
        RETURNS TABLE (valid boolean, entries integer, broken_seq integer, reason text)
        LANGUAGE plpgsql STABLE AS $fn$
      DECLARE
        e agreements.audit_log;
        v_prev text := encode(sha256(convert_to('agreements.audit:' || p_packet::text, 'UTF8')), 'hex');
        v_count integer := 0;
        v_head text;
        v_head_seq integer;
      BEGIN
        FOR e IN SELECT * FROM agreements.audit_log WHERE packet_id = p_packet ORDER BY seq LOOP
          v_count := v_count + 1;
          IF e.seq <> v_count THEN
            RETURN QUERY SELECT false, v_count, e.seq, 'an entry is missing before this one'; RETURN;
          END IF;
          IF e.prev_hash <> v_prev THEN
            RETURN QUERY SELECT false, v_count, e.seq, 'the entry is not linked to the one before it'; RETURN;
          END IF;
          IF e.hash <> agreements.audit_entry_hash(e.prev_hash, e) THEN
            RETURN QUERY SELECT false, v_count, e.seq, 'the entry was changed after it was written'; RETURN;
          END IF;
          v_prev := e.hash;
        END LOOP;
        SELECT audit_head, audit_seq INTO v_head, v_head_seq FROM agreements.packets WHERE id = p_packet;
        IF v_head_seq <> v_count OR v_head IS DISTINCT FROM (CASE WHEN v_count = 0 THEN NULL ELSE v_prev END) THEN
          RETURN QUERY SELECT false, v_count, v_count + 1, 'entries at the end of the log are missing'; RETURN;
        END IF;
        RETURN QUERY SELECT true, v_count, NULL::integer, NULL::text;
      END
      $fn$;

      -- Only the owner role (the SECURITY DEFINER functions below) reads across tenants.
      DROP POLICY IF EXISTS signers_definer_lookup ON agreements.signers;
      CREATE POLICY signers_definer_lookup ON agreements.signers FOR SELECT TO ${OWNER_ROLE} USING (true);
      DROP POLICY IF EXISTS contracts_definer_lookup ON agreements.contracts;
      CREATE POLICY contracts_definer_lookup ON agreements.contracts FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- A signing link's tenant, from its token hash, before any tenant is known: that one signer or nothing.
      CREATE OR REPLACE FUNCTION agreements.signer_by_token_hash(p_token_hash text)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT s.id, s.tenant_id FROM agreements.signers s WHERE s.token_hash = p_token_hash LIMIT 1
        $fn$;
      REVOKE EXECUTE ON FUNCTION agreements.signer_by_token_hash(text) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION agreements.signer_by_token_hash(text) TO ${APP_ROLE};

      -- The sweeper's work list: contracts all signed but not sealed (pending longer than
      -- p_pending_seconds, or claimed by a sealer more than p_stale_seconds ago), any tenant.
      CREATE OR REPLACE FUNCTION agreements.unsealed_contracts(p_pending_seconds integer, p_stale_seconds integer, p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT c.id, c.tenant_id FROM agreements.contracts c
          WHERE (c.seal_state = 'pending' AND c.updated_at < now() - make_interval(secs => p_pending_seconds))
             OR (c.seal_state = 'sealing' AND c.seal_claimed_at < now() - make_interval(secs => p_stale_seconds))
          ORDER BY c.updated_at
          LIMIT p_limit
        $fn$;
      REVOKE EXECUTE ON FUNCTION agreements.unsealed_contracts(integer, integer, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION agreements.unsealed_contracts(integer, integer, integer) TO ${APP_ROLE};
    `,
  },
  {
    id: '0003_signer_reminders',
    sql: `
      -- Reminders to signers who have not signed: every reminder_days (0 = none) after the link was
      -- sent or last resent, at most five, only to a signer whose turn it is, while the contract is open.
      ALTER TABLE agreements.contracts ADD COLUMN IF NOT EXISTS reminder_days integer NOT NULL DEFAULT 3 CHECK (reminder_days BETWEEN 0 AND 30);
      ALTER TABLE agreements.signers ADD COLUMN IF NOT EXISTS link_sent_at timestamptz;
      ALTER TABLE agreements.signers ADD COLUMN IF NOT EXISTS reminders_sent integer NOT NULL DEFAULT 0 CHECK (reminders_sent BETWEEN 0 AND 5);

      -- The reminder job's work list, any tenant: pending signers due a reminder at p_now.
      CREATE OR REPLACE FUNCTION agreements.signers_due_reminder(p_now timestamptz, p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid, contract_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$
          SELECT s.id, s.tenant_id, s.contract_id FROM agreements.signers s
          JOIN agreements.contracts c ON c.id = s.contract_id
          WHERE s.status = 'pending' AND s.reminders_sent < 5 AND s.link_sent_at IS NOT NULL
            AND c.status IN ('out_for_signature', 'partially_signed') AND c.reminder_days > 0
            AND s.link_sent_at <= p_now - make_interval(days => c.reminder_days)
            AND (c.signing_order = 'parallel' OR NOT EXISTS (
              SELECT 1 FROM agreements.signers p WHERE p.contract_id = s.contract_id AND p.position < s.position AND p.status <> 'signed'))
          ORDER BY s.link_sent_at
          LIMIT p_limit
        $fn$;
      REVOKE EXECUTE ON FUNCTION agreements.signers_due_reminder(timestamptz, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION agreements.signers_due_reminder(timestamptz, integer) TO ${APP_ROLE};
    `,
  },
];
