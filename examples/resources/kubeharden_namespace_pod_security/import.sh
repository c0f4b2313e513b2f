# The import ID is the namespace name.
terraform import kubeharden_namespace_pod_security.team_a team-a
