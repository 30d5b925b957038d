"""The GitHub organization: settings, teams, the golden template and the infrastructure repository."""
