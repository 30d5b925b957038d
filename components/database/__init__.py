"""The DB Manager's database side (ADR-0002): the migration that creates tenant schemas and group roles,
and the pooler (PgBouncer) every tenant connection goes through. Pure: the real-server tier runs the
same SQL and configuration against PostgreSQL and PgBouncer."""
