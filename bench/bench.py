#!/usr/bin/env python3
"""The benchmark behind `make bench` (stdlib only).

It starts the local control plane (internal/acctest/cmd/localenv), creates
N namespaces, and for each N measures, in the same run:

  kubeharden          apply from empty, plan (refresh) of the applied config,
                      plan after 1% of the labels changed behind Terraform's back
  snapshot off        the same provider with KUBEHARDEN_NAMESPACE_SNAPSHOT=off
                      (one GET per resource)
  terraform_data      N terraform_data resources: Terraform's own floor
  plugin_floor        N resources of bench/floorprovider, a provider on
                      terraform-plugin-go that does nothing: Terraform's floor
                      for any resource served by a plugin
  encryption_config   N kubeharden_encryption_config without path: the
                      provider's floor (same plugin and framework, no I/O)
  kubectl             one `kubectl get namespaces -o json`
  remote API server   the refresh of kubeharden and of snapshot off again
                      through the fault proxy (localenv -latency-proxy), with
                      no delay and with BENCH_LATENCY_MS added to every request
  profile             a CPU profile of the provider during one more
                      kubeharden plan at the largest N (not timed); its top
                      10 lines go to results.md

Each measurement records wall time, the API requests by verb (the API
server's apiserver_request_total, namespaces only; background requests of
the API server itself are not namespaces requests), and the peak RSS of the
provider processes (a wrapper records ru_maxrss of each one). Every
measurement is repeated BENCH_REPS times and the median is reported.
"""
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("KUBEHARDEN_BIN_DIR", os.path.join(ROOT, "bin"))
NS = [int(x) for x in os.environ.get("BENCH_N", "10,100,1000").split(",")]
REPS = int(os.environ.get("BENCH_REPS", "3"))
KINDS = os.environ.get("BENCH_KINDS", "kubeharden,snapshot-off,encryption_config,plugin_floor,terraform_data").split(",")
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "10"))


def log(msg):
    print(f"bench: {msg}", flush=True)


def run(cmd, env=None, check=True, cwd=None, capture=True):
    p = subprocess.run(cmd, env=env, cwd=cwd, text=True,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.STDOUT if capture else None)
    if check and p.returncode not in (0, 2):
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}")
    return p


class Env:
    def __init__(self, work):
        self.work = work
        envdir = os.path.join(work, "env")
        os.makedirs(envdir)
        runner = os.path.join(work, "localenv")
        run(["go", "build", "-o", runner, "./internal/acctest/cmd/localenv"], cwd=ROOT)
        self.proc = subprocess.Popen([runner, "-dir", envdir, "-latency-proxy", "0s", "-latency-proxy", f"{LATENCY_MS}ms"], stdout=open(os.path.join(work, "env.log"), "w"),
                                     stderr=subprocess.STDOUT, env=dict(os.environ, KUBEHARDEN_BIN_DIR=BIN))
        deadline = time.time() + 180
        while not os.path.exists(os.path.join(envdir, "ready")):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the local control plane did not start:\n" + open(os.path.join(work, "env.log")).read())
            time.sleep(0.2)
        self.kubeconfig = os.path.join(envdir, "controlplane", "kubeconfig")
        # Kubeconfigs through the fault proxy, by added latency in ms.
        self.proxy_kubeconfig = {0: os.path.join(envdir, "proxy-0s.kubeconfig"),
                                 LATENCY_MS: os.path.join(envdir, f"proxy-{LATENCY_MS}ms.kubeconfig")}
        self.profile = None
        # The provider runs under a wrapper that records its peak RSS.
        wrapdir = os.path.join(work, "provider")
        os.makedirs(wrapdir)
        self.rssfile = os.path.join(work, "rss.txt")
        wrapper = os.path.join(wrapdir, "terraform-provider-kubeharden")
        with open(wrapper, "w") as f:
            f.write(f"""#!{sys.executable}
import os, resource, subprocess, sys
p = subprocess.run([{os.path.join(BIN, "terraform-provider-kubeharden")!r}] + sys.argv[1:])
with open({self.rssfile!r}, "a") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + "\\n")
sys.exit(p.returncode)
""")
        os.chmod(wrapper, 0o755)
        floordir = os.path.join(work, "floor")
        run(["go", "build", "-o", os.path.join(floordir, "terraform-provider-floor"), "./bench/floorprovider"], cwd=ROOT)
        rc = os.path.join(work, "terraformrc")
        with open(rc, "w") as f:
            f.write('provider_installation {\n  dev_overrides {\n    "kubeharden/kubeharden" = "%s"\n    "kubeharden/floor" = "%s"\n  }\n  direct {}\n}\n' % (wrapdir, floordir))
        self.tfenv = dict(os.environ, TF_CLI_CONFIG_FILE=rc, TF_IN_AUTOMATION="1", TF_INPUT="0",
                          KUBECONFIG=self.kubeconfig, TF_VAR_kubeconfig=self.kubeconfig)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def kubectl(self, *args, check=True):
        return run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args), check=check)

    def requests(self):
        text = self.kubectl("get", "--raw", "/metrics").stdout
        out = {}
        for line in text.splitlines():
            if not line.startswith("apiserver_request_total{"):
                continue
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line[:line.rindex("}")]))
            if labels.get("resource") != "namespaces":
                continue
            verb = labels["verb"] + ("(dry-run)" if labels.get("dry_run") else "")
            out[verb] = out.get(verb, 0) + float(line.rsplit(" ", 1)[1])
        return out

    def measure(self, cmd, cwd=None, env=None, expect=None):
        before = self.requests()
        if os.path.exists(self.rssfile):
            os.remove(self.rssfile)
        t0 = time.monotonic()
        p = run(cmd, env=env or self.tfenv, cwd=cwd)
        wall = time.monotonic() - t0
        if expect is not None and p.returncode != expect:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}, expected {expect}:\n{p.stdout[-3000:]}")
        after = self.requests()
        reqs = {k: int(after[k] - before.get(k, 0)) for k in after if after[k] - before.get(k, 0) > 0}
        rss = 0
        if os.path.exists(self.rssfile):
            rss = max(int(x) for x in open(self.rssfile).read().split()) / 1024.0
        return {"wall": wall, "requests": reqs, "rss_mib": rss}


PROVIDER = '''
terraform {
  required_providers {
    kubeharden = { source = "kubeharden/kubeharden" }
  }
}
variable "kubeconfig" { type = string }
provider "kubeharden" {
  kubernetes {
    config_path = var.kubeconfig
  }
}
'''


def config(kind, n):
    names = ", ".join(f'"bench-{i:04d}"' for i in range(n))
    if kind in ("kubeharden", "snapshot-off"):
        return PROVIDER + f'''
locals {{ names = [{names}] }}
resource "kubeharden_namespace_pod_security" "ns" {{
  count     = length(local.names)
  namespace = local.names[count.index]
  enforce   = {{ level = "baseline" }}
  audit     = {{ level = "restricted" }}
  warn      = {{ level = "restricted" }}
}}
'''
    if kind == "encryption_config":
        return PROVIDER + f'''
resource "kubeharden_encryption_config" "floor" {{
  count = {n}
  kms   = [{{ name = "kms-${{count.index}}", endpoint = "unix:///var/run/kms/plugin.sock" }}]
}}
'''
    if kind == "plugin_floor":
        return f'''
terraform {{
  required_providers {{
    floor = {{ source = "kubeharden/floor" }}
  }}
}}
resource "floor_thing" "floor" {{
  count = {n}
  input = "bench-${{count.index}}"
}}
'''
    return f'''
resource "terraform_data" "floor" {{
  count = {n}
  input = "bench-${{count.index}}"
}}
'''


def ensure_namespaces(env, n):
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{i:04d}"}} for i in range(n)]
    path = os.path.join(env.work, "ns.json")
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f)
    env.kubectl("apply", "--server-side", "-f", path)


def bench_kind(env, kind, n, results):
    d = tempfile.mkdtemp(dir=env.work)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(config(kind, n))
    tfenv = dict(env.tfenv)
    if kind == "snapshot-off":
        tfenv["KUBEHARDEN_NAMESPACE_SNAPSHOT"] = "off"
    if kind == "terraform_data":
        run(["terraform", "init", "-no-color"], env=tfenv, cwd=d)
    results.setdefault((kind, n, "apply"), []).append(
        env.measure(["terraform", "apply", "-auto-approve", "-no-color", "-parallelism=10"], cwd=d, env=tfenv))
    results.setdefault((kind, n, "refresh"), []).append(
        env.measure(["terraform", "plan", "-detailed-exitcode", "-no-color"], cwd=d, env=tfenv, expect=0))
    if kind in ("kubeharden", "snapshot-off"):
        bench_remote(env, kind, n, d, tfenv, results)
    if kind == "kubeharden" and n == max(NS) and env.profile is None:
        env.profile = profile_plan(env, n, d, tfenv)
    if kind in ("kubeharden", "snapshot-off"):
        changed = max(1, n // 100)
        for i in range(0, n, n // changed):
            env.kubectl("label", "ns", f"bench-{i:04d}", "pod-security.kubernetes.io/enforce=privileged", "--overwrite")
        results.setdefault((kind, n, "drift"), []).append(
            env.measure(["terraform", "plan", "-detailed-exitcode", "-no-color"], cwd=d, env=tfenv, expect=2))
    run(["terraform", "destroy", "-auto-approve", "-no-color"], env=tfenv, cwd=d)
    shutil.rmtree(d)


def bench_remote(env, kind, n, d, tfenv, results):
    """The same refresh against a remote API server: through the fault proxy
    with no delay (the proxy's own cost), then with LATENCY_MS added to every
    request."""
    for ms in sorted(env.proxy_kubeconfig):
        remote = dict(tfenv, TF_VAR_kubeconfig=env.proxy_kubeconfig[ms])
        results.setdefault((kind, n, f"refresh, proxy +{ms} ms"), []).append(
            env.measure(["terraform", "plan", "-detailed-exitcode", "-no-color"], cwd=d, env=remote, expect=0))


def profile_plan(env, n, d, tfenv):
    """One more plan with KUBEHARDEN_PROFILE set; returns the top 10 lines of
    the CPU profile of the provider process that served it."""
    prefix = os.path.join(env.work, "profile", "plan")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    run(["terraform", "plan", "-detailed-exitcode", "-no-color"], cwd=d, env=dict(tfenv, KUBEHARDEN_PROFILE=prefix))
    cpus = [os.path.join(os.path.dirname(prefix), f) for f in os.listdir(os.path.dirname(prefix)) if f.endswith(".cpu")]
    if not cpus:
        return None
    # Terraform starts more than one provider process per command; the one
    # that served the plan wrote the largest profile.
    cpu = max(cpus, key=os.path.getsize)
    binary = os.path.join(BIN, "terraform-provider-kubeharden")
    top = run(["go", "tool", "pprof", "-top", "-nodecount=10", binary, cpu]).stdout
    cum = run(["go", "tool", "pprof", "-top", "-cum", "-nodecount=25", binary, cpu]).stdout
    return n, top, cum


def median(samples, key):
    return statistics.median(s[key] for s in samples)


def median_requests(samples):
    verbs = sorted({v for s in samples for v in s["requests"]})
    return {v: int(statistics.median(s["requests"].get(v, 0) for s in samples)) for v in verbs}


def fmt_req(r):
    return ", ".join(f"{k} {v}" for k, v in r.items()) or "0"


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    tf = next((line for line in run(["terraform", "version"]).stdout.splitlines() if line.startswith("Terraform v")), "Terraform ?")
    gov = run(["go", "version"]).stdout.strip()
    k8s = open(os.path.join(BIN, ".controlplane-version")).read().strip() if os.path.exists(os.path.join(BIN, ".controlplane-version")) else "?"
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}; {tf}; {gov}; kube-apiserver {k8s}"


# --- kubeharden_namespaces (issue 18) -------------------------------------
# BENCH_NAMESPACES_DS="<namespaces>:<pods>" (default 1000:5000; "off" skips):
# that many namespaces (label bench-nsds=yes) with the pods spread over them,
# then the data source with evaluate = true (one LIST of namespaces, one of
# all pods, every pod evaluated against baseline and restricted) in a
# `terraform plan`, against one `kubectl get pods -A -o json`. Target: within
# 2x of kubectl.
NSDS = os.environ.get("BENCH_NAMESPACES_DS", "1000:5000")


def bench_namespaces_data_source(env, results):
    if NSDS == "off":
        return
    n_ns, n_pods = (int(x) for x in NSDS.split(":"))
    log(f"kubeharden_namespaces: creating {n_ns} namespaces and {n_pods} pods")
    docs = []
    for i in range(n_ns):
        ns = f"nsds-{i:04d}"
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"bench-nsds": "yes"}}})
        # No controller-manager runs: pods need their ServiceAccount.
        docs.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns}})
    for j in range(n_pods):
        # Every third pod runs as root (breaks restricted), every tenth on
        # the host network (breaks baseline too).
        spec = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}
        if j % 3:
            spec["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
            spec["containers"][0]["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
        if j % 10 == 0:
            spec["hostNetwork"] = True
        docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod-{j:05d}", "namespace": f"nsds-{j % n_ns:04d}"}, "spec": spec})
    path = os.path.join(env.work, "nsds.json")
    with open(path, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": docs[:2 * n_ns]}, f)
    env.kubectl("apply", "--server-side", "-f", path)
    # One kubectl creates the pods one after another (about 10 a second
    # here); eight at once take a quarter of the time.
    pods, procs = docs[2 * n_ns:], []
    for k in range(8):
        chunk = os.path.join(env.work, f"nsds-pods-{k}.json")
        with open(chunk, "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": pods[k::8]}, f)
        procs.append(subprocess.Popen(["kubectl", "--kubeconfig", env.kubeconfig, "create", "-f", chunk],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"kubectl create of the pods exited {p.returncode}:\n{err[-3000:]}")
    d = tempfile.mkdtemp(dir=env.work)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(PROVIDER + '''
data "kubeharden_namespaces" "bench" {
  label_selector = "bench-nsds=yes"
  evaluate       = true
}
output "namespaces" {
  value = length(data.kubeharden_namespaces.bench.names)
}
output "breaking_baseline" {
  value = sum([for ns in data.kubeharden_namespaces.bench.namespaces : ns.violations.baseline])
}
''')
    for rep in range(REPS):
        log(f"kubeharden_namespaces rep {rep + 1}/{REPS}")
        results.setdefault(("kubeharden_namespaces", n_ns, f"plan ({n_pods} pods)"), []).append(
            env.measure(["terraform", "plan", "-no-color"], cwd=d))
        results.setdefault(("kubectl", n_ns, f"get pods -A -o json ({n_pods} pods)"), []).append(
            env.measure(["kubectl", "--kubeconfig", env.kubeconfig, "get", "pods", "-A", "-o", "json"]))
    out = run(["terraform", "apply", "-auto-approve", "-no-color"], env=env.tfenv, cwd=d).stdout
    log("kubeharden_namespaces outputs: " + " ".join(line.strip() for line in out.splitlines() if " = " in line))
    ds = median(results[("kubeharden_namespaces", n_ns, f"plan ({n_pods} pods)")], "wall")
    kc = median(results[("kubectl", n_ns, f"get pods -A -o json ({n_pods} pods)")], "wall")
    log(f"kubeharden_namespaces: plan {ds:.2f}s, kubectl get pods -A {kc:.2f}s: {ds / kc:.2f}x (target 2x)")
    shutil.rmtree(d)


def main():
    work = tempfile.mkdtemp(prefix="kubeharden-bench-")
    env = None
    results = {}
    try:
        log(f"N={NS}, {REPS} repetitions; starting the local control plane")
        env = Env(work)
        for n in NS:
            ensure_namespaces(env, n)
            for rep in range(REPS):
                for kind in KINDS:
                    log(f"N={n} rep {rep + 1}/{REPS}: {kind}")
                    bench_kind(env, kind, n, results)
                results.setdefault(("kubectl", n, "read"), []).append(
                    env.measure(["kubectl", "--kubeconfig", env.kubeconfig, "get", "namespaces", "-o", "json"]))
        bench_namespaces_data_source(env, results)
        write_results(results, env.profile)
    finally:
        if env:
            env.stop()
        shutil.rmtree(work, ignore_errors=True)


def write_results(results, profile=None):
    rows = []
    for (kind, n, op), samples in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        rows.append((n, kind, op, median(samples, "wall"), median_requests(samples), median(samples, "rss_mib")))
    lines = ["# Benchmark results", "", f"Machine: {machine()}", "",
             f"Medians of {REPS} runs, measured side by side in one `make bench` run on {time.strftime('%Y-%m-%d')}.", "",
             "| N | what | operation | wall (s) | namespace API requests | provider peak RSS (MiB) |",
             "|---:|---|---|---:|---|---:|"]
    for n, kind, op, wall, reqs, rss in rows:
        lines.append(f"| {n} | {kind} | {op} | {wall:.2f} | {fmt_req(reqs)} | {rss:.0f} |")
    lines += ["", "## Ratios", "", "| N | ratio | value |", "|---:|---|---:|"]
    by = {(k, n, op): (wall, reqs, rss) for n, k, op, wall, reqs, rss in rows}
    for n in NS:
        def ratio(a, b, label):
            if a in by and b in by and by[b][0] > 0:
                lines.append(f"| {n} | {label} | {by[a][0] / by[b][0]:.2f}x |")
        ratio(("kubeharden", n, "refresh"), ("terraform_data", n, "refresh"), "refresh / Terraform floor (terraform_data)")
        ratio(("kubeharden", n, "apply"), ("terraform_data", n, "apply"), "apply / Terraform floor (terraform_data)")
        ratio(("plugin_floor", n, "refresh"), ("terraform_data", n, "refresh"), "plugin floor refresh / Terraform floor (what any plugin costs)")
        ratio(("plugin_floor", n, "apply"), ("terraform_data", n, "apply"), "plugin floor apply / Terraform floor")
        ratio(("kubeharden", n, "refresh"), ("plugin_floor", n, "refresh"), "refresh / plugin floor (terraform-plugin-go, no work)")
        ratio(("kubeharden", n, "apply"), ("plugin_floor", n, "apply"), "apply / plugin floor")
        ratio(("encryption_config", n, "refresh"), ("plugin_floor", n, "refresh"), "framework floor refresh / plugin floor (the framework's share)")
        ratio(("kubeharden", n, "refresh"), ("encryption_config", n, "refresh"), "refresh / provider floor (no I/O)")
        ratio(("kubeharden", n, "apply"), ("encryption_config", n, "apply"), "apply / provider floor (no I/O)")
        ratio(("snapshot-off", n, "refresh"), ("kubeharden", n, "refresh"), "refresh, one GET each / one LIST")
        ratio(("kubeharden", n, "refresh"), ("kubectl", n, "read"), "refresh / one kubectl get namespaces")
        ratio(("kubeharden", n, "drift"), ("kubeharden", n, "refresh"), "plan with 1% drift / clean refresh")
        for k in ("kubeharden", "snapshot-off"):
            slow, fast = (k, n, f"refresh, proxy +{LATENCY_MS} ms"), (k, n, "refresh, proxy +0 ms")
            if slow in by and fast in by:
                lines.append(f"| {n} | {k}: refresh time added by {LATENCY_MS} ms latency per request | {by[slow][0] - by[fast][0]:+.2f} s |")
    for (k, n, op), (wall, _, _) in by.items():
        kc = ("kubectl", n, op.replace("plan", "get pods -A -o json"))
        if k == "kubeharden_namespaces" and kc in by and by[kc][0] > 0:
            lines.append(f"| {n} | kubeharden_namespaces (evaluate) {op} / one kubectl get pods -A -o json | {wall / by[kc][0]:.2f}x |")
    lines += ["", "Targets (issue 9): refresh of N=1000 at most 3 requests plus one LIST page per 500 namespaces and within 1.3x of the "
              "provider floor; apply of N=1000 one write per namespace (plus the plan-time dry runs) within 2x of the floor; "
              "provider peak RSS under 150 MiB at N=1000.", "",
              f"Targets (issue 19): N=1000 refresh at most 1.5x terraform_data; N=1000 apply from empty at most 1.5x terraform_data; "
              f"provider peak RSS at most 120 MiB at N=1000; {LATENCY_MS} ms of latency per request adds at most 0.1 s to the "
              "snapshot's refresh at N=1000. Issue 18: kubeharden_namespaces with evaluate at 1000 namespaces and 5000 pods within 2x "
              "one `kubectl get pods -A -o json`.", ""]
    if profile:
        pn, top, cum = profile
        lines += [f"## CPU profile of the provider, N={pn} plan", "",
                  "`KUBEHARDEN_PROFILE` set for one more `terraform plan` of the kubeharden configuration (not timed). "
                  "Top 10 by own time, then the top 25 by cumulative time:", "",
                  "```", top.strip(), "```", "", "```", cum.strip(), "```", ""]
    text = "\n".join(lines)
    with open(os.path.join(ROOT, "bench", "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
