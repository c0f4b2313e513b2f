"""moto's server with what kubeharden's acceptance tests need from EKS.

moto 5.2 lacks AssociateEncryptionConfig, DescribeUpdate and ListUpdates.
This script registers them against moto's own EKS backend, so that DescribeCluster then
reports the association, and adds test controls under /_kubeharden/. The Go
test harness (internal/acctest/moto.go) starts it as

    python3 kubeharden_moto.py --port P

and stops it when the test binary ends. It only ever binds 127.0.0.1.

Behaviour of the extension:
- AssociateEncryptionConfig answers an update that stays InProgress for the
  first IN_PROGRESS_POLLS DescribeUpdate calls, with the cluster in status
  UPDATING, so that the provider's waiter is really exercised. Then the update
  is Successful and the cluster carries the encryptionConfig.
- A key whose ID starts with FAIL_MARK ("fa11", as in fa110000-...) makes
  the update Failed (with an error detail), one whose ID starts with
  CANCEL_MARK ("ca9ce1") makes it Cancelled, and one whose ID starts with
  SLOW_MARK ("5100") stays InProgress for SLOW_POLLS polls instead of
  IN_PROGRESS_POLLS. The markers are hex so that the
  ARNs pass the provider's own key ARN validation.
- A cluster that already has an encryptionConfig, or an update in progress,
  is refused as EKS does (InvalidRequestException, ResourceInUseException).
- ListUpdates lists the IDs of the cluster's updates, oldest first, with
  maxResults and nextToken paging.
- CreateCluster keeps upgradePolicy and computeConfig (moto drops them),
  so that DescribeCluster reports upgradePolicy.supportType and an EKS
  Auto Mode cluster's computeConfig.enabled.

Test controls (plain HTTP, no signature):
- POST /_kubeharden/throttle?count=N[&cluster=NAME]: the next N EKS requests
  (only those on /clusters/NAME when cluster is given) answer HTTP 400
  ThrottlingException in the AWS JSON error shape.
- GET /_kubeharden/throttle[?cluster=NAME]: {"remaining": N, "sent": M}.
- GET /_kubeharden/updates?cluster=NAME[&region=R]: the cluster's updates
  made by this extension, with how many DescribeUpdate calls each saw:
  [{"id": ..., "type": ..., "status": ..., "polls": N}].
- GET /_kubeharden/health: 200 once the server accepts requests.
"""

import argparse
import json
import re
import sys
import threading
import uuid
from urllib.parse import parse_qs

try:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.eks import urls as eks_urls
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.eks.models import eks_backends
    from moto.eks.exceptions import (
        InvalidParameterException,
        InvalidRequestException,
        ResourceInUseException,
        ResourceNotFoundException,
    )
    from moto.eks import utils as eks_utils
    from moto.eks.responses import EKSResponse
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import run_simple
except ImportError as err:  # pragma: no cover - reported to the Go harness
    sys.stderr.write(
        "kubeharden_moto: moto's server is not importable (%s). "
        "Install it with: pip install 'moto[server]'\n" % err
    )
    sys.exit(3)

# How many DescribeUpdate calls see InProgress before the update finishes.
IN_PROGRESS_POLLS = 2

FAIL_MARK = "fa11"
CANCEL_MARK = "ca9ce1"
SLOW_MARK = "5100"
SLOW_POLLS = 6

KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$")

_lock = threading.Lock()


def _not_found(name):
    return ResourceNotFoundException(
        clusterName=name,
        nodegroupName=None,
        fargateProfileName=None,
        addonName=None,
        message="No cluster found for name: %s." % name,
    )


def _updates(cluster):
    if not hasattr(cluster, "kubeharden_updates"):
        cluster.kubeharden_updates = {}
    return cluster.kubeharden_updates


def associate_encryption_config(self):
    name = self._get_param("name")
    config = self._get_param("encryptionConfig") or []
    cluster = self.eks_backend.clusters.get(name)
    if cluster is None:
        raise _not_found(name)
    if len(config) != 1:
        raise InvalidParameterException(
            message="encryptionConfig must contain exactly one entry."
        )
    entry = config[0]
    if entry.get("resources") != ["secrets"]:
        raise InvalidParameterException(
            message="Only the resource 'secrets' can be encrypted."
        )
    key_arn = (entry.get("provider") or {}).get("keyArn", "")
    if not KEY_ARN_RE.match(key_arn):
        raise InvalidParameterException(message="Invalid KMS key ARN: '%s'" % key_arn)
    with _lock:
        if cluster.encryption_config:
            raise InvalidRequestException(
                message="Encryption is already enabled on cluster %s." % name
            )
        if any(r["update"]["status"] == "InProgress" for r in _updates(cluster).values()):
            raise ResourceInUseException(
                clusterName=name,
                nodegroupName=None,
                addonName=None,
                message="Cluster %s has an update in progress." % name,
            )
        update = {
            "id": str(uuid.uuid4()),
            "status": "InProgress",
            "type": "AssociateEncryptionConfig",
            "params": [{"type": "EncryptionConfig", "value": json.dumps(config)}],
            "createdAt": utcnow(),
            "errors": [],
        }
        _updates(cluster)[update["id"]] = {
            "update": update,
            "polls": 0,
            "config": config,
            "key_arn": key_arn,
        }
        cluster.status = "UPDATING"
    return ActionResult({"update": dict(update)})


def describe_update(self):
    name = self._get_param("name")
    update_id = self._get_param("updateId")
    cluster = self.eks_backend.clusters.get(name)
    if cluster is None:
        raise _not_found(name)
    with _lock:
        record = _updates(cluster).get(update_id)
        if record is None:
            raise ResourceNotFoundException(
                clusterName=name,
                nodegroupName=None,
                fargateProfileName=None,
                addonName=None,
                message="No update found for ID: %s." % update_id,
            )
        update = record["update"]
        if update["status"] == "InProgress":
            record["polls"] += 1
            key_id = record["key_arn"].rsplit("/", 1)[-1]
            polls = SLOW_POLLS if key_id.startswith(SLOW_MARK) else IN_PROGRESS_POLLS
            if record["polls"] > polls:
                _finish(cluster, record)
        return ActionResult({"update": dict(update)})


def list_updates(self):
    name = self._get_param("name")
    cluster = self.eks_backend.clusters.get(name)
    if cluster is None:
        raise _not_found(name)
    max_results = int(self._get_param("maxResults") or 100)
    start = int(self._get_param("nextToken") or 0)
    with _lock:
        ids = [r["update"]["id"] for r in _updates(cluster).values()]
    page = ids[start : start + max_results]
    out = {"updateIds": page}
    if start + max_results < len(ids):
        out["nextToken"] = str(start + max_results)
    return ActionResult(out)


def _finish(cluster, record):
    update, key_arn = record["update"], record["key_arn"]
    key_id = key_arn.rsplit("/", 1)[-1]
    cluster.status = "ACTIVE"
    if key_id.startswith(FAIL_MARK):
        update["status"] = "Failed"
        update["errors"] = [
            {
                "errorCode": "AccessDenied",
                "errorMessage": "The cluster's IAM role is not allowed to use the KMS key %s (kms:CreateGrant was denied)."
                % key_arn,
                "resourceIds": [key_arn],
            }
        ]
    elif key_id.startswith(CANCEL_MARK):
        update["status"] = "Cancelled"
        update["errors"] = [
            {
                "errorCode": "Unknown",
                "errorMessage": "The update was cancelled.",
                "resourceIds": [cluster.name],
            }
        ]
    else:
        update["status"] = "Successful"
        cluster.encryption_config = record["config"]


_original_create_cluster = EKSResponse.create_cluster


def create_cluster(self):
    result = _original_create_cluster(self)
    policy = self._get_param("upgradePolicy")
    if policy:
        result.result["cluster"].upgrade_policy = policy
    compute = self._get_param("computeConfig")
    if compute:
        result.result["cluster"].compute_config = compute
    return result


class _CachedPartitions:
    """Stands in for boto3's Session in moto's role ARN check, which builds a
    new Session (and reloads the endpoint files, ~0.2 s) for every
    CreateCluster and CreateNodegroup; tests create a hundred node groups."""

    _partitions = None

    def get_available_partitions(self):
        if _CachedPartitions._partitions is None:
            from boto3 import Session

            _CachedPartitions._partitions = Session().get_available_partitions()
        return _CachedPartitions._partitions


def install():
    eks_utils.Session = _CachedPartitions
    EKSResponse.associate_encryption_config = associate_encryption_config
    EKSResponse.describe_update = describe_update
    EKSResponse.list_updates = list_updates
    EKSResponse.create_cluster = create_cluster
    dispatch = eks_urls.response.dispatch
    eks_urls.url_paths.update(
        {
            "{0}/clusters/(?P<name>[^/]+)/encryption-config/associate$": dispatch,
            "{0}/clusters/(?P<name>[^/]+)/updates$": dispatch,
            "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$": dispatch,
        }
    )


CLUSTER_PATH_RE = re.compile(r"^/clusters/([^/]+)")
SCOPE_RE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


class Controls:
    """WSGI middleware: the /_kubeharden/ routes and injected throttling."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.throttles = {}  # cluster name ("" for any) -> remaining count
        self.sent = {}

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_kubeharden/"):
            return self.control(environ, start_response, path)
        if self.is_eks(environ) and self.take(path):
            body = json.dumps(
                {"__type": "ThrottlingException", "message": "Rate exceeded"}
            ).encode()
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("x-amzn-ErrorType", "ThrottlingException"),
                    ("x-amzn-RequestId", str(uuid.uuid4())),
                ],
            )
            return [body]
        return self.app(environ, start_response)

    @staticmethod
    def is_eks(environ):
        m = SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
        return bool(m) and m.group(1) == "eks"

    def take(self, path):
        m = CLUSTER_PATH_RE.match(path)
        keys = ([m.group(1)] if m else []) + [""]
        with self.lock:
            for key in keys:
                if self.throttles.get(key, 0) > 0:
                    self.throttles[key] -= 1
                    self.sent[key] = self.sent.get(key, 0) + 1
                    return True
        return False

    def control(self, environ, start_response, path):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        method = environ.get("REQUEST_METHOD", "GET")
        status, payload = "200 OK", {}
        if path == "/_kubeharden/health":
            payload = {"ok": True}
        elif path == "/_kubeharden/updates":
            name = query.get("cluster", [""])[0]
            region = query.get("region", ["us-east-1"])[0]
            cluster = eks_backends[DEFAULT_ACCOUNT_ID][region].clusters.get(name)
            if cluster is None:
                status, payload = "404 Not Found", {"error": "no cluster " + name}
            else:
                with _lock:
                    payload = [
                        {
                            "id": r["update"]["id"],
                            "type": r["update"]["type"],
                            "status": r["update"]["status"],
                            "polls": r["polls"],
                        }
                        for r in _updates(cluster).values()
                    ]
        elif path == "/_kubeharden/throttle":
            cluster = query.get("cluster", [""])[0]
            with self.lock:
                if method == "POST":
                    try:
                        count = int(query.get("count", ["0"])[0])
                    except ValueError:
                        count = -1
                    if count < 0:
                        status, payload = "400 Bad Request", {"error": "count must be an integer >= 0"}
                    else:
                        self.throttles[cluster] = count
                        self.sent[cluster] = 0
                if not payload:
                    payload = {
                        "remaining": self.throttles.get(cluster, 0),
                        "sent": self.sent.get(cluster, 0),
                    }
        else:
            status, payload = "404 Not Found", {"error": "no such control: " + path}
        body = json.dumps(payload).encode()
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    install()
    app = DomainDispatcherApplication(create_backend_app)
    # Loopback only: the tests and the demo never need more.
    run_simple("127.0.0.1", args.port, Controls(app), threaded=True)


if __name__ == "__main__":
    main()
