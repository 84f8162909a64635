#!/usr/bin/env bash
# Validates the Kubernetes deployment files under deploy/ (run by CI; works offline once the
# validator is installed):
#   1. structure (python3 + PyYAML): every kustomization.yaml lists only files and directories
#      that exist, every manifest and service directory is reachable from a kustomization,
#      secrets.example.yaml is listed nowhere; every Deployment has readiness and liveness
#      probes, resource requests and limits, runs `service <its name>`, and has a Service, an
#      HPA and a PDB of the same name whose selectors/target match it; every Secret key a
#      Deployment reads is documented in base/secrets.example.yaml.
#   2. schema: `kubernetes-validate --strict` on every manifest under deploy/base and
#      deploy/overlays (not kustomization.yaml, not secrets.example.yaml).
#   3. rendering, if kubectl or kustomize is on PATH: every kustomization root renders, and the
#      rendered output passes the same strict schema check.
# Prints one summary line; exits non-zero on any failure.
set -euo pipefail

KV_VERSION=1.37.0
K8S_VERSION=1.30.0

deploy_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${TMPDIR:-/tmp}/mercato-kv"
work="$(mktemp -d "${TMPDIR:-/tmp}/mercato-validate.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failures=0
fail() {
  echo "validate: FAIL: $*" >&2
  failures=$((failures + 1))
}

# --- the validator, in its own venv, installed once -------------------------------------------
if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv" # a venv whose interpreter has gone away
fi
if [[ ! -d "$venv" ]]; then
  python3 -m venv "$venv"
fi
kv_installed="$("$venv/bin/python" -m pip show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$kv_installed" != "$KV_VERSION" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KV_VERSION"
fi
kv=("$venv/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$K8S_VERSION")

# --- PyYAML: the machine's python3 if it has it, else the venv's --------------------------------
if python3 -c 'import yaml' >/dev/null 2>&1; then
  py=python3
else
  if ! "$venv/bin/python" -c 'import yaml' >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pyyaml
  fi
  py="$venv/bin/python"
fi

# --- 1. structure -------------------------------------------------------------------------------
cat >"$work/check.py" <<'PY'
import os
import sys

import yaml

deploy = sys.argv[1]
base = os.path.join(deploy, "base")
problems = []


def problem(msg):
    problems.append(msg)
    print(f"validate: FAIL: {msg}", file=sys.stderr)


def rel(path):
    return os.path.relpath(path, deploy)


def load_all(path):
    try:
        with open(path) as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except yaml.YAMLError as err:
        problem(f"{rel(path)}: not valid YAML: {err}")
        return []


yaml_files = sorted(
    os.path.join(root, name)
    for root, _, names in os.walk(deploy)
    for name in names
    if name.endswith((".yaml", ".yml"))
)
kustomizations = [p for p in yaml_files if os.path.basename(p) in ("kustomization.yaml", "kustomization.yml")]

# Kustomizations list only what exists; remember everything they reach.
listed = set()
for kpath in kustomizations:
    kdir = os.path.dirname(kpath)
    docs = load_all(kpath)
    k = docs[0] if docs else {}
    if not isinstance(k, dict):
        problem(f"{rel(kpath)}: not a mapping")
        continue
    entries = []
    for key in ("resources", "components", "crds", "patchesStrategicMerge", "configurations", "transformers", "generators"):
        for item in k.get(key) or []:
            if isinstance(item, str):
                entries.append((key, item))
    for patch in (k.get("patches") or []) + (k.get("patchesJson6902") or []):
        if isinstance(patch, dict) and "path" in patch:
            entries.append(("patches", patch["path"]))
    for gen in (k.get("configMapGenerator") or []) + (k.get("secretGenerator") or []):
        for item in (gen.get("files") or []) + (gen.get("envs") or []) + ([gen["env"]] if gen.get("env") else []):
            entries.append(("generator files", item.split("=", 1)[-1]))
    for key, item in entries:
        if "://" in item or item.startswith("github.com/"):
            continue  # a remote resource
        target = os.path.normpath(os.path.join(kdir, item))
        if not os.path.exists(target):
            problem(f"{rel(kpath)}: {key} entry '{item}' does not exist")
            continue
        if os.path.isdir(target) and not any(
            os.path.exists(os.path.join(target, n)) for n in ("kustomization.yaml", "kustomization.yml", "Kustomization")
        ):
            problem(f"{rel(kpath)}: {key} entry '{item}' is a directory without a kustomization.yaml")
        if os.path.basename(target) == "secrets.example.yaml":
            problem(f"{rel(kpath)}: lists secrets.example.yaml, which must never be applied")
        listed.add(target)

# Every manifest and every kustomization below base/ is reachable (a copied service directory
# that was not added to base/kustomization.yaml is caught here).
for path in yaml_files:
    name = os.path.basename(path)
    if name == "secrets.example.yaml" or not path.startswith(base + os.sep):
        continue
    if name in ("kustomization.yaml", "kustomization.yml"):
        d = os.path.dirname(path)
        if d != base and d not in listed:
            problem(f"{rel(d)}/ is not listed in any kustomization")
    elif path not in listed:
        problem(f"{rel(path)} is not listed in any kustomization")

# Index the base's resources by kind and name.
resources = {}
for path in yaml_files:
    if not path.startswith(base + os.sep) or os.path.basename(path) in ("kustomization.yaml", "secrets.example.yaml"):
        continue
    for doc in load_all(path):
        if not isinstance(doc, dict) or "kind" not in doc:
            problem(f"{rel(path)}: a document without kind")
            continue
        name = (doc.get("metadata") or {}).get("name")
        key = (doc["kind"], name)
        if key in resources:
            problem(f"{rel(path)}: {doc['kind']}/{name} is also defined in {rel(resources[key][0])}")
            continue
        resources[key] = (path, doc)

example = os.path.join(base, "secrets.example.yaml")
example_keys = set()
if os.path.exists(example):
    for doc in load_all(example):
        if isinstance(doc, dict) and doc.get("kind") == "Secret":
            for k in list((doc.get("stringData") or {})) + list((doc.get("data") or {})):
                example_keys.add((doc["metadata"]["name"], k))
else:
    problem("base/secrets.example.yaml is missing")


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


deployments = [(n, p, d) for (kind, n), (p, d) in sorted(resources.items()) if kind == "Deployment"]
if not deployments:
    problem("no Deployment found under base/")
for name, path, dep in deployments:
    where = f"{rel(path)}: Deployment/{name}"
    spec = dep.get("spec") or {}
    template = spec.get("template") or {}
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not matches(selector, pod_labels):
        problem(f"{where}: selector does not match the pod template's labels")
    containers = (template.get("spec") or {}).get("containers") or []
    if not containers:
        problem(f"{where}: no containers")
    for c in containers:
        cw = f"{where} container {c.get('name')}"
        for probe in ("readinessProbe", "livenessProbe"):
            if not c.get(probe):
                problem(f"{cw}: no {probe}")
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if not (res.get(part) or {}).get(r):
                    problem(f"{cw}: no resources.{part}.{r}")
        if c.get("args") != ["service", name]:
            problem(f"{cw}: args are {c.get('args')!r}, expected ['service', '{name}']")
        for env in c.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and (ref.get("name"), ref.get("key")) not in example_keys:
                problem(f"{cw}: reads Secret {ref.get('name')} key {ref.get('key')}, not documented in base/secrets.example.yaml")
            if env.get("name") == "MERCATO_DATABASE_URL" and ref and ref.get("name") != f"mercato-{name}-db":
                problem(f"{cw}: MERCATO_DATABASE_URL comes from Secret {ref.get('name')}, expected mercato-{name}-db")
    for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        found = resources.get((kind, name))
        if not found:
            problem(f"{where}: no {kind} named {name}")
            continue
        other = found[1].get("spec") or {}
        if kind == "Service" and not matches(other.get("selector"), pod_labels):
            problem(f"{rel(found[0])}: Service/{name} selector does not match Deployment/{name}'s pods")
        if kind == "PodDisruptionBudget" and not matches((other.get("selector") or {}).get("matchLabels"), pod_labels):
            problem(f"{rel(found[0])}: PodDisruptionBudget/{name} selector does not match Deployment/{name}'s pods")
        if kind == "HorizontalPodAutoscaler":
            target = other.get("scaleTargetRef") or {}
            if (target.get("kind"), target.get("name")) != ("Deployment", name):
                problem(f"{rel(found[0])}: HorizontalPodAutoscaler/{name} does not target Deployment/{name}")

print(f"{len(deployments)} {len(kustomizations)}")
sys.exit(1 if problems else 0)
PY

deployments=0
kustomizations=0
if stats="$("$py" "$work/check.py" "$deploy_dir")"; then
  read -r deployments kustomizations <<<"$stats"
else
  fail "structure checks found problems (listed above)"
  read -r deployments kustomizations <<<"${stats:-0 0}"
fi

# --- 2. schema of each manifest -----------------------------------------------------------------
manifests=()
while IFS= read -r -d '' f; do
  manifests+=("$f")
done < <(find "$deploy_dir/base" "$deploy_dir/overlays" -type f \( -name '*.yaml' -o -name '*.yml' \) \
  ! -name 'kustomization.yaml' ! -name 'kustomization.yml' ! -name 'secrets.example.yaml' -print0 | sort -z)
if ((${#manifests[@]} == 0)); then
  fail "no manifests found"
elif ! (cd "$deploy_dir" && "${kv[@]}" "${manifests[@]#"$deploy_dir"/}"); then
  fail "kubernetes-validate rejected a manifest (see above)"
fi

# --- 3. rendered kustomizations -----------------------------------------------------------------
render=()
if command -v kubectl >/dev/null 2>&1; then
  render=(kubectl kustomize)
elif command -v kustomize >/dev/null 2>&1; then
  render=(kustomize build)
fi
rendered="skipped (no kubectl or kustomize)"
if ((${#render[@]})); then
  roots=("$deploy_dir/base")
  for overlay in "$deploy_dir"/overlays/*/; do
    [[ -f "$overlay/kustomization.yaml" ]] && roots+=("${overlay%/}")
  done
  ok=0
  for root in "${roots[@]}"; do
    name="${root#"$deploy_dir"/}"
    out="$work/${name//\//_}.yaml"
    if ! "${render[@]}" "$root" >"$out" 2>"$work/render.err"; then
      cat "$work/render.err" >&2
      fail "$name does not render with ${render[*]}"
    elif ! (cd "$work" && "${kv[@]}" "$(basename "$out")"); then
      fail "$name renders, but kubernetes-validate rejected the result"
    else
      ok=$((ok + 1))
    fi
  done
  rendered="$ok/${#roots[@]} kustomize builds valid"
fi

summary="$deployments deployments, $kustomizations kustomizations, ${#manifests[@]} manifests strict-checked against Kubernetes $K8S_VERSION, $rendered"
if ((failures)); then
  echo "validate: FAILED ($failures failing check(s)); $summary"
  exit 1
fi
echo "validate: OK: $summary"
