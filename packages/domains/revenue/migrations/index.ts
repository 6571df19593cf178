import { APP_ROLE, OWNER_ROLE, type Migration } from '@ubos/platform';
import { billsMigrations } from './migrations-bills.ts';

/**
 * Schema `revenue` (ARCHITECTURE.md §4). Forward-only and idempotent: never edit an applied
 * migration, add the next one. Every tenant table carries tenant_id and forced RLS.
 */
export const revenueMigrations: Migration[] = [
  {
    id: '0001_settings',
    sql: `
      CREATE SCHEMA IF NOT EXISTS revenue;

      -- One row per tenant, written on the first change: no row means the defaults apply.
      CREATE TABLE IF NOT EXISTS revenue.settings (
        tenant_id uuid PRIMARY KEY,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('revenue.settings');
    `,
  },
  // ---------------------------------------------------------------- money in: invoices, credit notes, payments (0002–0019)
  {
    id: '0002_invoices',
    sql: `
      -- Per-tenant invoicing rules; no row = the defaults (service-invoices.ts).
      CREATE TABLE IF NOT EXISTS revenue.invoice_settings (
        tenant_id uuid PRIMARY KEY,
        brand_name text CHECK (brand_name IS NULL OR length(brand_name) BETWEEN 1 AND 200),
        currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
        payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
        rounding_level text NOT NULL DEFAULT 'line' CHECK (rounding_level IN ('line', 'document')),
        rounding_mode text NOT NULL DEFAULT 'halfUp' CHECK (rounding_mode IN ('halfUp', 'halfEven')),
        tax_mode text NOT NULL DEFAULT 'exclusive' CHECK (tax_mode IN ('exclusive', 'inclusive')),
        needs_approval boolean NOT NULL DEFAULT false,
        invoice_prefix text NOT NULL DEFAULT 'INV-' CHECK (length(invoice_prefix) <= 20),
        credit_note_prefix text NOT NULL DEFAULT 'CN-' CHECK (length(credit_note_prefix) <= 20),
        missed_periods text NOT NULL DEFAULT 'catch_up' CHECK (missed_periods IN ('catch_up', 'skip')),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      SELECT platform.enable_tenant_rls('revenue.invoice_settings');

      -- A client's billing account (one per client; no row = the tenant's defaults).
      CREATE TABLE IF NOT EXISTS revenue.accounts (
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        billing_name text CHECK (billing_name IS NULL OR length(billing_name) BETWEEN 1 AND 200),
        billing_email text CHECK (billing_email IS NULL OR length(billing_email) BETWEEN 3 AND 320),
        billing_contact_id uuid,
        currency char(3) CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
        payment_terms_days integer CHECK (payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365),
        tax_ids jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(tax_ids) = 'array'),
        address jsonb CHECK (address IS NULL OR jsonb_typeof(address) = 'object'),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid,
        PRIMARY KEY (tenant_id, client_id)
      );
      SELECT platform.enable_tenant_rls('revenue.accounts');

      -- Gapless numbering: one counter row per tenant and sequence, incremented by UPDATE … RETURNING
      -- inside the issuing transaction (a rollback gives the number back; concurrent issues queue on the row).
      CREATE TABLE IF NOT EXISTS revenue.number_sequences (
        tenant_id uuid NOT NULL,
        sequence text NOT NULL CHECK (sequence ~ '^[a-z_]{1,40}$'),
        last_value bigint NOT NULL DEFAULT 0 CHECK (last_value >= 0),
        PRIMARY KEY (tenant_id, sequence)
      );
      SELECT platform.enable_tenant_rls('revenue.number_sequences');

      CREATE TABLE IF NOT EXISTS revenue.invoices (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'pending_approval', 'approved', 'issued', 'partially_paid', 'paid', 'void')),
        sequence text NOT NULL DEFAULT 'invoice',
        seq bigint CHECK (seq IS NULL OR seq >= 1),
        number text CHECK (number IS NULL OR length(number) BETWEEN 1 AND 60),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        tax_mode text NOT NULL CHECK (tax_mode IN ('exclusive', 'inclusive')),
        rounding_level text NOT NULL CHECK (rounding_level IN ('line', 'document')),
        rounding_mode text NOT NULL CHECK (rounding_mode IN ('halfUp', 'halfEven')),
        taxes jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(taxes) = 'array'),
        document_tax_ids jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(document_tax_ids) = 'array'),
        discount jsonb CHECK (discount IS NULL OR jsonb_typeof(discount) = 'object'),
        notes text CHECK (notes IS NULL OR length(notes) <= 5000),
        payment_terms_days integer NOT NULL CHECK (payment_terms_days BETWEEN 0 AND 365),
        issue_date date,
        due_date date,
        subtotal_minor bigint NOT NULL DEFAULT 0 CHECK (subtotal_minor >= 0),
        discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
        tax_minor bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
        total_minor bigint NOT NULL DEFAULT 0 CHECK (total_minor >= 0),
        paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
        credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0),
        balance_minor bigint GENERATED ALWAYS AS (total_minor - paid_minor - credited_minor) STORED,
        plan_id uuid,
        plan_period text,
        pdf_file_id uuid,
        version integer NOT NULL DEFAULT 1,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        submitted_by uuid,
        approved_by uuid,
        approved_at timestamptz,
        issued_at timestamptz,
        sent_at timestamptz,
        voided_at timestamptz,
        void_reason text,
        -- Drafts have no number; everything issued has one (a voided draft has none).
        CHECK ((status IN ('draft', 'pending_approval', 'approved')) = (seq IS NULL) OR status = 'void'),
        CHECK ((seq IS NULL) = (number IS NULL) AND (seq IS NULL) = (issued_at IS NULL)),
        CHECK (seq IS NULL OR (issue_date IS NOT NULL AND due_date IS NOT NULL)),
        CHECK (total_minor - paid_minor - credited_minor >= 0),
        CHECK (status <> 'paid' OR total_minor - paid_minor - credited_minor = 0),
        CHECK ((plan_id IS NULL) = (plan_period IS NULL))
      );
      SELECT platform.enable_tenant_rls('revenue.invoices');
      CREATE UNIQUE INDEX IF NOT EXISTS invoices_seq_idx ON revenue.invoices (tenant_id, sequence, seq) WHERE seq IS NOT NULL;
      CREATE UNIQUE INDEX IF NOT EXISTS invoices_number_idx ON revenue.invoices (tenant_id, number) WHERE number IS NOT NULL;
      -- A plan's period is invoiced once, whoever runs the scheduler how often.
      CREATE UNIQUE INDEX IF NOT EXISTS invoices_plan_period_idx ON revenue.invoices (tenant_id, plan_id, plan_period) WHERE plan_id IS NOT NULL;
      CREATE INDEX IF NOT EXISTS invoices_list_idx ON revenue.invoices (tenant_id, id DESC);
      CREATE INDEX IF NOT EXISTS invoices_client_idx ON revenue.invoices (tenant_id, client_id, id DESC);
      CREATE INDEX IF NOT EXISTS invoices_status_idx ON revenue.invoices (tenant_id, status, id DESC);
      CREATE INDEX IF NOT EXISTS invoices_open_idx ON revenue.invoices (tenant_id, due_date) WHERE status IN ('issued', 'partially_paid');

      CREATE TABLE IF NOT EXISTS revenue.invoice_lines (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES revenue.invoices (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
        quantity numeric(18, 6) NOT NULL CHECK (quantity >= 0),
        unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
        discount jsonb CHECK (discount IS NULL OR jsonb_typeof(discount) = 'object'),
        tax_ids jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(tax_ids) = 'array'),
        net_minor bigint NOT NULL CHECK (net_minor >= 0),
        UNIQUE (invoice_id, position)
      );
      SELECT platform.enable_tenant_rls('revenue.invoice_lines');

      -- An issued invoice is immutable (ARCHITECTURE.md §4: invariants in Postgres): once it has a
      -- number only its payment state, delivery and void marks may change, and it cannot be deleted.
      CREATE OR REPLACE FUNCTION revenue.guard_issued_invoice() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.seq IS NOT NULL THEN
            RAISE EXCEPTION 'Issued invoice % cannot be deleted', OLD.number USING ERRCODE = 'check_violation';
          END IF;
          RETURN OLD;
        END IF;
        IF OLD.seq IS NOT NULL AND (
          (NEW.client_id, NEW.sequence, NEW.seq, NEW.number, NEW.currency, NEW.tax_mode, NEW.rounding_level, NEW.rounding_mode,
           NEW.taxes, NEW.document_tax_ids, NEW.discount, NEW.notes, NEW.payment_terms_days, NEW.issue_date, NEW.due_date,
           NEW.subtotal_minor, NEW.discount_minor, NEW.tax_minor, NEW.total_minor, NEW.issued_at, NEW.plan_id, NEW.plan_period)
          IS DISTINCT FROM
          (OLD.client_id, OLD.sequence, OLD.seq, OLD.number, OLD.currency, OLD.tax_mode, OLD.rounding_level, OLD.rounding_mode,
           OLD.taxes, OLD.document_tax_ids, OLD.discount, OLD.notes, OLD.payment_terms_days, OLD.issue_date, OLD.due_date,
           OLD.subtotal_minor, OLD.discount_minor, OLD.tax_minor, OLD.total_minor, OLD.issued_at, OLD.plan_id, OLD.plan_period)
        ) THEN
          RAISE EXCEPTION 'Invoice % is issued and cannot be changed: correct it with a credit note', OLD.number USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'void' AND NEW.status <> 'void' THEN
          RAISE EXCEPTION 'A voided invoice stays void' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $fn$;
      DROP TRIGGER IF EXISTS invoices_issued_immutable ON revenue.invoices;
      CREATE TRIGGER invoices_issued_immutable BEFORE UPDATE OR DELETE ON revenue.invoices
        FOR EACH ROW EXECUTE FUNCTION revenue.guard_issued_invoice();

      CREATE OR REPLACE FUNCTION revenue.guard_issued_lines() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
      DECLARE
        target uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
      BEGIN
        IF EXISTS (SELECT 1 FROM revenue.invoices i WHERE i.id = target AND i.seq IS NOT NULL) THEN
          RAISE EXCEPTION 'The lines of an issued invoice cannot be changed: correct it with a credit note' USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.invoice_id <> NEW.invoice_id AND EXISTS (SELECT 1 FROM revenue.invoices i WHERE i.id = OLD.invoice_id AND i.seq IS NOT NULL) THEN
          RAISE EXCEPTION 'The lines of an issued invoice cannot be changed' USING ERRCODE = 'check_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $fn$;
      DROP TRIGGER IF EXISTS invoice_lines_issued_immutable ON revenue.invoice_lines;
      CREATE TRIGGER invoice_lines_issued_immutable BEFORE INSERT OR UPDATE OR DELETE ON revenue.invoice_lines
        FOR EACH ROW EXECUTE FUNCTION revenue.guard_issued_lines();

      -- Credit notes: numbered at creation in their own sequence, immutable.
      CREATE TABLE IF NOT EXISTS revenue.credit_notes (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        invoice_id uuid NOT NULL REFERENCES revenue.invoices (id),
        client_id uuid NOT NULL,
        seq bigint NOT NULL CHECK (seq >= 1),
        number text NOT NULL CHECK (length(number) BETWEEN 1 AND 60),
        currency char(3) NOT NULL,
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        -- What reduced the invoice's balance; the rest became the client's credit.
        applied_minor bigint NOT NULL CHECK (applied_minor >= 0 AND applied_minor <= amount_minor),
        issue_date date NOT NULL,
        pdf_file_id uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, seq),
        UNIQUE (tenant_id, number)
      );
      SELECT platform.enable_tenant_rls('revenue.credit_notes');
      CREATE INDEX IF NOT EXISTS credit_notes_invoice_idx ON revenue.credit_notes (tenant_id, invoice_id);
      CREATE INDEX IF NOT EXISTS credit_notes_list_idx ON revenue.credit_notes (tenant_id, id DESC);

      -- Payments received (kind 'payment') and money given back (kind 'refund', refund_of = the payment).
      CREATE TABLE IF NOT EXISTS revenue.payments (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        invoice_id uuid REFERENCES revenue.invoices (id),
        kind text NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'refund')),
        refund_of uuid REFERENCES revenue.payments (id),
        currency char(3) NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        -- Of a payment: the part that paid the invoice (the rest became credit); of a refund: the part taken back from the invoice.
        applied_minor bigint NOT NULL CHECK (applied_minor >= 0 AND applied_minor <= amount_minor),
        refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
        method text NOT NULL CHECK (method IN ('bank_transfer', 'card', 'cash', 'check', 'other', 'ledger')),
        reference text CHECK (reference IS NULL OR length(reference) <= 200),
        received_on date NOT NULL,
        idempotency_key text CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'refund') = (refund_of IS NOT NULL)),
        CHECK (kind = 'payment' OR refunded_minor = 0)
      );
      SELECT platform.enable_tenant_rls('revenue.payments');
      CREATE UNIQUE INDEX IF NOT EXISTS payments_idempotency_idx ON revenue.payments (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX IF NOT EXISTS payments_list_idx ON revenue.payments (tenant_id, id DESC);
      CREATE INDEX IF NOT EXISTS payments_invoice_idx ON revenue.payments (tenant_id, invoice_id);

      -- A client's credit per currency (overpayments, credit notes beyond the balance), as movements.
      CREATE TABLE IF NOT EXISTS revenue.credit_movements (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        currency char(3) NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
        source text NOT NULL CHECK (source IN ('overpayment', 'credit_note', 'refund')),
        source_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      SELECT platform.enable_tenant_rls('revenue.credit_movements');
      CREATE INDEX IF NOT EXISTS credit_movements_client_idx ON revenue.credit_movements (tenant_id, client_id, currency);
    `,
  },
  {
    id: '0003_invoice_plans',
    sql: `
      -- Invoice plans: a template invoice and a schedule (recurring periods, a deposit at the start,
      -- milestones issued when a project milestone is reached). Each issued period is an invoice with
      -- (plan_id, plan_period), unique: a period is invoiced once, whoever runs the scheduler how often.
      CREATE TABLE IF NOT EXISTS revenue.invoice_plans (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        client_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('recurring', 'deposit', 'milestones')),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed')),
        template jsonb NOT NULL CHECK (jsonb_typeof(template) = 'object'),
        -- recurring: every interval_months months on anchor_day (clamped to the month's last day)
        interval_months integer CHECK (interval_months IN (1, 3)),
        anchor_day integer CHECK (anchor_day BETWEEN 1 AND 31),
        start_date date NOT NULL,
        end_after integer CHECK (end_after IS NULL OR end_after >= 1),
        end_date date,
        -- deposit: percent of the template's total, issued on the start date
        deposit_percent numeric(7, 4) CHECK (deposit_percent IS NULL OR (deposit_percent > 0 AND deposit_percent <= 100)),
        -- milestones: [{key, label, percent, projectMilestoneId}]
        milestones jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(milestones) = 'array'),
        -- the next recurring period to issue (0-based) and its date
        next_period integer NOT NULL DEFAULT 0 CHECK (next_period >= 0),
        next_run_on date,
        issued_count integer NOT NULL DEFAULT 0 CHECK (issued_count >= 0),
        skipped_count integer NOT NULL DEFAULT 0 CHECK (skipped_count >= 0),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'recurring' OR (interval_months IS NOT NULL AND anchor_day IS NOT NULL)),
        CHECK (kind <> 'deposit' OR deposit_percent IS NOT NULL)
      );
      SELECT platform.enable_tenant_rls('revenue.invoice_plans');
      CREATE INDEX IF NOT EXISTS invoice_plans_list_idx ON revenue.invoice_plans (tenant_id, id DESC);
      CREATE INDEX IF NOT EXISTS invoice_plans_due_idx ON revenue.invoice_plans (next_run_on) WHERE status = 'active' AND next_run_on IS NOT NULL;

      -- The scheduler's work list: active plans of any tenant with a period due on p_today.
      DROP POLICY IF EXISTS invoice_plans_definer_lookup ON revenue.invoice_plans;
      CREATE POLICY invoice_plans_definer_lookup ON revenue.invoice_plans FOR SELECT TO ${OWNER_ROLE} USING (true);
      CREATE OR REPLACE FUNCTION revenue.due_plans(p_today date, p_tenant uuid, p_after uuid, p_limit integer)
        RETURNS TABLE (id uuid, tenant_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        AS $fn$ SELECT p.id, p.tenant_id FROM revenue.invoice_plans p
                 WHERE p.status = 'active' AND p.next_run_on <= p_today AND (p_after IS NULL OR p.id > p_after)
                   AND (p_tenant IS NULL OR p.tenant_id = p_tenant)
                 ORDER BY p.id LIMIT p_limit $fn$;
      REVOKE EXECUTE ON FUNCTION revenue.due_plans(date, uuid, uuid, integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION revenue.due_plans(date, uuid, uuid, integer) TO ${APP_ROLE};
    `,
  },
  {
    id: '0004_invoice_engagement',
    sql: `
      -- The engagement an invoice bills (crm links it on revenue.invoice.drafted).
      ALTER TABLE revenue.invoices ADD COLUMN IF NOT EXISTS engagement_id uuid;
      CREATE INDEX IF NOT EXISTS invoices_engagement_idx ON revenue.invoices (tenant_id, engagement_id) WHERE engagement_id IS NOT NULL;
    `,
  },
  // Money out and approvals (0020 onward), kept last.
  ...billsMigrations,
];
