import type { Migration } from '@ubos/platform';

/**
 * Schema `projects`. Every table carries tenant_id with RLS enabled and forced; in-schema
 * foreign keys are composite (tenant_id, id) so a row can never point into another tenant.
 * Board positions are fractional-index keys compared byte-wise (COLLATE "C").
 */
export const projectsMigrations: Migration[] = [
  {
    id: '0001_projects_core',
    sql: `
      CREATE TABLE IF NOT EXISTS projects.templates (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        skeleton jsonb NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT templates_tenant_id_unique UNIQUE (tenant_id, id)
      );
      CREATE UNIQUE INDEX IF NOT EXISTS templates_name_unique ON projects.templates (tenant_id, lower(name));
      SELECT platform.enable_tenant_rls('projects.templates');

      CREATE TABLE IF NOT EXISTS projects.projects (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text,
        client_id uuid,
        engagement_id uuid,
        template_id uuid,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')),
        start_date date,
        due_date date,
        completed_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT projects_tenant_id_unique UNIQUE (tenant_id, id),
        CONSTRAINT projects_dates_check CHECK (due_date IS NULL OR start_date IS NULL OR due_date >= start_date)
      );
      CREATE INDEX IF NOT EXISTS projects_keyset_idx ON projects.projects (tenant_id, id DESC);
      CREATE INDEX IF NOT EXISTS projects_client_idx ON projects.projects (tenant_id, client_id) WHERE client_id IS NOT NULL;
      SELECT platform.enable_tenant_rls('projects.projects');

      CREATE TABLE IF NOT EXISTS projects.columns (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        position text COLLATE "C" NOT NULL,
        is_done boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT columns_tenant_id_unique UNIQUE (tenant_id, id),
        CONSTRAINT columns_project_fk FOREIGN KEY (tenant_id, project_id) REFERENCES projects.projects (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT columns_position_unique UNIQUE (project_id, position)
      );
      SELECT platform.enable_tenant_rls('projects.columns');

      CREATE TABLE IF NOT EXISTS projects.milestones (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        due_date date,
        reached_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT milestones_tenant_id_unique UNIQUE (tenant_id, id),
        CONSTRAINT milestones_project_fk FOREIGN KEY (tenant_id, project_id) REFERENCES projects.projects (tenant_id, id) ON DELETE CASCADE
      );
      CREATE INDEX IF NOT EXISTS milestones_project_idx ON projects.milestones (tenant_id, project_id, due_date NULLS LAST, id);
      SELECT platform.enable_tenant_rls('projects.milestones');

      CREATE TABLE IF NOT EXISTS projects.tasks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        column_id uuid NOT NULL,
        milestone_id uuid,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        description text,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        assignee_id uuid,
        due_date date,
        checklist jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(checklist) = 'array'),
        position text COLLATE "C" NOT NULL,
        completed_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tasks_tenant_id_unique UNIQUE (tenant_id, id),
        CONSTRAINT tasks_project_fk FOREIGN KEY (tenant_id, project_id) REFERENCES projects.projects (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT tasks_column_fk FOREIGN KEY (tenant_id, column_id) REFERENCES projects.columns (tenant_id, id),
        CONSTRAINT tasks_milestone_fk FOREIGN KEY (tenant_id, milestone_id) REFERENCES projects.milestones (tenant_id, id) ON DELETE SET NULL (milestone_id),
        CONSTRAINT tasks_position_unique UNIQUE (column_id, position)
      );
      CREATE INDEX IF NOT EXISTS tasks_project_idx ON projects.tasks (tenant_id, project_id, id);
      CREATE INDEX IF NOT EXISTS tasks_mine_idx ON projects.tasks (tenant_id, assignee_id, id) WHERE status = 'open';
      CREATE INDEX IF NOT EXISTS tasks_milestone_idx ON projects.tasks (tenant_id, milestone_id) WHERE milestone_id IS NOT NULL;
      SELECT platform.enable_tenant_rls('projects.tasks');
    `,
  },
  {
    // Projects are referenced by other domains (a folder's project, a file attached to a project):
    // the kernel's reference registry follows the table by trigger (ARCHITECTURE.md §4).
    id: '0002_entity_references',
    sql: `SELECT platform.track_entity_references('projects.projects', 'projects.project');`,
  },
  {
    // Templates are referenced by other domains (a deal's project template, ARCHITECTURE.md §4).
    id: '0003_template_references',
    sql: `SELECT platform.track_entity_references('projects.templates', 'projects.template');`,
  },
  {
    // Templates are archived, never deleted: projects and deals keep naming the one they came from.
    id: '0004_template_archive',
    sql: `ALTER TABLE projects.templates ADD COLUMN IF NOT EXISTS archived_at timestamptz;`,
  },
];
