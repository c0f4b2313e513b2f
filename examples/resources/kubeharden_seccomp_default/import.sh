# The import ID is the resource's name: the policy's name without "kubeharden-seccomp-".
terraform import kubeharden_seccomp_default.runtime_default runtime-default
