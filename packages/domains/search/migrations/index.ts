import type { Migration } from '@ubos/platform';

/**
 * Schema `search`: one document per searchable entity, maintained from events.
 *
 * The RLS pitfall (ARCHITECTURE §10): `@@` and the trigram operators are not LEAKPROOF, so under
 * RLS Postgres must apply the tenant policy first and cannot drive a GIN index with them. The
 * design (final state after 0004):
 * - search.documents has RLS enabled AND forced with the standard tenant policy, so ubos_app only
 *   ever sees and writes its tenant's rows;
 * - a second, SELECT-only policy `definer_reads_all` applies TO ubos_owner alone with USING (true):
 *   OR-ed with the tenant policy it folds to true, so queries the owner plans carry no security
 *   qual and the planner may use @@ and <% as index conditions;
 * - search.query_documents() is SECURITY DEFINER, owned by ubos_owner (which has no CREATEROLE,
 *   so no dedicated role can be created from a migration), and applies the tenant explicitly in
 *   every branch: btree (tenant_id, lower(title) COLLATE "C") for exact/prefix titles; GIN (tsv)
 *   over tenant-TAGGED lexemes ('x' + 12 hex of the tenant id + word) with an explicit tenant
 *   recheck; GIN (tenant_key, title gin_trgm_ops) for typos (tenant_key = tenant_id, btree_gin).
 *   Without a tenant set it returns nothing.
 * Tests prove index use (auto_explain of the nested query run as ubos_app), isolation (including
 * tenants whose tags collide) and the catalog state.
 */
export const searchMigrations: Migration[] = [
  {
    id: '0001_search_documents',
    sql: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
      CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public;

      CREATE TABLE IF NOT EXISTS search.documents (
        tenant_id uuid NOT NULL,
        entity_type text NOT NULL CHECK (entity_type ~ '^[a-z][a-z_]*$'),
        entity_id uuid NOT NULL,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
        subtitle text,
        body text,
        client_id uuid,
        parent_id uuid,
        source_event_id uuid,
        source_occurred_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- A copy of tenant_id that only the GIN indexes lead with, so the planner cannot answer
        -- the tenant filter from the primary key and then test @@ / <% row by row.
        tenant_key uuid GENERATED ALWAYS AS (tenant_id) STORED,
        tsv tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', title), 'A')
          || setweight(to_tsvector('simple', coalesce(subtitle, '')), 'B')
          || setweight(to_tsvector('simple', coalesce(body, '')), 'C')
        ) STORED,
        PRIMARY KEY (tenant_id, entity_type, entity_id)
      );
      SELECT platform.enable_tenant_rls('search.documents');
      -- Deliberately not forced: the owner (and only the owner, through the definer function) reads across the policy.
      ALTER TABLE search.documents NO FORCE ROW LEVEL SECURITY;

      DO $do$
      DECLARE
        trgm_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
      BEGIN
        EXECUTE 'CREATE INDEX IF NOT EXISTS documents_tsv_idx ON search.documents USING gin (tenant_key, tsv)';
        EXECUTE format('CREATE INDEX IF NOT EXISTS documents_title_trgm_idx ON search.documents USING gin (tenant_key, title %I.gin_trgm_ops)', trgm_schema);
        EXECUTE 'CREATE INDEX IF NOT EXISTS documents_title_prefix_idx ON search.documents (tenant_id, (lower(title) COLLATE "C"))';

        EXECUTE format($f$
          CREATE OR REPLACE FUNCTION search.query_documents(p_query text, p_types text[], p_limit integer)
          RETURNS TABLE (entity_type text, entity_id uuid, title text, subtitle text, client_id uuid, parent_id uuid, score real)
          LANGUAGE plpgsql STABLE SECURITY DEFINER
          SET search_path = pg_catalog, %I, pg_temp
          SET pg_trgm.word_similarity_threshold = 0.5
          -- Every branch is designed around an index; a LIMIT makes the planner gamble on a
          -- sequential scan finding rows early, which at 100k rows per tenant it loses.
          SET enable_seqscan = off
          AS $body$
          #variable_conflict use_column
          DECLARE
            v_tenant uuid := platform.current_tenant_id();
            v_needle text := lower(btrim(regexp_replace(coalesce(p_query, ''), '\\s+', ' ', 'g')));
            v_upper text;
            v_tsq tsquery;
            v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 100);
          BEGIN
            IF v_tenant IS NULL OR v_needle = '' OR length(v_needle) > 200 OR p_types IS NULL OR cardinality(p_types) = 0 THEN
              RETURN;
            END IF;
            v_upper := v_needle || chr(1114111);
            SELECT to_tsquery('simple', string_agg(quote_literal(tok) || ':*', ' & '))
              INTO v_tsq
              FROM regexp_split_to_table(v_needle, '[^[:alnum:]]+') AS tok
              WHERE tok <> '';
            RETURN QUERY
            WITH candidates AS (
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE d.tenant_id = v_tenant
                  AND lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper
                  AND d.entity_type = ANY (p_types)
                ORDER BY lower(d.title) COLLATE "C"
                LIMIT 50)
              UNION
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE v_tsq IS NOT NULL AND d.tenant_key = v_tenant AND d.tsv @@ v_tsq AND d.entity_type = ANY (p_types)
                LIMIT 200)
              UNION
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE length(v_needle) >= 3 AND d.tenant_key = v_tenant AND v_needle <%% d.title AND d.entity_type = ANY (p_types)
                LIMIT 200)
            )
            SELECT d.entity_type, d.entity_id, d.title, d.subtitle, d.client_id, d.parent_id,
              (CASE WHEN lower(d.title) = v_needle THEN 3.0
                    WHEN lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper THEN 1.5
                    ELSE 0 END
               + CASE WHEN v_tsq IS NULL THEN 0 ELSE ts_rank(d.tsv, v_tsq) END
               + word_similarity(v_needle, d.title))::real AS score
            FROM candidates c
            JOIN search.documents d ON d.tenant_id = v_tenant AND d.entity_type = c.entity_type AND d.entity_id = c.entity_id
            ORDER BY 7 DESC, 3, 2
            LIMIT v_limit;
          END
          $body$;
        $f$, trgm_schema);
      END
      $do$;
      REVOKE EXECUTE ON FUNCTION search.query_documents(text, text[], integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search.query_documents(text, text[], integer) TO ubos_app;
    `,
  },
  {
    /*
     * Prefix queries ('co:*') are GIN partial matches: Postgres collects every matching lexeme's
     * posting list into a bitmap before the tenant filter can prune it, so their cost grew with the
     * whole table, not the tenant. Lexemes now carry a tenant tag ('x' + 12 hex of the tenant id,
     * e.g. 'x1a2b3c4d5e6facme'), so a prefix scans only the caller's range of the lexeme tree.
     * The explicit tenant_key filter stays: the tag is for speed, never for isolation.
     */
    id: '0002_tenant_tagged_lexemes',
    sql: `
      CREATE OR REPLACE FUNCTION search.tenant_tag(tenant uuid) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT 'x' || right(replace(tenant::text, '-', ''), 12) $$;
      CREATE OR REPLACE FUNCTION search.tenant_words(tenant uuid, content text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT regexp_replace(lower(coalesce(content, '')), '([[:alnum:]]+)', search.tenant_tag(tenant) || '\\1', 'g') $$;

      DROP INDEX IF EXISTS search.documents_tsv_idx;
      ALTER TABLE search.documents DROP COLUMN IF EXISTS tsv;
      ALTER TABLE search.documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', search.tenant_words(tenant_id, title)), 'A')
        || setweight(to_tsvector('simple', search.tenant_words(tenant_id, subtitle)), 'B')
        || setweight(to_tsvector('simple', search.tenant_words(tenant_id, body)), 'C')
      ) STORED;
      CREATE INDEX IF NOT EXISTS documents_tsv_idx ON search.documents USING gin (tenant_key, tsv);

      DO $do$
      DECLARE
        trgm_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
      BEGIN

        EXECUTE format($f$
          CREATE OR REPLACE FUNCTION search.query_documents(p_query text, p_types text[], p_limit integer)
          RETURNS TABLE (entity_type text, entity_id uuid, title text, subtitle text, client_id uuid, parent_id uuid, score real)
          LANGUAGE plpgsql STABLE SECURITY DEFINER
          SET search_path = pg_catalog, %I, pg_temp
          SET pg_trgm.word_similarity_threshold = 0.5
          -- Every branch is designed around an index; a LIMIT makes the planner gamble on a
          -- sequential scan finding rows early, which at 100k rows per tenant it loses.
          SET enable_seqscan = off
          AS $body$
          #variable_conflict use_column
          DECLARE
            v_tenant uuid := platform.current_tenant_id();
            v_needle text := lower(btrim(regexp_replace(coalesce(p_query, ''), '\\s+', ' ', 'g')));
            v_upper text;
            v_tsq tsquery;
            v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 100);
          BEGIN
            IF v_tenant IS NULL OR v_needle = '' OR length(v_needle) > 200 OR p_types IS NULL OR cardinality(p_types) = 0 THEN
              RETURN;
            END IF;
            v_upper := v_needle || chr(1114111);
            SELECT to_tsquery('simple', string_agg(quote_literal(search.tenant_tag(v_tenant) || tok) || ':*', ' & '))
              INTO v_tsq
              FROM regexp_split_to_table(v_needle, '[^[:alnum:]]+') AS tok
              WHERE tok <> '';
            RETURN QUERY
            WITH candidates AS (
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE d.tenant_id = v_tenant
                  AND lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper
                  AND d.entity_type = ANY (p_types)
                ORDER BY lower(d.title) COLLATE "C"
                LIMIT 50)
              UNION
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE v_tsq IS NOT NULL AND d.tenant_key = v_tenant AND d.tsv @@ v_tsq AND d.entity_type = ANY (p_types)
                LIMIT 200)
              UNION
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE length(v_needle) >= 3 AND d.tenant_key = v_tenant AND v_needle <%% d.title AND d.entity_type = ANY (p_types)
                LIMIT 200)
            )
            SELECT d.entity_type, d.entity_id, d.title, d.subtitle, d.client_id, d.parent_id,
              (CASE WHEN lower(d.title) = v_needle THEN 3.0
                    WHEN lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper THEN 1.5
                    ELSE 0 END
               + CASE WHEN v_tsq IS NULL THEN 0 ELSE ts_rank(d.tsv, v_tsq) END
               + word_similarity(v_needle, d.title))::real AS score
            FROM candidates c
            JOIN search.documents d ON d.tenant_id = v_tenant AND d.entity_type = c.entity_type AND d.entity_id = c.entity_id
            ORDER BY 7 DESC, 3, 2
            LIMIT v_limit;
          END
          $body$;
        $f$, trgm_schema);
      END
      $do$;
      REVOKE EXECUTE ON FUNCTION search.query_documents(text, text[], integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search.query_documents(text, text[], integer) TO ubos_app;
    `,
  },
  {
    /*
     * With tenant-tagged lexemes the tenant_key column in the tsv GIN only costs time: the scan had
     * to walk the tenant's whole posting tree (100k entries for the largest tenant) to intersect it.
     * The tsv index is now on the tagged lexemes alone, and the tenant filter on that branch is an
     * explicit recheck written so no btree can serve it (else the planner walks the tenant by primary
     * key and tests @@ row by row). The trigram branch (typos) only runs when exact, prefix and
     * full-text matches found fewer candidates than asked for.
     */
    id: '0003_tsv_index_on_tagged_lexemes',
    sql: `
      DROP INDEX IF EXISTS search.documents_tsv_idx;
      CREATE INDEX IF NOT EXISTS documents_tsv_idx ON search.documents USING gin (tsv);

      DO $do$
      DECLARE
        trgm_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
      BEGIN
        EXECUTE format($f$
          CREATE OR REPLACE FUNCTION search.query_documents(p_query text, p_types text[], p_limit integer)
          RETURNS TABLE (entity_type text, entity_id uuid, title text, subtitle text, client_id uuid, parent_id uuid, score real)
          LANGUAGE plpgsql STABLE SECURITY DEFINER
          SET search_path = pg_catalog, %I, pg_temp
          SET pg_trgm.word_similarity_threshold = 0.5
          -- Every branch is designed around an index; a LIMIT makes the planner gamble on a
          -- sequential scan finding rows early, which at 100k rows per tenant it loses.
          SET enable_seqscan = off
          AS $body$
          #variable_conflict use_column
          DECLARE
            v_tenant uuid := platform.current_tenant_id();
            v_needle text := lower(btrim(regexp_replace(coalesce(p_query, ''), '\\s+', ' ', 'g')));
            v_upper text;
            v_tsq tsquery;
            v_limit integer := least(greatest(coalesce(p_limit, 20), 1), 100);
          BEGIN
            IF v_tenant IS NULL OR v_needle = '' OR length(v_needle) > 200 OR p_types IS NULL OR cardinality(p_types) = 0 THEN
              RETURN;
            END IF;
            v_upper := v_needle || chr(1114111);
            SELECT to_tsquery('simple', string_agg(quote_literal(search.tenant_tag(v_tenant) || tok) || ':*', ' & '))
              INTO v_tsq
              FROM regexp_split_to_table(v_needle, '[^[:alnum:]]+') AS tok
              WHERE tok <> '';
            RETURN QUERY
            WITH direct AS MATERIALIZED (
              -- Exact and prefix title matches: btree (tenant_id, lower(title) COLLATE "C").
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE d.tenant_id = v_tenant
                  AND lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper
                  AND d.entity_type = ANY (p_types)
                ORDER BY lower(d.title) COLLATE "C"
                LIMIT 50)
              UNION
              -- Word-prefix full text on tenant-tagged lexemes: GIN (tsv). The tenant filter is an
              -- explicit recheck on purpose (IS TRUE keeps it off every btree). One letter is too
              -- broad a prefix to be useful anywhere in a text: it only matches title starts.
              (SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE v_tsq IS NOT NULL AND length(v_needle) >= 2 AND d.tsv @@ v_tsq AND (d.tenant_id = v_tenant) IS TRUE AND d.entity_type = ANY (p_types)
                LIMIT 200)
            ),
            fuzzy AS (
              -- Typos: trigram word similarity, GIN (tenant_key, title gin_trgm_ops); only when the
              -- direct matches did not fill the page.
              SELECT d.entity_type, d.entity_id FROM search.documents d
                WHERE length(v_needle) >= 3 AND (SELECT count(*) FROM direct) < v_limit
                  AND d.tenant_key = v_tenant AND v_needle <%% d.title AND d.entity_type = ANY (p_types)
                LIMIT 200
            ),
            candidates AS (SELECT * FROM direct UNION SELECT * FROM fuzzy)
            SELECT d.entity_type, d.entity_id, d.title, d.subtitle, d.client_id, d.parent_id,
              (CASE WHEN lower(d.title) = v_needle THEN 3.0
                    WHEN lower(d.title) COLLATE "C" >= v_needle AND lower(d.title) COLLATE "C" < v_upper THEN 1.5
                    ELSE 0 END
               + CASE WHEN v_tsq IS NULL THEN 0 ELSE ts_rank(d.tsv, v_tsq) END
               + word_similarity(v_needle, d.title))::real AS score
            FROM candidates c
            JOIN search.documents d ON d.tenant_id = v_tenant AND d.entity_type = c.entity_type AND d.entity_id = c.entity_id
            ORDER BY 7 DESC, 3, 2
            LIMIT v_limit;
          END
          $body$;
        $f$, trgm_schema);
      END
      $do$;
      REVOKE EXECUTE ON FUNCTION search.query_documents(text, text[], integer) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION search.query_documents(text, text[], integer) TO ubos_app;
    `,
  },
  {
    /*
     * Keep FORCE ROW LEVEL SECURITY like every tenant table (0001 had turned it off so the owner
     * could read across the policy). The definer function's owner reads through a SELECT-only
     * policy of its own instead; ubos_app is still held by tenant_isolation alone.
     */
    id: '0004_force_rls_owner_read_policy',
    sql: `
      ALTER TABLE search.documents FORCE ROW LEVEL SECURITY;
      DROP POLICY IF EXISTS definer_reads_all ON search.documents;
      CREATE POLICY definer_reads_all ON search.documents AS PERMISSIVE FOR SELECT TO ubos_owner USING (true);
    `,
  },
  {
    /*
     * Index rebuilds as long work (search.index.rebuild): one row per request, advanced chunk by
     * chunk by the search.rebuild subscription. At most one queued or running rebuild per tenant
     * (a second request returns it). next_chunk makes a stale or repeated delivery a no-op.
     */
    id: '0005_rebuilds',
    sql: `
      CREATE TABLE IF NOT EXISTS search.rebuilds (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        next_chunk integer NOT NULL DEFAULT 0,
        last_position bigint NOT NULL DEFAULT 0,
        events_done integer NOT NULL DEFAULT 0,
        events_total integer NOT NULL DEFAULT 0,
        documents integer,
        error text,
        requested_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE UNIQUE INDEX IF NOT EXISTS rebuilds_one_active_idx ON search.rebuilds (tenant_id) WHERE status IN ('queued', 'running');
      CREATE INDEX IF NOT EXISTS rebuilds_recent_idx ON search.rebuilds (tenant_id, created_at DESC, id DESC);
      SELECT platform.enable_tenant_rls('search.rebuilds');
    `,
  },
];
