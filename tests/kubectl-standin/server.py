#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server, enough for the real `kubectl` 1.22 … 1.35 to print
`get pods`, `get events`, `describe pod`, `events` and `-o yaml|json` for recorded scenarios.

Python 3.11 standard library only. What is ours and what is kubectl's is in README.md next to
this file: in short, the Table *cells* (server-side printing) are reproduced here from
kubernetes/kubernetes pkg/printers/internalversion/printers.go; everything kubectl prints around
them (column layout, `describe`, YAML/JSON, `kubectl events`) is the real client's own code.

    server.py SCENARIO_DIR [PORT]      (PORT 0 or absent: a free port)

Prints `listening on http://127.0.0.1:PORT` on stdout once it accepts connections. Each scenario
`SCENARIO_DIR/<name>/scenario.json` is served under the path prefix `/s/<name>`, so one server
answers `kubectl --server http://127.0.0.1:PORT/s/<name>` for every scenario.

Time: a scenario gives every timestamp as an age ("25m", "1h2m", "40s") before "now". The
server turns ages into timestamps at each request, from the current second, so the ages that
kubectl computes on its side (describe's Age, `kubectl events`' LAST SEEN) are the same at every
render; only absolute timestamps change between renders.
"""

import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b",
    "gitTreeState": "clean",
    "buildDate": "2024-12-10T18:38:29Z",
    "goVersion": "go1.22.9",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# ---------------------------------------------------------------------------------------------
# Time


def parse_age(text):
    """'1h2m3s' -> seconds."""
    total = 0
    for amount, unit in re.findall(r"(\d+)([dhms])", str(text)):
        total += int(amount) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    return total


def rfc3339(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration, as printers.go's
    translateTimestampSince uses it for the AGE / LAST SEEN cells."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


# ---------------------------------------------------------------------------------------------
# Scenario -> API objects


def ident(*parts):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def uid(*parts):
    h = ident(*parts)
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# What kubelet 1.31 records for a failing pull, per waiting reason (kubernetes/kubernetes
# pkg/kubelet/images/image_manager.go and kuberuntime_container.go, quoted in
# ../shared/reference/pull-errors.md section 2).
def container_events(pod, c, ctr_index, fieldpath):
    image = c["image"]
    state = c.get("state", "running")
    n = int(c.get("attempts", 4))
    backoffs = int(c.get("backoffs", 2 * n + 1))
    first = parse_age(c.get("first", pod["age"]))
    last_pull = parse_age(c.get("last_pull", "41s"))
    last_backoff = parse_age(c.get("last_backoff", "3s"))
    out = []

    def ev(kind, reason, message, count, first_ago, last_ago):
        out.append(
            {
                "type": kind,
                "reason": reason,
                "message": message,
                "count": count,
                "first": first_ago,
                "last": last_ago,
                "fieldPath": fieldpath,
                "component": "kubelet",
            }
        )

    if state in ("PodInitializing", "ContainerCreating"):
        # Nothing of its own yet: waiting for init containers, or for the pod sandbox.
        pass
    elif state == "running":
        ev("Normal", "Pulling", f'Pulling image "{image}"', 1, first, first)
        ev("Normal", "Pulled", f'Successfully pulled image "{image}" in 1.204s (1.204s including waiting). Image size: 48213355 bytes.', 1, first - 2, first - 2)
        ev("Normal", "Created", f"Created container {c['name']}", 1, first - 2, first - 2)
        ev("Normal", "Started", f"Started container {c['name']}", 1, first - 3, first - 3)
    elif state == "ErrImageNeverPull":
        msg = f'Container image "{image}" is not present with pull policy of Never'
        ev("Warning", "ErrImageNeverPull", msg, n, first, last_pull)
        ev("Warning", "Failed", "Error: ErrImageNeverPull", n, first, last_pull)
    elif state == "InvalidImageName":
        ev("Warning", "InspectFailed", invalid_name_message(c), n, first, last_pull)
        ev("Warning", "Failed", "Error: InvalidImageName", n, first, last_pull)
    else:
        pull_reason = c.get("pull_reason", "ErrImagePull")
        ev("Normal", "Pulling", f'Pulling image "{image}"', n, first, last_pull + 1)
        ev("Warning", "Failed", f'Failed to pull image "{image}": {c["error"]}', n, first, last_pull)
        ev("Warning", "Failed", f"Error: {pull_reason}", n, first, last_pull)
        if state == "ImagePullBackOff" or c.get("backoff_events", True):
            ev("Normal", "BackOff", f'Back-off pulling image "{image}"', backoffs, first - 1, last_backoff)
            ev("Warning", "Failed", "Error: ImagePullBackOff", backoffs, first - 1, last_backoff)
    return out


def invalid_name_message(c):
    image = c["image"]
    return f'Failed to apply default image tag "{image}": couldn\'t parse image name "{image}": {c["error"]}'


def waiting_state(pod, c):
    """state.waiting of a failing container, as kubelet 1.31 (or 1.32+, `kubelet: "1.33"`)
    sets it."""
    state = c["state"]
    image = c["image"]
    if state == "ImagePullBackOff":
        msg = f'Back-off pulling image "{image}"'
        # Since kubelet 1.32 (kubernetes/kubernetes PR #127918) the back-off message carries
        # the previous pull error.
        if pod.get("kubelet", "1.31") >= "1.32":
            msg += f': {c.get("pull_reason", "ErrImagePull")}: {c["error"]}'
        return {"message": msg, "reason": "ImagePullBackOff"}
    if state == "ErrImageNeverPull":
        return {"message": f'Container image "{image}" is not present with pull policy of Never', "reason": state}
    if state == "InvalidImageName":
        return {"message": invalid_name_message(c), "reason": state}
    if state == "ContainerCreating":
        return {"reason": state}
    if state == "RegistryUnavailable":
        rest = c["error"].split("RegistryUnavailable", 1)[-1]
        return {"message": f"image pull failed for {image} because the registry is unavailable{rest}", "reason": state}
    return {"message": c["error"], "reason": state}


def build(spec):
    """Scenario -> {'pods': [(pod_template, ages)], 'events': [...]} with ages resolved per
    request by `materialize`."""
    pods, events = [], []
    for p in spec["pods"]:
        pods.append(p)
        ns, name = p["namespace"], p["name"]
        pod_uid = uid(ns, name)
        evs = []
        if p.get("events") is False:
            # A long-running pod: its events expired (the API server keeps them 1h).
            continue
        if p.get("scheduled", True):
            evs.append(
                {
                    "type": "Normal",
                    "reason": "Scheduled",
                    "message": f"Successfully assigned {ns}/{name} to {p['node']}",
                    "first": parse_age(p["age"]),
                    "scheduler": True,
                }
            )
        for reason, message in p.get("pod_events", []):
            evs.append(
                {
                    "type": "Warning",
                    "reason": reason,
                    "message": message,
                    "count": int(p.get("pod_event_count", 6)),
                    "first": parse_age(p["age"]) - 1,
                    "last": parse_age(p.get("pod_event_last", "2s")),
                    "fieldPath": "",
                    "component": "kubelet",
                }
            )
        # App containers wait for failing init containers (no pull, no events of their own).
        if any(c.get("state", "running") != "running" for c in p.get("initContainers", [])):
            for c in p.get("containers", []):
                c.setdefault("state", "PodInitializing")
        groups = []
        for kind in ("initContainers", "containers"):
            for i, c in enumerate(p.get(kind, [])):
                groups.append(container_events(p, c, i, f"spec.{kind}{{{c['name']}}}"))
        if p.get("interleave"):
            # Two failing containers pull in turn: their events alternate in time.
            merged = []
            for i in range(max(len(g) for g in groups)):
                merged.extend(g[i] for g in groups if i < len(g))
            groups = [merged]
        for g in groups:
            evs.extend(g)
        for i, e in enumerate(evs):
            e["name"] = f"{name}.{0x187d2f3a9c4b0000 + (len(events) + i) * 0x1f3a5c7:x}"
            e["namespace"] = ns
            e["pod"] = name
            e["pod_uid"] = pod_uid
            e["node"] = p["node"]
            e["rv"] = str(1000 + len(events) + i)
        events.extend(evs)
    return {"pods": pods, "events": events}


def pod_object(p, now):
    ns, name = p["namespace"], p["name"]
    created = now - parse_age(p["age"])
    volume = f"kube-api-access-{ident(ns, name, 'vol')[:5]}"

    def container_spec(c):
        return {
            "image": c["image"],
            "imagePullPolicy": c.get("policy", "IfNotPresent"),
            "name": c["name"],
            "resources": {},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [
                {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": volume, "readOnly": True}
            ],
        }

    def status_of(c, index, init):
        st = {
            "image": c["image"],
            "imageID": "",
            "lastState": {},
            "name": c["name"],
            "ready": False,
            "restartCount": 0,
            "started": False,
        }
        state = c.get("state", "running")
        if state == "running":
            st["containerID"] = f"{p.get('runtime', 'containerd')}://{ident(ns, name, c['name'])}"
            st["imageID"] = c.get("image_id", f"{c['image'].split(':')[0]}@sha256:{ident(c['image'])}")
            if init:
                st["state"] = {"terminated": {"containerID": st["containerID"], "exitCode": 0, "finishedAt": rfc3339(created + 8), "reason": "Completed", "startedAt": rfc3339(created + 5)}}
            else:
                st["ready"] = True
                st["started"] = True
                st["state"] = {"running": {"startedAt": rfc3339(created + 4)}}
        elif state == "PodInitializing":
            st["state"] = {"waiting": {"reason": "PodInitializing"}}
        else:
            st["state"] = {"waiting": waiting_state(p, c)}
        return st

    containers = p.get("containers", [])
    inits = p.get("initContainers", [])
    failing_init = any(c.get("state", "running") not in ("running",) for c in inits)
    for c in containers:
        if failing_init:
            c.setdefault("state", "PodInitializing")
    all_ready = all(c.get("state", "running") == "running" for c in containers + inits)
    phase = "Running" if all_ready else "Pending"
    cond = lambda t, ok, reason=None, ago=None: {  # noqa: E731
        k: v
        for k, v in {
            "lastProbeTime": None,
            "lastTransitionTime": rfc3339(created + (ago if ago is not None else 1)),
            "message": reason and f"containers with unready status: [{' '.join(c['name'] for c in containers if c.get('state', 'running') != 'running')}]",
            "reason": reason,
            "status": "True" if ok else "False",
            "type": t,
        }.items()
        if v is not None or k == "lastProbeTime"
    }
    conditions = [
        cond("PodReadyToStartContainers", bool(p.get("ip", "10.244.1.17")), None, 3),
        cond("Initialized", not failing_init, None if not failing_init else "ContainersNotInitialized", 0),
        cond("Ready", all_ready, None if all_ready else "ContainersNotReady", 0),
        cond("ContainersReady", all_ready, None if all_ready else "ContainersNotReady", 0),
        cond("PodScheduled", True, None, 0),
    ]
    if failing_init:
        conditions[1]["message"] = f"containers with incomplete status: [{' '.join(c['name'] for c in inits if c.get('state', 'running') != 'running')}]"
    meta = {
        "creationTimestamp": rfc3339(created),
        "labels": dict(p.get("labels", {"app": name.split("-")[0]})),
        "name": name,
        "namespace": ns,
        "resourceVersion": str(int(ident(ns, name, "rv")[:6], 16)),
        "uid": uid(ns, name),
    }
    owner = p.get("owner")
    if owner:
        okind, oname = owner.split("/", 1)
        meta["generateName"] = name[: len(oname) + 1]
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "blockOwnerDeletion": True,
                "controller": True,
                "kind": okind,
                "name": oname,
                "uid": uid(ns, oname),
            }
        ]
        if okind == "ReplicaSet":
            meta["labels"]["pod-template-hash"] = oname.rsplit("-", 1)[-1]
    spec = {
        "containers": [container_spec(c) for c in containers],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "nodeName": p["node"],
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": p.get("serviceAccount", "default"),
        "serviceAccountName": p.get("serviceAccount", "default"),
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
        ],
        "volumes": [
            {
                "name": volume,
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}},
                    ],
                },
            }
        ],
    }
    if inits:
        spec["initContainers"] = [container_spec(c) for c in inits]
    if p.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": s} for s in p["imagePullSecrets"]]
    if p.get("nodeSelector"):
        spec["nodeSelector"] = p["nodeSelector"]
    status = {
        "conditions": conditions,
        "containerStatuses": [status_of(c, i, False) for i, c in enumerate(containers)],
        "hostIP": p.get("hostIP", "10.0.0.11"),
        "hostIPs": [{"ip": p.get("hostIP", "10.0.0.11")}],
        "phase": phase,
        "qosClass": "BestEffort",
        "startTime": rfc3339(created),
    }
    # No sandbox, no IP (`"ip": ""`): the pod's network namespace was never created.
    if p.get("ip", "10.244.1.17"):
        status["podIP"] = p.get("ip", "10.244.1.17")
        status["podIPs"] = [{"ip": status["podIP"]}]
    if inits:
        status["initContainerStatuses"] = [status_of(c, i, True) for i, c in enumerate(inits)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def event_object(e, now):
    """A core/v1 Event as the API server stores what kubelet (legacy recorder: firstTimestamp,
    lastTimestamp, count, source) and the scheduler (events.k8s.io/v1 recorder: eventTime,
    reportingController, no count) write."""
    meta = {
        "creationTimestamp": rfc3339(now - e["first"]),
        "name": e["name"],
        "namespace": e["namespace"],
        "resourceVersion": e["rv"],
        "uid": uid("event", e["name"]),
    }
    involved = {"apiVersion": "v1", "kind": "Pod", "name": e["pod"], "namespace": e["namespace"], "uid": e["pod_uid"]}
    if e.get("scheduler"):
        return {
            "action": "Binding",
            "apiVersion": "v1",
            "eventTime": rfc3339_micro(now - e["first"]),
            "firstTimestamp": None,
            "involvedObject": involved,
            "kind": "Event",
            "lastTimestamp": None,
            "message": e["message"],
            "metadata": meta,
            "reason": e["reason"],
            "reportingComponent": "default-scheduler",
            "reportingInstance": "default-scheduler-control-plane",
            "source": {},
            "type": e["type"],
        }
    if e.get("fieldPath"):
        involved["fieldPath"] = e["fieldPath"]
    involved["resourceVersion"] = "4301"
    return {
        "apiVersion": "v1",
        "count": e["count"],
        "eventTime": None,
        "firstTimestamp": rfc3339(now - e["first"]),
        "involvedObject": involved,
        "kind": "Event",
        "lastTimestamp": rfc3339(now - e["last"]),
        "message": e["message"],
        "metadata": meta,
        "reason": e["reason"],
        "reportingComponent": "kubelet",
        "reportingInstance": e["node"],
        "source": {"component": "kubelet", "host": e["node"]},
        "type": e["type"],
    }


def events_v1_object(core):
    """The events.k8s.io/v1 view of a core/v1 Event (pkg/apis/events/v1 conversion: note,
    regarding, deprecated* fields)."""
    out = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": core["metadata"],
        "eventTime": core.get("eventTime"),
        "note": core["message"],
        "reason": core["reason"],
        "regarding": core["involvedObject"],
        "reportingController": core.get("reportingComponent", ""),
        "reportingInstance": core.get("reportingInstance", ""),
        "type": core["type"],
    }
    if core.get("action"):
        out["action"] = core["action"]
    if core.get("count"):
        out["deprecatedCount"] = core["count"]
        out["deprecatedFirstTimestamp"] = core["firstTimestamp"]
        out["deprecatedLastTimestamp"] = core["lastTimestamp"]
        out["deprecatedSource"] = core["source"]
    return out


# ---------------------------------------------------------------------------------------------
# Server-side printing: the Table cells (pkg/printers/internalversion/printers.go)

POD_COLUMNS = [
    ("Name", "string", "name", 0, "Name must be unique within a namespace."),
    ("Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."),
    ("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
    ("Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    ("Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ("IP", "string", "", 1, "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    ("Node", "string", "", 1, "NodeName indicates in which node this pod is scheduled."),
    ("Nominated Node", "string", "", 1, "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods."),
    ("Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated for pod readiness."),
]

EVENT_COLUMNS = [
    ("Last Seen", "string", "", 0, "The time at which the most recent occurrence of this event was recorded."),
    ("Type", "string", "", 0, "Type of this event (Normal, Warning), new types could be added in the future"),
    ("Reason", "string", "", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    ("Object", "string", "", 0, "The object that this event is about."),
    ("Subobject", "string", "", 1, "The field of the object that this event is about."),
    ("Source", "string", "", 1, "The component reporting this event. Should be a short machine understandable string."),
    ("Message", "string", "", 0, "A human-readable description of the status of this operation."),
    ("First Seen", "string", "", 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
    ("Count", "string", "", 1, "The number of times this event has occurred."),
    ("Name", "string", "name", 1, "Name must be unique within a namespace."),
]


def since(now, stamp):
    if not stamp:
        return "<unknown>"
    then = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return human_duration(int(now - then))


def pod_cells(pod, now):
    """printPod: READY, STATUS (init containers first, then app containers from last to first
    so the first waiting one wins), RESTARTS, AGE; wide: IP, NODE, NOMINATED NODE, READINESS
    GATES."""
    spec, status = pod["spec"], pod["status"]
    total = len(spec["containers"])
    ready = 0
    restarts = 0
    reason = status.get("reason") or status.get("phase", "")
    initializing = False
    inits = status.get("initContainerStatuses", [])
    for i, c in enumerate(inits):
        restarts += c.get("restartCount", 0)
        state = c.get("state", {})
        term, wait = state.get("terminated"), state.get("waiting")
        if term is not None and term.get("exitCode") == 0:
            continue
        if term is not None:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait is not None and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers', []))}"
        initializing = True
        break
    if not initializing:
        restarts = 0
        for c in reversed(status.get("containerStatuses", [])):
            restarts += c.get("restartCount", 0)
            state = c.get("state", {})
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated", {}).get("reason"):
                reason = state["terminated"]["reason"]
            elif c.get("ready") and "running" in state:
                ready += 1
    ips = status.get("podIPs") or []
    cells = [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        reason,
        str(restarts),
        since(now, pod["metadata"]["creationTimestamp"]),
        (ips[0]["ip"] if ips else "") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]
    return cells


def event_cells(e, now):
    """printEvent (Wide: the server always prints wide; kubectl hides priority-1 columns)."""
    first = since(now, e.get("firstTimestamp")) if e.get("firstTimestamp") else since(now, e.get("eventTime"))
    last = since(now, e.get("lastTimestamp")) if e.get("lastTimestamp") else first
    count = e.get("count") or 0
    if e.get("series"):
        last = since(now, e["series"]["lastObservedTime"])
        count = e["series"]["count"]
    elif count == 0:
        count = 1
    inv = e["involvedObject"]
    target = f"{inv['kind'].lower()}/{inv['name']}" if inv.get("name") else inv["kind"].lower()
    # formatEventSource: Source.Component (or reportingController) [", " Source.Host (or
    # reportingInstance)].
    src = e.get("source") or {}
    component = src.get("component") or e.get("reportingComponent", "")
    instance = src.get("host") or e.get("reportingInstance", "")
    source = f"{component}, {instance}" if instance else component
    return [last, e["type"], e["reason"], target, inv.get("fieldPath", ""), source, e["message"].strip(), first, count, e["metadata"]["name"]]


def table(columns, rows, include):
    out_rows = []
    for cells, obj in rows:
        row = {"cells": cells}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"],
            }
        out_rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "5012"},
        "columnDefinitions": [
            {"name": n, "type": t, "format": f, "description": d, "priority": pr} for n, t, f, pr, d in columns
        ],
        "rows": out_rows,
    }


# ---------------------------------------------------------------------------------------------
# Discovery

CORE_RESOURCES = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["ev"]},
        {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace", "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"], "shortNames": ["ns"]},
        {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["no"]},
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["po"], "categories": ["all"]},
        {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
        {"name": "pods/status", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get", "patch", "update"]},
    ],
}

EVENTS_GROUP = {
    "name": "events.k8s.io",
    "versions": [{"groupVersion": "events.k8s.io/v1", "version": "v1"}],
    "preferredVersion": {"groupVersion": "events.k8s.io/v1", "version": "v1"},
}

EVENTS_RESOURCES = {
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": "events.k8s.io/v1",
    "resources": [
        {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["ev"]}
    ],
}


# ---------------------------------------------------------------------------------------------
# Selectors and paging


def field_value(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def matches_field_selector(obj, selector, aliases):
    if not selector:
        return True
    for term in selector.split(","):
        m = re.match(r"^([^!=]+)(!=|==|=)(.*)$", term)
        if not m:
            continue
        key, op, want = m.groups()
        got = field_value(obj, aliases.get(key, key))
        if (op == "!=") == (got == want):
            return False
    return True


def page(items, query):
    """`limit` / `continue` chunking: kubectl lists with limit=500 and follows `continue`."""
    start = int(query.get("continue", ["0"])[0] or 0)
    limit = int(query.get("limit", ["0"])[0] or 0)
    if limit <= 0:
        return items[start:], None
    chunk = items[start : start + limit]
    nxt = start + limit
    return chunk, (str(nxt) if nxt < len(items) else None)


# ---------------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    scenarios = {}
    log_file = None

    def log_message(self, fmt, *args):  # requests go to the log file, not stderr
        if self.log_file:
            # log_request's arguments are (request line, status, size); a status other than
            # 200 is something kubectl asked for that we do not serve (the render script checks).
            status = args[1] if fmt.startswith('"%s"') and len(args) > 1 else "-"
            self.log_file.write(f"{status} {self.command} {self.path} accept={self.headers.get('Accept')}\n")
            self.log_file.flush()

    def send_json(self, body, code=200):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self, what="the server could not find the requested resource"):
        self.send_json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": what, "reason": "NotFound", "details": {}, "code": 404}, 404)

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.pods_command_extras():
            return
        # Answer in the first half of a second, so that ages kubectl computes from the
        # timestamps we print (now - age, whole seconds) do not round up by one.
        now = int(time.time())
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        m = re.match(r"^/s/([A-Za-z0-9_.-]+)(/.*)?$", url.path)
        if not m or m.group(1) not in self.scenarios:
            return self.not_found()
        scenario = self.scenarios[m.group(1)]
        path = (m.group(2) or "/").rstrip("/") or "/"
        accept = self.headers.get("Accept", "")
        wants_table = "as=Table" in accept

        if path == "/version":
            return self.send_json(SERVER_VERSION)
        if path == "/api":
            # Plain APIVersions: kubectl falls back from aggregated discovery (it asks for
            # apidiscovery.k8s.io;v=v2 first and accepts application/json).
            return self.send_json({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})
        if path == "/api/v1":
            return self.send_json(CORE_RESOURCES)
        if path == "/apis":
            return self.send_json({"kind": "APIGroupList", "apiVersion": "v1", "groups": [EVENTS_GROUP]})
        if path == "/apis/events.k8s.io/v1":
            return self.send_json(EVENTS_RESOURCES)

        m = re.match(r"^(/api/v1|/apis/events\.k8s\.io/v1)(?:/namespaces/([^/]+))?/(pods|events)(?:/([^/]+))?$", path)
        if not m:
            return self.not_found()
        group, namespace, resource, name = m.groups()
        # Answer in the first half of a second, so that the ages kubectl computes from the
        # timestamps we print (now minus an age, in whole seconds) never round up by one.
        frac = time.time() % 1
        if frac > 0.5:
            time.sleep(1.01 - frac)
        now = int(time.time())
        if resource == "pods" and group != "/api/v1":
            return self.not_found()
        if resource == "pods":
            objects = [pod_object(json.loads(json.dumps(p)), now) for p in scenario["pods"]]
            aliases = {}
        else:
            objects = [event_object(e, now) for e in scenario["events"]]
            aliases = {"regarding.name": "involvedObject.name", "regarding.namespace": "involvedObject.namespace", "regarding.kind": "involvedObject.kind", "regarding.uid": "involvedObject.uid"}
        objects = [o for o in objects if namespace is None or o["metadata"]["namespace"] == namespace]
        # etcd returns a list in key order: namespace, then name.
        objects.sort(key=lambda o: (o["metadata"]["namespace"], o["metadata"]["name"]))
        selector = query.get("fieldSelector", [""])[0]
        objects = [o for o in objects if matches_field_selector(o, selector, aliases)]
        if group != "/api/v1":
            objects = [events_v1_object(o) for o in objects]
        kind = {"pods": "Pod", "events": "Event"}[resource]
        if name is not None:
            found = [o for o in objects if o["metadata"]["name"] == name]
            if not found:
                return self.not_found(f'{resource} "{name}" not found')
            obj = found[0]
            if wants_table and group == "/api/v1":
                cells = pod_cells(obj, now) if resource == "pods" else event_cells(obj, now)
                return self.send_json(table(POD_COLUMNS if resource == "pods" else EVENT_COLUMNS, [(cells, obj)], query.get("includeObject", ["Metadata"])[0]))
            return self.send_json(obj)
        items, cont = page(objects, query)
        if wants_table and group == "/api/v1":
            rows = [((pod_cells(o, now) if resource == "pods" else event_cells(o, now)), o) for o in items]
            body = table(POD_COLUMNS if resource == "pods" else EVENT_COLUMNS, rows, query.get("includeObject", ["Metadata"])[0])
        else:
            body = {
                "kind": f"{kind}List",
                "apiVersion": "v1" if group == "/api/v1" else "events.k8s.io/v1",
                "metadata": {"resourceVersion": "5012"},
                "items": items,
            }
        if cont:
            body["metadata"]["continue"] = cont
        return self.send_json(body)


# ---------------------------------------------------------------------------------------------
# What `pullcheck pods` asks for besides pods and events (issue 26): ServiceAccounts, Secrets as
# the API server's table (metadata only), namespaces; and test conditions chosen per request by
# a path prefix `/x/<conditions>/s/<scenario>/…`, where conditions are `+`-joined:
# `forbid-<resource>` (403 Forbidden for that resource, e.g. forbid-events,
# forbid-serviceaccounts, forbid-secrets) and `slow-<resource>-<seconds>` (the answer waits).


# Served besides the base list (discovery: kubectl resolves `secret` and `serviceaccount`).
CORE_RESOURCES["resources"].extend(
    [
        {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]},
        {"name": "serviceaccounts", "singularName": "serviceaccount", "namespaced": True, "kind": "ServiceAccount", "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], "shortNames": ["sa"]},
    ]
)


def pods_conditions(path):
    """'/x/forbid-events+slow-pods-3/s/name/api/v1/…' -> ({'forbid': {...}, 'slow': {...}}, '/s/name/api/v1/…')."""
    m = re.match(r"^/x/([A-Za-z0-9_.+-]+)(/s/.*)$", path)
    if not m:
        return {"forbid": set(), "slow": {}}, path
    forbid, slow = set(), {}
    for cond in m.group(1).split("+"):
        if cond.startswith("forbid-"):
            forbid.add(cond[len("forbid-"):])
        sm = re.match(r"^slow-([a-z.]+)-(\d+)$", cond)
        if sm:
            slow[sm.group(1)] = min(int(sm.group(2)), 30)
    return {"forbid": forbid, "slow": slow}, m.group(2)


def service_account_object(spec, ns, name):
    """A scenario's `serviceAccounts` entry, or the `default` account every namespace of its
    pods has."""
    for sa in spec.get("serviceAccounts", []):
        if sa.get("namespace") == ns and sa["name"] == name:
            body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns, "uid": uid(ns, "sa", name)}}
            if sa.get("imagePullSecrets"):
                body["imagePullSecrets"] = [{"name": s} for s in sa["imagePullSecrets"]]
            return body
    namespaces = {p["namespace"] for p in spec["pods"]}
    if name == "default" and ns in namespaces:
        return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns, "uid": uid(ns, "sa", name)}}
    return None


SECRET_COLUMNS = [
    ("Name", "string", "name", 0, "Name must be unique within a namespace."),
    ("Type", "string", "", 0, "Used to facilitate programmatic handling of secret data."),
    ("Data", "string", "", 0, "Data contains the secret data."),
    ("Age", "string", "", 0, "CreationTimestamp is a timestamp representing the server time when this object was created."),
]


def secret_object(spec, ns, name, now):
    """A scenario's `secrets` entry, with data (a real server sends it to whoever asks for the
    object itself; the test checks that `pullcheck pods` only ever asks for the table)."""
    for sec in spec.get("secrets", []):
        if sec.get("namespace") == ns and sec["name"] == name:
            data = {".dockerconfigjson": "eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlIjp7ImF1dGgiOiJjM1JoYm1ScGJqcHpkR0Z1WkdsdSJ9fX0="}
            return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns, "uid": uid(ns, "secret", name), "creationTimestamp": rfc3339(now - 86400)}, "type": sec.get("type", "kubernetes.io/dockerconfigjson"), "data": data}
    return None


def forbidden(handler, resource, ns):
    where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
    group = "events.k8s.io" if "events.k8s.io" in handler.path else ""
    msg = f'{resource} is forbidden: User "standin-user" cannot list resource "{resource}" in API group "{group}"{where}'
    handler.send_json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": msg, "reason": "Forbidden", "details": {"kind": resource}, "code": 403}, 403)


def _pods_command_extras(self):
    """Answers what the base handler does not (or a chosen condition), True when it did."""
    conditions, path = pods_conditions(self.path)
    self.path = path
    url = urllib.parse.urlsplit(path)
    m = re.match(r"^/s/([A-Za-z0-9_.-]+)(/.*)?$", url.path)
    if not m or m.group(1) not in self.specs:
        return False
    spec = self.specs[m.group(1)]
    rest = (m.group(2) or "/").rstrip("/") or "/"
    rm = re.match(r"^(?:/api/v1|/apis/events\.k8s\.io/v1)(?:/namespaces/([^/]+))?/([a-z]+)(?:/([^/]+))?$", rest)
    nm = re.match(r"^/api/v1/namespaces/([^/]+)$", rest)
    resource = rm.group(2) if rm else ("namespaces" if nm else None)
    ns = rm.group(1) if rm else None
    if resource in conditions["slow"]:
        time.sleep(conditions["slow"][resource])
    if resource in conditions["forbid"]:
        forbidden(self, resource, ns)
        return True
    now = int(time.time())
    if nm:
        if nm.group(1) in {p["namespace"] for p in spec["pods"]} | set(spec.get("namespaces", [])):
            self.send_json({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": nm.group(1), "uid": uid("ns", nm.group(1))}, "status": {"phase": "Active"}})
        else:
            self.not_found(f'namespaces "{nm.group(1)}" not found')
        return True
    if not rm or resource not in ("serviceaccounts", "secrets") or not rm.group(3) or ns is None:
        return False
    name = rm.group(3)
    if resource == "serviceaccounts":
        body = service_account_object(spec, ns, name)
        if body is None:
            self.not_found(f'serviceaccounts "{name}" not found')
        else:
            self.send_json(body)
        return True
    body = secret_object(spec, ns, name, now)
    if body is None:
        self.not_found(f'secrets "{name}" not found')
    elif "as=Table" in self.headers.get("Accept", ""):
        query = urllib.parse.parse_qs(url.query)
        cells = [name, body["type"], len(body["data"]), since(now, body["metadata"]["creationTimestamp"])]
        self.send_json(table(SECRET_COLUMNS, [(cells, body)], query.get("includeObject", ["Metadata"])[0]))
    else:
        self.send_json(body)
    return True


Handler.pods_command_extras = _pods_command_extras


def load_specs(directory):
    """The scenarios as written (ServiceAccounts, Secrets, namespaces: `pods_command_extras`)."""
    out = {}
    for path in sorted(Path(directory).glob("*/scenario.json")):
        with open(path, encoding="utf-8") as f:
            out[path.parent.name] = json.load(f)
    return out


def load(directory):
    out = {}
    for path in sorted(Path(directory).glob("*/scenario.json")):
        with open(path, encoding="utf-8") as f:
            out[path.parent.name] = build(json.load(f))
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: server.py SCENARIO_DIR [PORT]", file=sys.stderr)
        return 2
    Handler.scenarios = load(sys.argv[1])
    Handler.specs = load_specs(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) == 3 else 0
    # STANDIN_LOG=FILE records each request (path and Accept header), to see what kubectl asks.
    if os.environ.get("STANDIN_LOG"):
        Handler.log_file = open(os.environ["STANDIN_LOG"], "a", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # Ends when whoever started us closes our stdin (the render script, the test).
        sys.stdin.read()
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
