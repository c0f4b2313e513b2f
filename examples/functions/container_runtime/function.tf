# The runtime of every node, from kubeharden_cluster, with a check that no
# node still runs containerd 1.x before an upgrade that needs containerd 2.
# Nodes that report no runtime are left out (the function refuses them).
data "kubeharden_cluster" "this" {}

locals {
  runtimes = {
    for n in data.kubeharden_cluster.this.nodes :
    n.name => provider::kubeharden::container_runtime("${n.container_runtime}://${n.container_runtime_version}")
    if n.container_runtime != "unknown"
  }
}

output "node_runtimes" {
  value = local.runtimes
}

check "containerd_2" {
  assert {
    condition = alltrue([
      for r in values(local.runtimes) : r.name != "containerd" || coalesce(r.major, 0) >= 2
    ])
    error_message = "Some nodes run containerd 1.x: ${join(", ", [for n, r in local.runtimes : n if r.name == "containerd" && coalesce(r.major, 0) < 2])}."
  }
}
