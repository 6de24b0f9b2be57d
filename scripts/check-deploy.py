#!/usr/bin/env python3
"""Offline checks of deploy/ and the Dockerfile that schemas cannot make:
the manifests set only variables the README documents, every secret file a
`*_FILE` variable names is mounted (for each container, the files it is
told to read), the kustomization lists files that
exist, and the Dockerfile builds locked and runs as a non-root user.

Run by scripts/check-deploy.sh after the schema checks; needs PyYAML
(installed with kubernetes-validate). Exits 1 with one line per problem.
"""

import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "ticketfold"


def documented_variables() -> set[str]:
    """Every variable named in the first column of the README's
    configuration table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


def compose_problems(documented: set[str]) -> list[str]:
    compose = yaml.safe_load((ROOT / "deploy/compose/compose.yaml").read_text())
    problems = []
    secrets = compose.get("secrets", {})
    for name, service in compose["services"].items():
        if not str(service.get("image", "")).startswith(IMAGE):
            continue
        env: dict[str, Any] = service.get("environment") or {}
        for variable, value in env.items():
            if variable not in documented:
                problems.append(f"compose {name}: {variable} is not in the README's configuration table")
            if variable.endswith("_FILE"):
                secret = str(value).removeprefix("/run/secrets/")
                if secret not in service.get("secrets", []) or secret not in secrets:
                    problems.append(f"compose {name}: {variable} names {value}, which is not a secret it mounts")
    return problems


def k8s_problems(documented: set[str]) -> list[str]:
    base = ROOT / "deploy/k8s"
    kustomization = yaml.safe_load((base / "kustomization.yaml").read_text())
    problems = [f"kustomization: {r} does not exist" for r in kustomization["resources"] if not (base / r).is_file()]
    documents = [d for r in kustomization["resources"] if (base / r).is_file() for d in yaml.safe_load_all((base / r).read_text()) if d]
    config = next(d for d in documents if d["kind"] == "ConfigMap")
    secret = next(d for d in documents if d["kind"] == "Secret")
    for variable, value in config["data"].items():
        if variable not in documented:
            problems.append(f"ConfigMap: {variable} is not in the README's configuration table")
        if variable.endswith("_FILE"):
            key = Path(value).name
            if key not in secret.get("stringData", {}):
                problems.append(f"ConfigMap: {variable} names {value}, but the Secret has no key {key}")
    for document in documents:
        pod = document.get("spec", {}).get("template", {}).get("spec")
        if not pod:
            continue
        name = document["metadata"]["name"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{document['kind']} {name}: not runAsNonRoot")
        for container in pod["containers"]:
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            for path in sorted(secret_files(container, config)):
                if str(Path(path).parent) not in mounts:
                    problems.append(f"{document['kind']} {name}: {path} is not under a mounted volume")
            for variable in env_names(container):
                if variable not in documented:
                    problems.append(f"{document['kind']} {name}: {variable} is not in the README's configuration table")
    return problems


def env_names(container: dict[str, Any]) -> list[str]:
    return [str(e["name"]) for e in container.get("env", [])]


def secret_files(container: dict[str, Any], config: dict[str, Any]) -> set[str]:
    """The secret files a container is told to read: every `*_FILE` of the
    ConfigMap when it takes the whole ConfigMap, and those it names itself
    (a container given only some keys, like the topics Job, needs no
    secret mounted)."""
    files: set[str] = set()
    whole = any(source.get("configMapRef", {}).get("name") == config["metadata"]["name"] for source in container.get("envFrom", []))
    if whole:
        files |= {str(v) for k, v in config["data"].items() if k.endswith("_FILE")}
    for entry in container.get("env", []):
        if not entry["name"].endswith("_FILE"):
            continue
        if "value" in entry:
            files.add(str(entry["value"]))
        key = entry.get("valueFrom", {}).get("configMapKeyRef", {}).get("key")
        if key in config["data"]:
            files.add(str(config["data"][key]))
    return files


def dockerfile_problems() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    problems = []
    if len(re.findall(r"^FROM ", text, re.M)) < 2:
        problems.append("Dockerfile: not multi-stage")
    if "--locked" not in text:
        problems.append("Dockerfile: cargo build without --locked")
    users = re.findall(r"^USER (\S+)", text, re.M)
    if not users or users[-1].split(":")[0] in ("0", "root"):
        problems.append("Dockerfile: the final stage runs as root")
    for binary in ("command-api", "query-api", "projector"):
        if not (ROOT / binary / "Cargo.toml").is_file() or f"target/release/{binary}" not in text:
            problems.append(f"Dockerfile: {binary} is not built into the image")
    return problems


def main() -> None:
    documented = documented_variables()
    problems = compose_problems(documented) + k8s_problems(documented) + dockerfile_problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"deploy: compose, k8s and Dockerfile consistent ({len(documented)} documented variables)")


if __name__ == "__main__":
    main()
