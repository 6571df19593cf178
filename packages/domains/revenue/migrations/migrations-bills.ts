import { OWNER_ROLE, type Migration } from '@ubos/platform';

/**
 * Money out (vendors, vendor bills) and the approval engine of schema `revenue`
 * (ARCHITECTURE.md §4). Ids 0020 onward; forward-only and idempotent. Every tenant table carries
 * tenant_id and forced RLS. Money is bigint minor units + ISO currency.
 */
export const billsMigrations: Migration[] = [
  {
    id: '0020_vendors_bills',
    sql: `
      CREATE SCHEMA IF NOT EXISTS revenue;

      CREATE TABLE IF NOT EXISTS revenue.vendors (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
        email text,
        tax_id text,
        default_category text,
        default_currency char(3) CHECK (default_currency ~ '^[A-Z]{3}$'),
        archived_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id)
      );
      CREATE UNIQUE INDEX IF NOT EXISTS vendors_name_key ON revenue.vendors (tenant_id, lower(btrim(name))) WHERE archived_at IS NULL;
      SELECT platform.enable_tenant_rls('revenue.vendors');

      -- A bill's number is the vendor's: the same vendor never sends two bills with one number,
      -- so (vendor, number as compared) is unique per tenant (duplicate detection in Postgres).
      CREATE TABLE IF NOT EXISTS revenue.bills (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        vendor_id uuid NOT NULL,
        number text NOT NULL CHECK (length(btrim(number)) BETWEEN 1 AND 100),
        number_key text GENERATED ALWAYS AS (lower(regexp_replace(number, '\\s+', '', 'g'))) STORED,
        issue_date date NOT NULL,
        due_date date,
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        category text,
        notes text,
        attachment_file_id uuid,
        total_minor bigint NOT NULL CHECK (total_minor >= 0),
        status text NOT NULL DEFAULT 'received'
          CHECK (status IN ('received', 'pending_approval', 'approved', 'rejected', 'scheduled', 'paid')),
        -- Bumped whenever what an approver approved changes (vendor, currency, category, lines):
        -- decisions are bound to one version.
        version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
        submitted_by uuid,
        submitted_at timestamptz,
        rejection_reason text,
        scheduled_for date,
        paid_at timestamptz,
        payment_reference text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT bills_vendor_number_key UNIQUE (tenant_id, vendor_id, number_key),
        CONSTRAINT bills_vendor_fkey FOREIGN KEY (tenant_id, vendor_id) REFERENCES revenue.vendors (tenant_id, id),
        CHECK (due_date IS NULL OR due_date >= issue_date),
        CHECK (status <> 'paid' OR paid_at IS NOT NULL),
        CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL),
        UNIQUE (tenant_id, id)
      );
      CREATE INDEX IF NOT EXISTS bills_tenant_status_idx ON revenue.bills (tenant_id, status, created_at DESC);
      SELECT platform.enable_tenant_rls('revenue.bills');

      CREATE TABLE IF NOT EXISTS revenue.bill_lines (
        tenant_id uuid NOT NULL,
        bill_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        description text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 500),
        amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
        category text,
        PRIMARY KEY (bill_id, position),
        FOREIGN KEY (tenant_id, bill_id) REFERENCES revenue.bills (tenant_id, id) ON DELETE CASCADE
      );
      SELECT platform.enable_tenant_rls('revenue.bill_lines');
    `,
  },
  {
    id: '0021_approvals',
    sql: `
      -- Approval policies, generic over the subject kind ('bill' now, 'invoice' later). One row per
      -- tenant and kind holds the reminder delay; rules are tried by position, the first match wins.
      CREATE TABLE IF NOT EXISTS revenue.approval_policies (
        tenant_id uuid NOT NULL,
        subject_kind text NOT NULL CHECK (subject_kind IN ('bill', 'invoice')),
        reminder_hours integer NOT NULL DEFAULT 24 CHECK (reminder_hours BETWEEN 1 AND 720),
        revision integer NOT NULL DEFAULT 1,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, subject_kind)
      );
      SELECT platform.enable_tenant_rls('revenue.approval_policies');

      CREATE TABLE IF NOT EXISTS revenue.approval_rules (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        subject_kind text NOT NULL CHECK (subject_kind IN ('bill', 'invoice')),
        position integer NOT NULL CHECK (position >= 0),
        name text NOT NULL,
        -- Amount band [min, max) in minor units of currency (null currency: any).
        min_minor bigint CHECK (min_minor IS NULL OR min_minor >= 0),
        max_minor bigint CHECK (max_minor IS NULL OR max_minor >= 0),
        currency char(3),
        vendor_id uuid,
        category text,
        -- Ordered steps: [{ kind: 'role', role, count } | { kind: 'users', user_ids, mode: 'any'|'all' }].
        steps jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array'),
        CHECK (min_minor IS NULL OR max_minor IS NULL OR min_minor < max_minor),
        UNIQUE (tenant_id, subject_kind, position)
      );
      SELECT platform.enable_tenant_rls('revenue.approval_rules');

      -- One approval request per subject version; at most one open per subject.
      CREATE TABLE IF NOT EXISTS revenue.approval_requests (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        subject_kind text NOT NULL CHECK (subject_kind IN ('bill', 'invoice')),
        subject_id uuid NOT NULL,
        subject_version integer NOT NULL,
        rule_id uuid,
        rule_name text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'void')),
        submitted_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        UNIQUE (tenant_id, id),
        UNIQUE (tenant_id, subject_kind, subject_id, subject_version)
      );
      CREATE UNIQUE INDEX IF NOT EXISTS approval_requests_open_key
        ON revenue.approval_requests (tenant_id, subject_kind, subject_id) WHERE status = 'pending';
      SELECT platform.enable_tenant_rls('revenue.approval_requests');

      CREATE TABLE IF NOT EXISTS revenue.approval_steps (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        request_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        kind text NOT NULL CHECK (kind IN ('role', 'users')),
        role text CHECK (role IN ('owner', 'admin', 'member')),
        user_ids uuid[] NOT NULL DEFAULT '{}',
        mode text NOT NULL CHECK (mode IN ('any', 'all')),
        -- Approvals this step needs: 1 for any-one, every named user for all-of, N for a role.
        required integer NOT NULL CHECK (required >= 1),
        status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'pending', 'approved', 'rejected', 'void')),
        activated_at timestamptz,
        remind_at timestamptz,
        reminded_at timestamptz,
        completed_at timestamptz,
        CHECK ((kind = 'role') = (role IS NOT NULL)),
        UNIQUE (tenant_id, id),
        UNIQUE (request_id, position),
        FOREIGN KEY (tenant_id, request_id) REFERENCES revenue.approval_requests (tenant_id, id)
      );
      CREATE INDEX IF NOT EXISTS approval_steps_pending_idx ON revenue.approval_steps (tenant_id, status) WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS approval_steps_remind_idx ON revenue.approval_steps (remind_at) WHERE status = 'pending' AND reminded_at IS NULL;
      SELECT platform.enable_tenant_rls('revenue.approval_steps');

      -- One decision per approver seat per step per version: the step belongs to one request, which
      -- is one subject version; the version is repeated so the key says so on its own.
      CREATE TABLE IF NOT EXISTS revenue.approval_decisions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        request_id uuid NOT NULL,
        step_id uuid NOT NULL,
        subject_version integer NOT NULL,
        -- The seat decided for (a named approver, or the decider on a role step) ...
        approver_id uuid NOT NULL,
        -- ... and who clicked (the seat itself, or its delegate).
        decided_by uuid NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (decision = 'approve' OR length(btrim(coalesce(reason, ''))) > 0),
        CONSTRAINT approval_decisions_one_per_seat UNIQUE (tenant_id, step_id, subject_version, approver_id),
        FOREIGN KEY (tenant_id, step_id) REFERENCES revenue.approval_steps (tenant_id, id)
      );
      SELECT platform.enable_tenant_rls('revenue.approval_decisions');

      CREATE TABLE IF NOT EXISTS revenue.approval_delegations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        from_member uuid NOT NULL,
        to_member uuid NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        note text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK (from_member <> to_member),
        CHECK (ends_on >= starts_on)
      );
      CREATE INDEX IF NOT EXISTS approval_delegations_to_idx ON revenue.approval_delegations (tenant_id, to_member) WHERE revoked_at IS NULL;
      SELECT platform.enable_tenant_rls('revenue.approval_delegations');

      -- The owner role (which the SECURITY DEFINER work list below runs as) may read steps of any
      -- tenant; the app role still sees only its tenant's.
      DROP POLICY IF EXISTS approval_steps_definer_lookup ON revenue.approval_steps;
      CREATE POLICY approval_steps_definer_lookup ON revenue.approval_steps FOR SELECT TO ${OWNER_ROLE} USING (true);

      -- The reminder job's work list: pending steps of any tenant past their reminder time.
      CREATE OR REPLACE FUNCTION revenue.due_approval_reminders(p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT s.id, s.tenant_id FROM revenue.approval_steps s
                 WHERE s.status = 'pending' AND s.reminded_at IS NULL AND s.remind_at <= now()
                 ORDER BY s.remind_at LIMIT p_limit $fn$;
      REVOKE EXECUTE ON FUNCTION revenue.due_approval_reminders(integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION revenue.due_approval_reminders(integer) TO ubos_app;
    `,
  },
  {
    id: '0022_approver_directory',
    sql: `
      -- Revenue's copy of who holds which role (kept from identity's membership events, never
      -- identity's tables): whom a role step reminds, and whose role a delegate stands in for.
      CREATE TABLE IF NOT EXISTS revenue.approver_directory (
        tenant_id uuid NOT NULL,
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, user_id)
      );
      SELECT platform.enable_tenant_rls('revenue.approver_directory');
    `,
  },
];
